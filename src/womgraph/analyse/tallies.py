"""Tallies the authenticity detectors read: per account, per brand post, per invitation.

The detectors never scan the events themselves: they read these small tables, built here from
the event features (``feat``) by a full analysis. A refresh (``analyse.incremental``) merges
the tallies of the new events into the kept ones with :func:`merge_tallies`, so both paths run
the very same detector queries.

Tables (in the frame's connection):

``actor_stats``
    one row per actor: first activity, counts by kind, the largest purchase and engagement with
    brand posts. (Example events are looked up for flagged accounts only: see
    ``authenticity.examples``.)
``brand_posts``
    the content ids brand accounts posted or acted on.
``partner_stats``
    partner content without a disclosure marker, per partner.
``fr_inv``
    invitations between two different accounts (referrals and recommendations with a target).
``adopt_ev``
    signups and purchases (with their row ids in the store).
``ls_like``
    one row per (account, liked content) as 64-bit hashes, with the time of the first like
    (the lockstep rule's input).
``fr_ids``
    the identifiers that link identities (``email_hash``, ``device_hash``, ``payment_hash``),
    one row per account and identifier, of the identifiers two or more accounts share: the
    only ones the referral rules can use (at 10M events, 3k of 784k rows). From the profiles:
    a refresh, which needs unchanged accounts, keeps it as it is.
"""

from __future__ import annotations

import duckdb

__all__ = ["build_tallies", "merge_tallies", "TALLY_TABLES"]

TALLY_TABLES = ("actor_stats", "brand_posts", "partner_stats", "fr_inv", "adopt_ev", "ls_like", "fr_ids")

_PARTNER_TYPES = "('post', 'mention', 'share', 'reply', 'review')"


def _brand_posts(src: str) -> str:
    return f"SELECT DISTINCT post FROM {src} WHERE by_brand AND post IS NOT NULL"


def _actor_stats(src: str, brand_posts: str) -> str:
    return f"""
        SELECT actor, min(ts) AS first_ts, count(*) AS events,
               count(*) FILTER (WHERE type = 'like') AS likes,
               count(*) FILTER (WHERE type = 'purchase') AS purchases,
               count(*) FILTER (WHERE type NOT IN ('purchase', 'signup')) AS other,
               max(value) FILTER (WHERE type = 'purchase') AS spent,
               count(*) FILTER (WHERE type IN ('like', 'share', 'reply')
                                AND parent IN (SELECT post FROM {brand_posts})) AS brand_engagement
        FROM {src} GROUP BY actor
    """


def _partner_stats(src: str) -> str:
    return f"""
        SELECT actor, count(*) AS undisclosed,
               count(*) FILTER (WHERE campaign IS NOT NULL) AS with_campaign
        FROM {src}
        WHERE actor_role = 'partner' AND type IN {_PARTNER_TYPES} AND NOT disclosed
        GROUP BY actor
    """


def _fr_inv(src: str) -> str:
    return f"""
        SELECT id, ts, actor AS src, target AS dst FROM {src}
        WHERE type IN ('referral', 'recommendation') AND target IS NOT NULL AND actor <> target
    """


def _adopt_ev(src: str) -> str:
    return f"SELECT id, ts, actor, via, type, value, channel, rid FROM {src} WHERE type IN ('signup', 'purchase')"


def _ls_like(src: str) -> str:
    # One row per (account, content): the first like counts (the rule compares first likes).
    return f"""
        SELECT hash(actor) AS a, hash(parent) AS p, min(epoch(ts)) AS s FROM {src}
        WHERE type = 'like' AND parent IS NOT NULL GROUP BY 1, 2
    """


def build_tallies(con: duckdb.DuckDBPyConnection, src: str = "feat", *, events: str | None = None) -> None:
    """Create every tally table from the event features in ``src``; the tallies that need no
    feature (counts, invitations, adoptions, likes) read ``events`` (the same events without
    features) when given, which is cheaper when ``src`` is a view that computes them."""
    ev = events or src
    con.execute(f"CREATE OR REPLACE TEMP TABLE brand_posts AS {_brand_posts(src)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE actor_stats AS {_actor_stats(ev, 'brand_posts')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE partner_stats AS {_partner_stats(src)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE fr_inv AS {_fr_inv(ev)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE adopt_ev AS {_adopt_ev(ev)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE ls_like AS {_ls_like(ev)}")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE fr_ids AS
        WITH ids AS (
            SELECT id AS account, 'email_hash' AS link, email_hash AS value FROM acc WHERE email_hash IS NOT NULL
            UNION ALL SELECT id, 'device_hash', device_hash FROM acc WHERE device_hash IS NOT NULL
            UNION ALL SELECT id, 'payment_hash', payment_hash FROM acc WHERE payment_hash IS NOT NULL
        )
        SELECT * FROM ids WHERE (link, value) IN (SELECT link, value FROM ids GROUP BY ALL HAVING count(*) >= 2)
        """
    )


def merge_tallies(con: duckdb.DuckDBPyConnection, src: str, db: str) -> None:
    """Add the events of ``src`` (features of new events, all later than the kept ones) to the
    tallies kept in database ``db``.

    Leaves ``ls_touched`` (a): the hashes of the accounts with a first like on content they had
    not liked before, the only accounts whose lockstep pairs can change."""
    con.execute(f"INSERT INTO {db}.brand_posts {_brand_posts(src)} EXCEPT SELECT post FROM {db}.brand_posts")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new_stats AS {_actor_stats(src, db + '.brand_posts')}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _merged_stats AS
        SELECT n.actor, least(o.first_ts, n.first_ts) AS first_ts,
               coalesce(o.events, 0) + n.events AS events, coalesce(o.likes, 0) + n.likes AS likes,
               coalesce(o.purchases, 0) + n.purchases AS purchases,
               coalesce(o.other, 0) + n.other AS other, greatest(o.spent, n.spent) AS spent,
               coalesce(o.brand_engagement, 0) + n.brand_engagement AS brand_engagement
        FROM _new_stats n LEFT JOIN {db}.actor_stats o USING (actor)
        """
    )
    con.execute(f"DELETE FROM {db}.actor_stats WHERE actor IN (SELECT actor FROM _merged_stats)")
    con.execute(f"INSERT INTO {db}.actor_stats SELECT * FROM _merged_stats")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new_partner AS {_partner_stats(src)}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _merged_partner AS
        SELECT n.actor, coalesce(o.undisclosed, 0) + n.undisclosed AS undisclosed,
               coalesce(o.with_campaign, 0) + n.with_campaign AS with_campaign
        FROM _new_partner n LEFT JOIN {db}.partner_stats o USING (actor)
        """
    )
    con.execute(f"DELETE FROM {db}.partner_stats WHERE actor IN (SELECT actor FROM _merged_partner)")
    con.execute(f"INSERT INTO {db}.partner_stats SELECT * FROM _merged_partner")
    con.execute(f"INSERT INTO {db}.fr_inv {_fr_inv(src)}")
    con.execute(f"INSERT INTO {db}.adopt_ev {_adopt_ev(src)}")
    # Likes: a (account, content) already kept keeps its earlier first like. (The kept likes
    # of the new likers first: an anti join would build its table of every kept like, 0.08 s
    # at 10M events against 0.04.)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _new_likes AS
        WITH n AS ({_ls_like(src)})
        SELECT n.* FROM n ANTI JOIN (SELECT a, p FROM {db}.ls_like WHERE a IN (SELECT a FROM n)) o
          ON o.a = n.a AND o.p = n.p
        """
    )
    con.execute(f"INSERT INTO {db}.ls_like SELECT * FROM _new_likes")
    con.execute("CREATE OR REPLACE TEMP TABLE ls_touched AS SELECT DISTINCT a FROM _new_likes")
    for t in ("_new_stats", "_merged_stats", "_new_partner", "_merged_partner", "_new_likes"):
        con.execute(f"DROP TABLE {t}")
