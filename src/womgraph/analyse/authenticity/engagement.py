"""Bought engagement and like farms: three explainable rules over likes and account profiles.

- ``farm_profile``: a young account (first activity within ``young_days`` of creation) with few
  followers and many followings whose activity is almost only likes.
- ``lockstep``: groups of accounts that like the same posts within ``lockstep_seconds`` of each
  other again and again (CopyCatch-style). A pair of accounts is in lockstep when at least
  ``lockstep_min_posts`` of their likes coincide and those make at least ``lockstep_min_share``
  of the smaller account's likes; groups are connected components of such pairs with at least
  ``lockstep_min_group`` members.
- ``brand_only_engagement``: a young account whose only activity is engaging with brand posts.

Ordinary fans who like many brand posts over weeks are old accounts with their own timing, so
none of these rules fires for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ...duck import arrow, register, unregister
from ..frame import Frame
from ..graph import components
from .examples import collecting

__all__ = ["EngagementThresholds", "brand_only_engagement", "farm_profile", "lockstep", "lockstep_flags",
           "lockstep_pairs_update"]


@dataclass(frozen=True)
class EngagementThresholds:
    young_days: float = 30.0
    max_followers: int = 50
    following_ratio: float = 10.0
    min_likes: int = 5
    like_share: float = 0.9
    lockstep_seconds: int = 120
    lockstep_min_posts: int = 3
    lockstep_min_share: float = 0.6
    lockstep_min_group: int = 5
    brand_only_min_events: int = 10


def _account_flag(rule: str, severity: str, row: dict, keys: tuple[str, ...], thresholds: dict) -> dict:
    """A bought-engagement flag on one account, with the measured values named by ``keys``."""
    return {
        "kind": "bought_engagement",
        "rule": rule,
        "severity": severity,
        "accounts": [row["account"]],
        "evidence": {
            "events": row["example_events"],
            "values": {k: row[k] for k in keys},
            "thresholds": thresholds,
        },
        "affects_class": True,
    }


def _profile_sql(t: EngagementThresholds) -> str:
    # Counts and first likes per account come from the tallies (``analyse.tallies``).
    return f"""
        SELECT a.id AS account, x.events, x.likes, a.followers, a.following,
               round((epoch(x.first_ts) - epoch(a.created)) / 86400.0, 2) AS age_days_at_first_event
        FROM acc a JOIN actor_stats x ON x.actor = a.id
        WHERE a.created IS NOT NULL
          AND epoch(x.first_ts) - epoch(a.created) <= {t.young_days} * 86400
          AND coalesce(a.followers, 0) <= {t.max_followers}
          AND coalesce(a.following, 0) >= {t.following_ratio} * (coalesce(a.followers, 0) + 1)
          AND x.likes >= {t.min_likes} AND x.likes >= {t.like_share} * x.events
          AND coalesce(a.role, '') NOT IN ('brand', 'employee', 'partner')
        ORDER BY a.id
    """


def farm_profile(frame: Frame, t: EngagementThresholds) -> list[dict]:
    rows = arrow(frame.con, _profile_sql(t)).to_pylist()
    with collecting(frame) as ex:
        examples = ex.first("likes", [r["account"] for r in rows], 5)
    for r in rows:
        r["example_events"] = examples[r["account"]]
    thresholds = {
        "young_days": t.young_days, "max_followers": t.max_followers,
        "following_ratio": t.following_ratio, "min_likes": t.min_likes, "like_share": t.like_share,
    }
    keys = ("likes", "events", "followers", "following", "age_days_at_first_event")
    return [_account_flag("farm_profile", "high", r, keys, thresholds) for r in rows]


def _lockstep_pairs(con, t: EngagementThresholds) -> pa.Table:
    """Pairs of accounts in lockstep, ``(a, b, shared)`` with ``a < b``, computed exactly.

    Reads the ``ls_like`` tally (one row per account and liked content, as 64-bit hashes: much
    faster to join than strings); account ids are looked up for the few pairs that qualify.

    All-pairs is quadratic in a post's burst (130M same-cell pairs at 10M events), so candidate
    pairs come from a prefix filter instead. In a qualifying pair, let A be the account with fewer
    likes: at least ``o = max(min_posts, ceil(min_share * n_A))`` of A's likes coincide with B's.
    Those are all *accompanied* likes (another like on the post within the window), so any
    ``acc_A - o + 2`` of A's accompanied likes include at least two of them (pigeonhole; all
    ``o`` when that is every accompanied like). Each A probes with its least crowded ones (by the
    likes in the same ``lockstep_seconds`` cell of the post), which keeps viral bursts out of the
    probe; only pairs with enough hits are candidates, and only those are counted in full.
    Whether a like is accompanied comes from its neighbours in time (``lag``/``lead``), not from
    counting a moving window: at 10M events 1.9 s instead of 2.6 s, the same pairs.
    """
    w = int(t.lockstep_seconds)
    share = float(t.lockstep_min_share)
    tables = ("_ls_like", "_ls_acct", "_ls_acc", "_ls_cand")
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ls_like AS
            SELECT a, p, s, floor(s / {w})::BIGINT AS b,
                   count(*) OVER (PARTITION BY p, floor(s / {w})::BIGINT) AS crowd,
                   coalesce(lag(s) OVER (PARTITION BY p ORDER BY s) >= s - {w}, false)
                   OR coalesce(lead(s) OVER (PARTITION BY p ORDER BY s) <= s + {w}, false) AS accd
            FROM ls_like
            """
        )
        # n: likes; acc: accompanied likes; o: coinciding likes needed when this is the smaller side
        # (the -1e-9 keeps float rounding from asking one too many).
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ls_acct AS
            SELECT a, count(*) AS n, count(*) FILTER (WHERE accd) AS acc,
                   greatest({int(t.lockstep_min_posts)},
                            ceil({share} * count(*) - 1e-9))::BIGINT AS o
            FROM _ls_like GROUP BY a
            """
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ls_acc AS
            SELECT l.a, l.p, l.s, l.b, n.n, n.o, n.acc,
                   row_number() OVER (PARTITION BY l.a ORDER BY l.crowd, l.p) AS pos
            FROM _ls_like l JOIN _ls_acct n USING (a)
            WHERE l.accd AND n.acc >= {int(t.lockstep_min_posts)}
            """
        )
        # Probe: A's first L = min(acc, acc - o + 2) accompanied likes against every like on
        # the same post in the same or a neighbouring window, from accounts with at least as
        # many likes. A qualifying B coincides with at least need = L - acc + o of them (2, or
        # all o when L = acc): one more probe like per account buys a filter that drops almost
        # every chance pair before anything is verified.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ls_cand AS
            SELECT x.a AS xa, y.a AS ya
            FROM (SELECT a, p, s, b + d AS b, n, o,
                         least(acc, acc - o + 2) - acc + o AS need
                  FROM _ls_acc, (VALUES (-1), (0), (1)) AS t(d)
                  WHERE acc >= o AND pos <= least(acc, acc - o + 2)) x
            JOIN _ls_acc y ON x.p = y.p AND x.b = y.b
            WHERE abs(x.s - y.s) <= {w} AND y.a <> x.a AND y.n >= x.n AND y.acc >= x.o
            GROUP BY 1, 2
            HAVING count(*) >= any_value(x.need)
            """
        )
        # Verify the few candidates: count every coinciding like of the pair.
        return arrow(con, f"""
            WITH m AS (
                SELECT c.xa, c.ya, count(*) AS shared
                FROM _ls_cand c
                JOIN _ls_acc x ON x.a = c.xa
                JOIN _ls_acc y ON y.a = c.ya AND y.p = x.p
                WHERE abs(x.s - y.s) <= {w}
                GROUP BY 1, 2
            ),
            q AS (
                SELECT least(xa, ya) AS a, greatest(xa, ya) AS b, max(shared) AS shared
                FROM m GROUP BY 1, 2
            ),
            hit AS (
                SELECT q.a, q.b, q.shared FROM q
                JOIN _ls_acct na ON na.a = q.a JOIN _ls_acct nb ON nb.a = q.b
                WHERE q.shared >= {t.lockstep_min_posts} AND q.shared >= {share} * least(na.n, nb.n)
            ),
            names AS (  -- back from hashes to account ids, for the few accounts in a pair
                SELECT hash(actor) AS h, actor FROM actor_stats
                WHERE likes > 0 AND hash(actor) IN (SELECT a FROM hit UNION SELECT b FROM hit)
            )
            SELECT least(na.actor, nb.actor) AS a, greatest(na.actor, nb.actor) AS b, hit.shared
            FROM hit JOIN names na ON na.h = hit.a JOIN names nb ON nb.h = hit.b
            ORDER BY 1, 2
            """)
    finally:
        for name in tables:
            con.execute(f"DROP TABLE IF EXISTS {name}")


def lockstep_pairs_update(con, t: EngagementThresholds, kept: str, likes: str, touched: str) -> pa.Table:
    """The lockstep pairs after new likes, exactly as :func:`_lockstep_pairs` would find them.

    ``touched`` (a) holds the hashes of the accounts with a new first like on some content (the
    ``ls_like`` tally ``likes`` already holds it): only their pairs can change, since a pair's
    shared likes and both accounts' counts depend on nothing else. Pairs in ``kept`` (a, b,
    shared) without a touched account stay; every pair of a touched account is counted again,
    joining its likes with the likes of the same content in the same or a neighbouring window.
    """
    w = int(t.lockstep_seconds)
    share = float(t.lockstep_min_share)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lu_pairs AS
            WITH x AS (
                SELECT a, p, s, floor(s / {w})::BIGINT + d AS b
                FROM {likes}, (VALUES (-1), (0), (1)) AS t(d)
                WHERE a IN (SELECT a FROM {touched})
            )
            SELECT least(x.a, y.a) AS a, greatest(x.a, y.a) AS b, count(*) AS shared
            FROM x JOIN (SELECT a, p, s, floor(s / {w})::BIGINT AS b FROM {likes}) y
              ON y.p = x.p AND y.b = x.b
            WHERE abs(x.s - y.s) <= {w} AND y.a <> x.a
            GROUP BY x.a, y.a
            """
        )
        return arrow(con, f"""
            WITH q AS (SELECT a, b, max(shared) AS shared FROM _lu_pairs GROUP BY a, b),
            n AS (
                SELECT a, count(*) AS n FROM {likes}
                WHERE a IN (SELECT a FROM q UNION SELECT b FROM q) GROUP BY a
            ),
            hit AS (
                SELECT q.a, q.b, q.shared FROM q JOIN n na ON na.a = q.a JOIN n nb ON nb.a = q.b
                WHERE q.shared >= {t.lockstep_min_posts} AND q.shared >= {share} * least(na.n, nb.n)
            ),
            names AS (
                SELECT hash(actor) AS h, actor FROM actor_stats
                WHERE likes > 0 AND hash(actor) IN (SELECT a FROM hit UNION SELECT b FROM hit)
            ),
            fresh AS (
                SELECT least(na.actor, nb.actor) AS a, greatest(na.actor, nb.actor) AS b, hit.shared
                FROM hit JOIN names na ON na.h = hit.a JOIN names nb ON nb.h = hit.b
            )
            SELECT * FROM (
                SELECT a, b, shared FROM {kept}
                WHERE hash(a) NOT IN (SELECT a FROM {touched}) AND hash(b) NOT IN (SELECT a FROM {touched})
                UNION ALL SELECT * FROM fresh
            ) ORDER BY a, b
            """)
    finally:
        con.execute("DROP TABLE IF EXISTS _lu_pairs")


def lockstep(frame: Frame, t: EngagementThresholds) -> list[dict]:
    """Groups of accounts liking the same posts within seconds of each other, repeatedly."""
    return lockstep_flags(frame, _lockstep_pairs(frame.con, t), t)


def lockstep_flags(frame: Frame, pairs: pa.Table, t: EngagementThresholds) -> list[dict]:
    """One flag per group (connected component) of at least ``lockstep_min_group`` accounts of
    the lockstep ``pairs`` (a, b, shared), with figures from the tallies."""
    con = frame.con
    if pairs.num_rows == 0:
        return []
    names, inv = np.unique(
        np.concatenate([pairs.column("a").to_numpy(zero_copy_only=False),
                        pairs.column("b").to_numpy(zero_copy_only=False)]),
        return_inverse=True,
    )
    m = pairs.num_rows
    labels = components(len(names), inv[:m], inv[m:])
    group_ids, sizes = np.unique(labels, return_counts=True)
    groups = group_ids[sizes >= t.lockstep_min_group].tolist()
    if not groups:
        return []
    in_groups = np.isin(labels, groups)
    register(con, "members_in", pa.table({"actor": names[in_groups].tolist(), "grp": labels[in_groups]}))
    stats = {  # likes and content liked of each group, in one pass
        g: (likes, posts)
        for g, likes, posts in con.execute(
            """
            WITH lk AS (SELECT m.grp, sum(x.likes)::BIGINT AS likes FROM members_in m
                        JOIN actor_stats x USING (actor) GROUP BY m.grp),
            ps AS (SELECT m.grp, count(DISTINCT l.p) AS posts FROM members_in m
                   JOIN ls_like l ON l.a = hash(m.actor) GROUP BY m.grp)
            SELECT grp, likes, posts FROM lk JOIN ps USING (grp)
            """
        ).fetchall()
    }
    unregister(con, "members_in")
    flags = []
    with collecting(frame) as ex:
        examples = {g: ex.first_of_group("likes", sorted(names[labels == g].tolist()), 10) for g in groups}
    for label in groups:
        members = sorted(names[labels == label].tolist())
        stats_row = (*stats[label], examples[label])
        in_group = (labels == label)
        pair_mask = in_group[inv[:m]]
        flags.append(
            {
                "kind": "bought_engagement",
                "rule": "lockstep",
                "severity": "high",
                "accounts": members,
                "evidence": {
                    "events": stats_row[2],
                    "values": {
                        "group_size": len(members),
                        "likes": stats_row[0],
                        "posts": stats_row[1],
                        "lockstep_pairs": int(pair_mask.sum()),
                        "median_shared_posts_per_pair": float(
                            np.median(pairs.column("shared").to_numpy()[pair_mask])
                        ),
                    },
                    "thresholds": {
                        "seconds": t.lockstep_seconds, "min_posts": t.lockstep_min_posts,
                        "min_share": t.lockstep_min_share, "min_group": t.lockstep_min_group,
                    },
                },
                "affects_class": True,
            }
        )
    return flags


def brand_only_engagement(frame: Frame, t: EngagementThresholds) -> list[dict]:
    """Young accounts whose every event is a like, share or reply on a brand post."""
    rows = arrow(frame.con, f"""
        SELECT a.id AS account, x.events, x.brand_engagement, a.followers, a.following,
               round((epoch(x.first_ts) - epoch(a.created)) / 86400.0, 2) AS age_days_at_first_event
        FROM actor_stats x JOIN acc a ON a.id = x.actor
        WHERE x.events >= {t.brand_only_min_events} AND a.created IS NOT NULL
          AND epoch(x.first_ts) - epoch(a.created) <= {t.young_days} * 86400
          AND coalesce(a.role, '') NOT IN ('brand', 'employee', 'partner')
          AND x.brand_engagement = x.events
        ORDER BY a.id
        """).to_pylist()
    with collecting(frame) as ex:
        examples = ex.first("events", [r["account"] for r in rows], 5)
    for r in rows:
        r["example_events"] = examples[r["account"]]
    thresholds = {"young_days": t.young_days, "min_events": t.brand_only_min_events}
    keys = ("events", "brand_engagement", "followers", "following", "age_days_at_first_event")
    return [_account_flag("brand_only_engagement", "medium", r, keys, thresholds) for r in rows]
