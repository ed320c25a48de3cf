"""Rank genuine peer advocates, with the evidence behind every rank.

Score (``docs/advocates.md``)::

    (direct + sum over g >= 2 of 0.5**(g - 1) * conversions g generations down + 0.1 * reached)
      * 1.25 if they had bought before their first recommendation
      * 0.5 ** (days since their last advocacy / half-life)

``direct`` counts the people whose first adoption is attributed to them through a peer exposure;
conversions further down come from the cascade forest. Followers play no part. Accounts with
role brand, employee or partner, and flagged accounts, are never ranked.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..schema import NON_ADVOCATE_ROLES
from ..duck import arrow, literal, register, unregister
from .frame import Frame

__all__ = ["ACTS_SQL", "ADVOCATE_COLUMNS", "build_acts", "build_figures", "chain_credit", "figures_sql",
           "rank_advocates"]

ADVOCATE_COLUMNS = (
    "account", "rank", "score", "handle", "followers", "conversions_direct", "conversions_chain",
    "conversions_total", "people_reached", "bought_before", "first_advocacy", "last_advocacy",
    "channel", "example_events", "reason",
)


def chain_credit(parent: np.ndarray, decay: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Credit every ancestor two or more generations up: ``decay**(g-1)`` and a count.

    Returns ``(credit, count)`` per node: the decayed sum and the number of descendants at
    generation >= 2 below it.

    >>> credit, count = chain_credit(np.array([-1, 0, 1, 2]))  # a path a <- b <- c <- d
    >>> credit.tolist(), count.tolist()
    ([0.75, 0.5, 0.0, 0.0], [2, 1, 0, 0])
    """
    n = len(parent)
    credit = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    anc = parent[parent.clip(min=0)]
    anc = np.where(parent >= 0, anc, -1)
    g = 2
    idx = np.arange(n)
    alive = anc >= 0
    while alive.any():
        np.add.at(credit, anc[alive], decay ** (g - 1))
        np.add.at(count, anc[alive], 1)
        anc = np.where(alive, parent[anc.clip(min=0)], -1)
        alive = anc >= 0
        g += 1
        if g > n + 2:  # pragma: no cover - a forest cannot be deeper than its size
            raise ValueError(f"parent pointers loop (at node {int(idx[alive][0])})")
    return credit, count


def _chain_table(frame: Frame) -> pa.Table:
    con = frame.con
    t = arrow(con, """
        WITH idx AS (SELECT node, row_number() OVER (ORDER BY node) - 1 AS i FROM cascade_nodes)
        SELECT n.node, coalesce(pi.i, -1) AS pidx
        FROM idx n LEFT JOIN cascade_edges e ON e.child = n.node
        LEFT JOIN idx pi ON pi.node = e.parent
        ORDER BY n.i
        """)
    credit, count = chain_credit(t.column("pidx").to_numpy().astype(np.int64))
    return pa.table({"node": t.column("node"), "chain_credit": credit, "chain_count": count})


#: Each person's own word of mouth, from rows of ``peer_ev`` (peer events that are not
#: adoptions) in ``{src}``: first and last, the channel used most (ties: alphabetical) and the
#: three latest (ties: by id). A refresh computes it again for the people whose rows changed.
ACTS_SQL = """
    WITH own AS (SELECT * FROM {src}),
    chan AS (
        SELECT actor, first(channel ORDER BY n DESC, channel) AS channel FROM (
            SELECT actor, channel, count(*) AS n FROM own WHERE channel IS NOT NULL GROUP BY actor, channel)
        GROUP BY actor
    )
    SELECT o.actor AS account, min(o.ts) AS first_advocacy, max(o.ts) AS last_advocacy,
           any_value(c.channel) AS channel,
           min_by(o.id, (-epoch_us(o.ts), o.id), 3) AS recent_events  -- latest first: a top-3, not a sort
    FROM own o LEFT JOIN chan c USING (actor)
    GROUP BY o.actor
"""


def build_acts(frame: Frame) -> None:
    """Create ``adv_acts`` (:data:`ACTS_SQL`) from ``peer_ev``; kept in the state."""
    frame.con.execute(f"CREATE OR REPLACE TEMP TABLE adv_acts AS {ACTS_SQL.format(src='peer_ev')}")


def figures_sql(acts: str, exposures: str, first_adoption: str, adopt_ev: str, only: str | None = None) -> str:
    """Each person's figures that neither the cascades, the flags nor the analysis' end change
    (one row per account with word of mouth of its own or a direct conversion): what
    :func:`rank_advocates` scores. With ``only`` (a query of accounts), the rows of those
    accounts alone, computed from just their rows of the inputs (a refresh computes again the
    rows of the people whose exposures, attributions, purchases or peer events changed)."""
    def mine(column: str, where: bool = True) -> str:
        if only is None:
            return ""
        return f" {'AND' if where else 'WHERE'} {column} IN ({only})"

    excluded = "(" + ", ".join(f"'{r}'" for r in NON_ADVOCATE_ROLES) + ")"
    return f"""
        WITH acts AS (SELECT * FROM {acts}{mine('account', where=False)}),
        reach AS (
            SELECT sender AS account, count(DISTINCT person) AS people_reached
            FROM {exposures} WHERE kind = 'peer'{mine('sender')} GROUP BY sender
        ),
        direct AS (
            SELECT parent AS account, count(DISTINCT adopter) AS conversions_direct,
                   list(DISTINCT parent_event ORDER BY parent_event)
                     FILTER (WHERE parent_event IS NOT NULL) AS conv_events
            FROM {first_adoption} WHERE kind = 'peer' AND parent IS NOT NULL{mine('parent')} GROUP BY parent
        ),
        bought AS (
            SELECT actor AS account, min(ts) AS first_purchase FROM {adopt_ev}
            WHERE type = 'purchase'{mine('actor')} GROUP BY actor
        ),
        people AS (
            SELECT account FROM acts UNION SELECT account FROM direct
        )
        SELECT p.account, a.handle, a.followers,
               coalesce(a.role IN {excluded}, false) AS excluded_role,
               coalesce(d.conversions_direct, 0) AS conversions_direct,
               coalesce(r.people_reached, 0) AS people_reached,
               coalesce(b.first_purchase < coalesce(x.first_advocacy, b.first_purchase + INTERVAL 1 DAY), false)
                 AS bought_before,
               x.first_advocacy, x.last_advocacy, x.channel,
               coalesce(list_slice(d.conv_events, 1, 3), x.recent_events) AS example_events
        FROM people p
        LEFT JOIN acc a ON a.id = p.account
        LEFT JOIN acts x ON x.account = p.account
        LEFT JOIN reach r ON r.account = p.account
        LEFT JOIN direct d ON d.account = p.account
        LEFT JOIN bought b ON b.account = p.account
    """


def build_figures(frame: Frame) -> None:
    """Create ``adv_fig`` (:func:`figures_sql`) from ``adv_acts`` (:func:`build_acts`), the
    exposures, ``first_adoption`` and ``adopt_ev``; kept in the state."""
    sql = figures_sql("adv_acts", "exposures", "first_adoption", "adopt_ev")
    frame.con.execute(f"CREATE OR REPLACE TEMP TABLE adv_fig AS {sql}")


def rank_advocates(frame: Frame) -> pa.Table:
    """Create ``advocates`` in the frame from ``adv_fig`` (:func:`build_figures`), the
    cascades and the flags, and return it (columns :data:`ADVOCATE_COLUMNS`)."""
    con = frame.con
    register(con, "chain_in", _chain_table(frame))
    half_life = float(frame.options.recency_half_life_days)
    end = f"CAST({literal(frame.end)} AS TIMESTAMPTZ)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE advocates AS
        WITH scored AS (
            SELECT f.*, coalesce(c.chain_count, 0) AS conversions_chain,
                   (f.conversions_direct + coalesce(c.chain_credit, 0.0) + 0.1 * f.people_reached)
                   * CASE WHEN f.bought_before THEN 1.25 ELSE 1.0 END
                   * pow(0.5, greatest(0, epoch({end}) - epoch(coalesce(f.last_advocacy, {end})))
                              / 86400.0 / {half_life}) AS score
            FROM adv_fig f LEFT JOIN chain_in c ON c.node = f.account
            -- flagged accounts are never ranked (a flag's evidence events are always events of
            -- its accounts, so these are also every account with flagged activity)
            WHERE NOT f.excluded_role AND f.account NOT IN (SELECT account FROM fl_acc)
        )
        SELECT account,
               row_number() OVER (ORDER BY score DESC, conversions_direct DESC, account) AS rank,
               score, handle, followers, conversions_direct, conversions_chain,
               conversions_direct + conversions_chain AS conversions_total, people_reached,
               bought_before, first_advocacy, last_advocacy, channel, example_events,
               concat(
                 CASE WHEN conversions_direct > 0
                      THEN 'converted ' || conversions_direct || ' '
                           || CASE WHEN conversions_direct = 1 THEN 'person' ELSE 'people' END
                           || ' directly'
                      ELSE 'converted nobody directly' END,
                 CASE WHEN conversions_chain > 0
                      THEN ' and ' || conversions_chain || ' more through their chains' ELSE '' END,
                 '; reached ' || people_reached || ' '
                   || CASE WHEN people_reached = 1 THEN 'person' ELSE 'people' END,
                 CASE WHEN bought_before THEN '; bought before recommending' ELSE '' END
               ) AS reason
        FROM scored
        WHERE score > 0
        ORDER BY rank
        """
    )
    unregister(con, "chain_in")
    cols = ", ".join(ADVOCATE_COLUMNS)
    return arrow(con, f"SELECT {cols} FROM advocates ORDER BY rank")
