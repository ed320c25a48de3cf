"""The advocacy scorecard: measures that matter beside the vanity ones (``docs/metrics.md``).

All figures are ratios of counts taken from the frame's tables; a ratio with a zero denominator
is ``None`` (not 0), so "no data" is never mistaken for "bad". Counts of events come from
``agg`` (events per UTC day, channel, reason and type: :func:`event_counts`), so
nothing here reads every event; a refresh keeps ``agg`` up to date instead of counting again.
"""

from __future__ import annotations

from .frame import Frame

__all__ = ["scorecard", "period_series", "event_counts", "count_change", "apply_count_changes", "AGG_SQL",
           "PEER_EV_SQL"]

#: Events counted per UTC day, channel, reason, type and whether an adoption, from
#: ``cls``-like relation ``{src}`` (a few thousand rows for millions of events).
AGG_SQL = """
    SELECT floor(epoch(ts) / 86400)::INTEGER AS day,  -- UTC day: cheaper than calendar maths
           coalesce(channel, '(none)') AS channel, reason, type,
           type IN ('signup', 'purchase') AS adoption, count(*) AS n
    FROM {src} GROUP BY ALL
"""


def event_counts(frame: Frame) -> None:
    """Create ``agg`` from ``cls`` (see :data:`AGG_SQL`) and ``peer_ev`` (a person's own word of
    mouth: peer events that are not adoptions), the two summaries of the classes the scorecard,
    the series and the advocates read."""
    frame.con.execute(f"CREATE OR REPLACE TEMP TABLE agg AS {AGG_SQL.format(src='cls')}")
    frame.con.execute(f"CREATE OR REPLACE TEMP TABLE peer_ev AS {PEER_EV_SQL.format(src='cls')}")


_DELTA = "_count_delta"


def count_change(con, before: str, after: str) -> None:
    """Record (in a temporary table) how events change ``agg``: ``before`` holds them with their
    reasons until now, ``after`` with their new ones; a NULL reason (an event not counted yet, or
    an adoption waiting for its attribution) counts nothing. For a refresh
    (``analyse.incremental``), which then calls :func:`apply_count_changes`."""
    con.execute(
        f"""
        CREATE TEMP TABLE IF NOT EXISTS {_DELTA}
        (day INTEGER, channel VARCHAR, reason VARCHAR, type VARCHAR, adoption BOOLEAN, n BIGINT)
        """
    )
    for src, sign in ((before, -1), (after, 1)):
        con.execute(
            f"""
            INSERT INTO {_DELTA} SELECT day, channel, reason, type, adoption, {sign} * n
            FROM ({AGG_SQL.format(src=f'(SELECT * FROM {src} WHERE reason IS NOT NULL)')})
            """
        )


def apply_count_changes(con, agg: str) -> None:
    """Add the changes recorded by :func:`count_change` to the table ``agg`` (a few thousand
    rows: rebuilt whole)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {agg} AS
        SELECT day, channel, reason, type, adoption, sum(n)::BIGINT AS n
        FROM (SELECT * FROM {agg} UNION ALL SELECT * FROM {_DELTA})
        GROUP BY ALL HAVING sum(n) <> 0
        """
    )
    con.execute(f"DROP TABLE {_DELTA}")


#: Peer events that are not adoptions, from ``cls``-like relation ``{src}``.
PEER_EV_SQL = """
    SELECT id, actor, ts, channel FROM {src}
    WHERE split_part(reason, ':', 1) = 'peer' AND type NOT IN ('signup', 'purchase')
"""


def _ratio(a, b):
    return None if not b else a / b


def _one(frame: Frame, sql: str, params: dict | None = None):
    return frame.con.execute(sql, params or {}).fetchone()


def scorecard(frame: Frame) -> dict:
    """The scorecard as a JSON-ready dict."""
    con = frame.con
    adoptions, adopters, peer_adopters, inc_adopters, bc_adopters, organic_adopters = _one(
        frame,
        """
        SELECT (SELECT count(*) FROM attribution), count(*),
               count(*) FILTER (WHERE kind = 'peer'), count(*) FILTER (WHERE kind = 'incentivized'),
               count(*) FILTER (WHERE kind = 'broadcast'), count(*) FILTER (WHERE kind = 'organic')
        FROM first_adoption
        """,
    )
    peer_i, related_i = _one(
        frame,
        """
        SELECT coalesce(sum(n) FILTER (WHERE split_part(reason, ':', 1) = 'peer'), 0)::BIGINT,
               coalesce(sum(n) FILTER (WHERE split_part(reason, ':', 1) <> 'social'
                                         OR reason = 'social:like_of_peer_post'), 0)::BIGINT
        FROM agg WHERE NOT adoption
        """,
    )
    classes = dict(con.execute(
        "SELECT split_part(reason, ':', 1), sum(n)::BIGINT FROM agg GROUP BY 1 ORDER BY 1"
    ).fetchall())
    reasons = dict(con.execute("SELECT reason, sum(n)::BIGINT FROM agg GROUP BY 1 ORDER BY 1").fetchall())
    gens = con.execute(
        """
        SELECT generation, count(*) FROM cascade_nodes GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    by_gen = dict(gens)
    k_per_gen = [
        {"generation": g, "senders": by_gen[g], "adopters_next": by_gen.get(g + 1, 0),
         "k_factor": _ratio(by_gen.get(g + 1, 0), by_gen[g])}
        for g in sorted(by_gen)
        if g + 1 in by_gen
    ]
    invites, converted_invites = _one(  # peer invitations: peer:referral, peer:recommendation
        frame,
        """
        SELECT count(*), count(*) FILTER (WHERE id IN (SELECT parent_event FROM attribution
                                                      WHERE parent_event IS NOT NULL))
        FROM inv WHERE kind = 'peer'
        """,
    )
    chain_conv, deep_conv = _one(
        frame,
        """
        SELECT count(*), count(*) FILTER (WHERE c.depth >= 2)
        FROM cascade_nodes n JOIN cascades c USING (root) WHERE n.generation > 0
        """,
    )
    followers, likes, shares, reshares = _one(
        frame,
        """
        SELECT (SELECT coalesce(sum(followers), 0) FROM acc WHERE role = 'brand'),
               coalesce(sum(n) FILTER (WHERE reason = 'broadcast:like_of_brand_post'), 0)::BIGINT,
               coalesce(sum(n) FILTER (WHERE reason = 'broadcast:share_of_brand_post'), 0)::BIGINT,
               coalesce(sum(n) FILTER (WHERE reason = 'broadcast:reshare_of_brand_content'), 0)::BIGINT
        FROM agg
        """,
    )
    promoters, promoters_referring = _one(
        frame,
        """
        SELECT count(*), count(*) FILTER (WHERE id IN (SELECT sender FROM exposures WHERE kind = 'peer'))
        FROM acc WHERE nps >= 9
        """,
    )
    referred, referred_repeat, other, other_repeat = _one(
        frame,
        """
        WITH buyers AS (
            SELECT actor, count(*) AS purchases FROM adopt_ev WHERE type = 'purchase' GROUP BY actor
        )
        SELECT count(*) FILTER (WHERE f.kind = 'peer'),
               count(*) FILTER (WHERE f.kind = 'peer' AND b.purchases >= 2),
               count(*) FILTER (WHERE f.kind <> 'peer'),
               count(*) FILTER (WHERE f.kind <> 'peer' AND b.purchases >= 2)
        FROM buyers b JOIN first_adoption f ON f.adopter = b.actor
        """,
    )
    n_cascades, max_depth, max_size = _one(
        frame, "SELECT count(*), max(depth), max(size) FROM cascades"
    )
    return {
        "adoptions": adoptions,
        "adopters": adopters,
        "adopters_by_cause": {
            "peer": peer_adopters, "incentivized": inc_adopters, "broadcast": bc_adopters,
            "organic": organic_adopters, "suspicious": adopters - peer_adopters - inc_adopters
            - bc_adopters - organic_adopters,
        },
        "wom_purity": _ratio(peer_adopters, adopters),
        "wom_purity_interactions": _ratio(peer_i, related_i),
        "peer_interactions": peer_i,
        "brand_related_interactions": related_i,
        # viral k = invitations per customer x invitation conversion rate
        "k_factor": _ratio(converted_invites, adopters),
        "invitations_per_customer": _ratio(invites, adopters),
        "k_factor_per_generation": k_per_gen,
        "referral_conversion_rate": _ratio(converted_invites, invites),
        "referrals_and_recommendations": invites,
        "cascades": n_cascades,
        "longest_chain_depth": max_depth,
        "largest_cascade": max_size,
        "share_of_conversions_from_deep_chains": _ratio(deep_conv, chain_conv),
        "vanity": {
            "brand_followers": followers,
            "likes_of_brand_posts": likes,
            "shares_of_brand_posts": shares,
            "reshares_of_brand_content": reshares,
            "adopters_after_broadcast": bc_adopters,
            "broadcast_adopters_per_1000_likes": _ratio(1000 * bc_adopters, likes),
            "peer_adopters_per_1000_peer_interactions": _ratio(1000 * peer_adopters, peer_i),
            "adopters_per_1000_followers": _ratio(1000 * adopters, followers),
        },
        "say_do": {
            "promoters": promoters,
            "promoters_who_referred": promoters_referring,
            "say_do_gap": None if not promoters else 1 - promoters_referring / promoters,
        },
        "repeat_purchase": {
            "referred_customers": referred,
            "referred_repeat_rate": _ratio(referred_repeat, referred),
            "other_customers": other,
            "other_repeat_rate": _ratio(other_repeat, other),
        },
        "classes": classes,
        "reasons": reasons,
    }


def period_series(frame: Frame, by: str = "week") -> list[dict]:
    """Per period (``week`` or ``month``) and per channel: interactions by class and adopters by cause."""
    if by not in ("week", "month", "channel"):
        raise ValueError(f"period must be week, month or channel, not {by!r}")
    frame.con.execute(  # once for the three series: events from ``agg``, adopters apart
        """
        CREATE TEMP TABLE IF NOT EXISTS period_counts AS
        SELECT day, channel, split_part(reason, ':', 1) AS class, adoption,
               reason = 'broadcast:like_of_brand_post' AS like_of_brand_post,
               false AS adopter, NULL AS adopter_kind, n
        FROM agg
        UNION ALL
        SELECT floor(epoch(f.ts) / 86400)::INTEGER, coalesce(a.channel, '(none)'), NULL, true,
               false, true, f.kind, count(*)
        FROM first_adoption f JOIN adopt_ev a ON a.id = f.id
        GROUP BY ALL
        """
    )
    sums = {
        **{k: f"class = '{k}' AND NOT adoption AND NOT adopter"
           for k in ("peer", "broadcast", "incentivized", "suspicious", "social")},
        "adopters": "adopter",
        "peer_adopters": "adopter_kind = 'peer'",
        "broadcast_adopters": "adopter_kind = 'broadcast'",
        "likes_of_brand_posts": "like_of_brand_post",
    }
    select = ",\n".join(f"coalesce(sum(n) FILTER (WHERE {w}), 0)::BIGINT AS {k}" for k, w in sums.items())
    key = "channel" if by == "channel" else f"date_trunc('{by}', to_timestamp(day * 86400))"
    rows = frame.con.execute(
        f"SELECT {key} AS {by}, {select} FROM period_counts GROUP BY 1 ORDER BY 1"
    ).fetchall()
    cols = [by, "peer", "broadcast", "incentivized", "suspicious", "social", "adopters",
            "peer_adopters", "broadcast_adopters", "likes_of_brand_posts"]
    out = []
    for r in rows:
        d = dict(zip(cols, r))
        d["wom_purity"] = _ratio(d["peer_adopters"], d["adopters"])
        out.append(d)
    return out
