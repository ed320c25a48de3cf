"""The advocacy scorecard: measures that matter beside the vanity ones (``docs/metrics.md``).

All figures are ratios of counts taken from the frame's tables; a ratio with a zero denominator
is ``None`` (not 0), so "no data" is never mistaken for "bad".
"""

from __future__ import annotations

from .frame import Frame

__all__ = ["scorecard", "period_series"]


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
        SELECT count(*) FILTER (WHERE class = 'peer'),
               count(*) FILTER (WHERE class <> 'social' OR reason = 'social:like_of_peer_post')
        FROM cls WHERE type NOT IN ('signup', 'purchase')
        """,
    )
    classes = dict(con.execute("SELECT class, count(*) FROM cls GROUP BY 1 ORDER BY 1").fetchall())
    reasons = dict(con.execute("SELECT reason, count(*) FROM cls GROUP BY 1 ORDER BY 1").fetchall())
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
    invites, converted_invites = _one(
        frame,
        """
        SELECT count(*), count(*) FILTER (WHERE id IN (SELECT parent_event FROM attribution
                                                      WHERE parent_event IS NOT NULL))
        FROM cls WHERE reason IN ('peer:referral', 'peer:recommendation')
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
               count(*) FILTER (WHERE reason = 'broadcast:like_of_brand_post'),
               count(*) FILTER (WHERE reason = 'broadcast:share_of_brand_post'),
               count(*) FILTER (WHERE reason = 'broadcast:reshare_of_brand_content')
        FROM cls
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
            SELECT actor, count(*) AS purchases FROM cls WHERE type = 'purchase' GROUP BY actor
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
    frame.con.execute(  # once for the three series: a few thousand rows instead of every event
        """
        CREATE TEMP TABLE IF NOT EXISTS period_counts AS
        SELECT floor(epoch(c.ts) / 86400)::INTEGER AS day,  -- UTC day: cheaper than calendar maths
               coalesce(c.channel, '(none)') AS channel, c.class,
               c.type IN ('signup', 'purchase') AS adoption,
               coalesce(c.reason = 'broadcast:like_of_brand_post', false) AS like_of_brand_post,
               f.id IS NOT NULL AS adopter, f.kind AS adopter_kind, count(*) AS n
        FROM cls c LEFT JOIN first_adoption f ON f.id = c.id
        GROUP BY ALL
        """
    )
    sums = {
        **{k: f"class = '{k}' AND NOT adoption"
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
