"""Exposures and attribution: who reached whom, and which exposure explains each adoption.

Rules (``docs/classes.md``): explicit ``via`` first (an event id, a referral code, an account
id; never the adopter themselves), else the latest earlier peer exposure inside the window, else
an incentivized one, else a broadcast one, else organic. The "latest earlier exposure" lookups are
DuckDB ``ASOF`` joins, so attribution is one pass over sorted data, not a loop per adoption.

Tables created in the frame: ``exposures`` (target, sender, ts, event, kind) and ``attribution``
(one row per signup/purchase: id, adopter, ts, kind, parent, parent_event, exposure_ts, method).
"""

from __future__ import annotations

from ..duck import literal
from .frame import Frame

__all__ = ["build_exposures", "attribute", "KINDS", "WINDOW_KINDS", "order_key", "window_us", "window_hits_sql",
           "latest_sql", "attribute_adoptions", "exposures_sql", "inv_sql"]

#: Attribution kinds, in priority order after ``via``.
KINDS = ("peer", "incentivized", "broadcast", "suspicious", "organic")


def build_exposures(frame: Frame) -> None:
    """Create ``exposures``: one row per (person reached, sender, time, event, kind)."""
    frame.con.execute(f"CREATE OR REPLACE TEMP TABLE exposures AS {exposures_sql('cls')}")


def exposures_sql(src: str) -> str:
    """The exposures made by the classified events of ``src``."""
    return f"""
        WITH c AS (  -- one pass over the events: which rule (if any) makes each an exposure
            SELECT id, ts, actor, target, parent_creator, root_creator,
                   CASE
                     -- told directly: referral, recommendation, a tagged friend
                     WHEN reason IN ('peer:referral', 'peer:recommendation', 'peer:tagged_friend')
                       THEN 'told'
                     -- saw a peer's story: replied to it or shared it
                     WHEN reason IN ('peer:conversation_about_brand', 'peer:share_of_peer_story')
                       THEN 'saw_peer'
                     -- incentivized content addressed to a person (partner codes, contest tags)
                     WHEN reason LIKE 'incentivized:%' AND target IS NOT NULL
                          AND type NOT IN ('signup', 'purchase') THEN 'incentivized'
                     -- engaged with brand content, or was messaged by the brand
                     WHEN reason LIKE 'broadcast:%' AND reason <> 'broadcast:brand_message'
                          AND NOT by_brand AND type NOT IN ('signup', 'purchase') THEN 'engaged'
                     WHEN reason = 'broadcast:brand_message' AND target IS NOT NULL THEN 'messaged'
                     -- flagged accounts reaching people
                     WHEN reason LIKE 'suspicious:%' AND target IS NOT NULL
                          AND type IN ('referral', 'recommendation', 'mention') THEN 'flagged'
                   END AS rule
            FROM {src}
        ),
        x AS (
            SELECT CASE WHEN rule IN ('saw_peer', 'engaged') THEN actor ELSE target END AS person,
                   CASE rule WHEN 'saw_peer' THEN coalesce(target, parent_creator)
                             WHEN 'engaged' THEN coalesce(root_creator, parent_creator, target)
                             ELSE actor END AS sender,
                   ts, id AS event,
                   CASE rule WHEN 'told' THEN 'peer' WHEN 'saw_peer' THEN 'peer'
                             WHEN 'incentivized' THEN 'incentivized' WHEN 'flagged' THEN 'suspicious'
                             ELSE 'broadcast' END AS kind
            FROM c WHERE rule IS NOT NULL
        )
        SELECT * FROM x
        WHERE person IS NOT NULL AND sender IS NOT NULL AND person <> sender
    """


def inv_sql(src: str) -> str:
    """Invitations (referrals and recommendations) of the classified events of ``src``, with the
    kind of exposure each is."""
    return f"""
        SELECT id, ts, actor, target, via,
               CASE split_part(reason, ':', 1) WHEN 'peer' THEN 'peer'
                    WHEN 'incentivized' THEN 'incentivized' WHEN 'suspicious' THEN 'suspicious'
                    ELSE 'broadcast' END AS kind
        FROM {src} WHERE type IN ('referral', 'recommendation')
    """


#: The kinds of exposure the window rule looks for, in priority order.
WINDOW_KINDS = ("peer", "incentivized", "broadcast")


def window_us(frame: Frame) -> int:
    """The attribution window (``Options.window_days``) in microseconds."""
    return int(frame.options.window_days * 86_400 * 1_000_000)


def order_key(ts: str, event: str) -> str:
    """SQL: an exposure's place in time, ties broken by its event: "the latest exposure" is the
    one with the greatest key, the same in a full analysis and a refresh (ASOF joins alone
    leave exposures in the same second in no defined order). An adoption's own key,
    ``order_key(ts, None)``, is above every exposure strictly before it."""
    tiebreak = "0" if event is None else f"hash({event})"
    return f"((epoch_us({ts})::HUGEINT << 64) + {tiebreak})"


def attribute(frame: Frame) -> None:
    """Create ``attribution``: the one parent (or none) of every signup and purchase; ``inv``
    (the invitations) is kept beside it, with ``window_hits`` (every adoption's latest exposure
    of each kind inside its window) and ``latest_x`` (every person's latest exposure of each
    kind inside the window before the last event), which a refresh starts from."""
    con = frame.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE inv AS {inv_sql('cls')}")
    adopt = "(SELECT id, ts, actor AS adopter, via, type FROM adopt_ev)"  # the adoptions tally
    con.execute(f"CREATE OR REPLACE TEMP TABLE window_hits AS {window_hits_sql(frame, adopt, 'exposures')}")
    attribute_adoptions(frame, adopt, "inv", "window_hits", "attribution")
    con.execute(f"CREATE OR REPLACE TEMP TABLE latest_x AS {latest_sql(frame, 'exposures', frame.end)}")


def window_hits_sql(frame: Frame, adopt: str, exposures: str) -> str:
    """Per adoption of ``adopt`` (id, ts, adopter) and kind of :data:`WINDOW_KINDS`: the latest
    exposure of ``exposures`` before it inside the window (ASOF joins): id, kind, parent,
    parent_event, exposure_ts.

    Only the exposures of adopters are keyed and sorted for the joins (DuckDB does not narrow
    the right side of an ASOF join by itself): at 10M events 1.2M of 5.2M exposures, and 0.62
    instead of 1.63-1.78 s, the same rows."""
    window = window_us(frame)
    return " UNION ALL ".join(
        f"""
        SELECT a.id, '{kind}' AS kind, x.sender AS parent, x.event AS parent_event, x.ts AS exposure_ts
        FROM (SELECT id, adopter, ts, {order_key('ts', None)} AS k FROM {adopt}) a
        ASOF JOIN (SELECT person, sender, event, ts, {order_key('ts', 'event')} AS k
                   FROM {exposures}
                   WHERE kind = '{kind}' AND person IN (SELECT adopter FROM {adopt})) x
          ON a.adopter = x.person AND a.k > x.k
        WHERE epoch_us(a.ts) - epoch_us(x.ts) <= {window}
        """
        for kind in WINDOW_KINDS
    )


def latest_sql(frame: Frame, exposures: str, end) -> str:
    """Per person and kind of :data:`WINDOW_KINDS`: the latest exposure of ``exposures`` not
    older than the window before ``end`` (the last event): person, kind, sender, event, ts.
    Any later adoption's window can only reach that far back."""
    window = window_us(frame)
    return f"""
        SELECT person, kind, x.sender, x.event, x.ts FROM (
            SELECT person, kind, arg_max({{'sender': sender, 'event': event, 'ts': ts}}, {order_key('ts', 'event')}) AS x
            FROM {exposures}
            WHERE kind IN {WINDOW_KINDS} AND epoch_us(ts) >= epoch_us({literal(end)}::TIMESTAMPTZ) - {window}
            GROUP BY ALL
        )
    """


def attribute_adoptions(frame: Frame, adopt: str, inv: str, window_hits: str, out: str) -> None:
    """Create ``out``: the attribution of the adoptions in ``adopt`` (id, ts, adopter, via,
    type), from the invitations ``inv`` and their ``window_hits`` (:func:`window_hits_sql`)."""
    con = frame.con
    # 1. via: an event id, else a code handed out in a referral's via, else an account id.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE via_hit AS
        WITH by_event AS (
            SELECT a.id, i.actor AS parent, i.id AS parent_event, i.ts AS exposure_ts, i.kind,
                   'via_event' AS method, 1 AS pri
            FROM {adopt} a JOIN {inv} i ON i.id = a.via
        ),
        by_code AS (
            SELECT a.id, i.actor AS parent, i.id AS parent_event, i.ts AS exposure_ts, i.kind,
                   'via_code' AS method, 2 AS pri,
                   row_number() OVER (PARTITION BY a.id
                                      ORDER BY (i.target = a.adopter) DESC NULLS LAST,
                                               (i.ts <= a.ts) DESC, i.ts DESC, i.id) AS rk
            FROM {adopt} a JOIN {inv} i ON i.via = a.via
            WHERE i.actor <> a.adopter
        ),
        by_account AS (
            SELECT a.id, a.via AS parent, NULL AS parent_event, a.ts AS exposure_ts,
                   CASE WHEN ac.role IN ('partner', 'employee') THEN 'incentivized'
                        WHEN ac.role = 'brand' THEN 'broadcast' ELSE 'peer' END AS kind,
                   'via_account' AS method, 3 AS pri
            FROM {adopt} a JOIN acc ac ON ac.id = a.via
        ),
        hits AS (
            SELECT id, parent, parent_event, exposure_ts, kind, method, pri FROM by_event
            UNION ALL
            SELECT id, parent, parent_event, exposure_ts, kind, method, pri FROM by_code WHERE rk = 1
            UNION ALL
            SELECT id, parent, parent_event, exposure_ts, kind, method, pri FROM by_account
        )
        SELECT h.* FROM hits h JOIN {adopt} a USING (id)
        WHERE h.parent <> a.adopter
        QUALIFY row_number() OVER (PARTITION BY h.id ORDER BY h.pri) = 1
        """
    )
    # 2-4. else the latest earlier exposure inside the window: peer, else incentivized, else broadcast.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        WITH w AS (
            SELECT * FROM {window_hits}
            QUALIFY row_number() OVER (
                PARTITION BY id ORDER BY CASE kind WHEN 'peer' THEN 1 WHEN 'incentivized' THEN 2 ELSE 3 END) = 1
        )
        SELECT a.id, a.adopter, a.ts, a.type,
               CASE WHEN v.id IS NOT NULL THEN v.kind ELSE coalesce(w.kind, 'organic') END AS kind,
               coalesce(v.parent, w.parent) AS parent,
               CASE WHEN v.id IS NOT NULL THEN v.parent_event ELSE w.parent_event END AS parent_event,
               coalesce(v.exposure_ts, w.exposure_ts) AS exposure_ts,
               CASE WHEN v.id IS NOT NULL THEN v.method
                    WHEN w.id IS NOT NULL THEN 'window'
                    ELSE 'none' END AS method
        FROM {adopt} a
        LEFT JOIN via_hit v USING (id)
        LEFT JOIN w USING (id)
        """
    )
    con.execute("DROP TABLE via_hit")
