"""Run the whole analysis over projected events and accounts, in one direction:

authenticity flags -> classes -> exposures -> attribution -> adoption classes -> cascades ->
advocates -> communities -> scorecard.

>>> import pyarrow as pa
>>> from womgraph.schema import EVENTS_SCHEMA, ACCOUNTS_SCHEMA
>>> a = analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table())
>>> a.classes.num_rows, a.advocates.num_rows, a.metrics["wom_purity"]
(0, 0, None)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from ..duck import memory_connection
from ..store.base import Store
from .advocates import rank_advocates
from .attribution import attribute, build_exposures
from .authenticity import detect
from .cascades import build_cascades
from .classify import classify_adoptions, classify_interactions
from .communities import detect_communities
from .frame import ANALYSIS_COLUMNS, Frame, Options
from .metrics import period_series, scorecard

__all__ = ["Analysis", "analyse", "analyse_store"]


@dataclass
class Analysis:
    """Everything the analysis found, as Arrow tables and plain dicts."""

    classes: pa.Table
    attribution: pa.Table
    exposures: pa.Table
    cascades: pa.Table
    cascade_edges: pa.Table
    advocates: pa.Table
    communities: pa.Table
    community_health: pa.Table
    flags: list[dict]
    metrics: dict
    weekly: list[dict]
    monthly: list[dict]
    channels: list[dict]
    options: Options = field(default_factory=Options)

    def chains(self, *, min_size: int = 2, top: int | None = None) -> list[dict]:
        """Cascades, largest first, each with its edges and per-generation figures."""
        return chain_rows(self.cascades, self.cascade_edges, min_size=min_size, top=top)

    def write_back_tables(self) -> dict[str, pa.Table]:
        """The results a store keeps for people exploring it (see ``Store.write_results``)."""
        from .authenticity import flags_table

        return {
            "classes": self.classes.select(["id", "class", "reason"]),
            "advocates": self.advocates.select(["account", "rank", "score"]),
            "communities": self.communities,
            "flags": flags_table(self.flags),
            "chains": self.cascade_edges.select(["root", "parent", "child"]).rename_columns(
                ["cascade", "parent", "child"]
            ),
        }


def chain_rows(cascades: pa.Table, edges: pa.Table, *, min_size: int = 2, top: int | None = None) -> list[dict]:
    con = memory_connection()
    con.register("c", cascades)
    con.register("e", edges)
    limit = f"LIMIT {int(top)}" if top else ""
    rows = con.execute(
        f"""
        WITH ed AS (
            SELECT root, list([parent, child] ORDER BY generation, child_ts, child) AS edges,
                   list(round(hop_hours, 3) ORDER BY generation, child_ts, child) AS hop_hours
            FROM e GROUP BY root
        )
        SELECT c.root, c.size, c.depth, c.max_breadth, round(c.structural_virality, 6) AS structural_virality,
               c.conversions, c.root_adopted, c.conversions_per_generation, c.people_per_generation,
               round(c.median_hop_hours, 3) AS median_hop_hours, c.first_ts, c.last_ts,
               ed.edges, ed.hop_hours
        FROM c JOIN ed USING (root)
        WHERE c.size >= $min_size
        ORDER BY c.size DESC, c.depth DESC, c.root
        {limit}
        """,
        {"min_size": min_size},
    ).to_arrow_table()
    con.close()
    return rows.to_pylist()


def analyse(events: pa.Table, accounts: pa.Table | None, options: Options | None = None) -> Analysis:
    """Run every step over ``events`` (at least :data:`ANALYSIS_COLUMNS`) and ``accounts``."""
    options = options or Options()
    frame = Frame(events, accounts, options)
    try:
        flags, flag_hooks = detect(frame)
        classify_interactions(frame, flag_hooks)
        build_exposures(frame)
        attribute(frame)
        classify_adoptions(frame)
        build_cascades(frame)
        advocates = rank_advocates(frame)
        communities, health = detect_communities(frame)
        metrics = scorecard(frame)
        metrics["flags"] = len(flags)
        return Analysis(
            classes=frame.arrow(
                "SELECT id, class, reason, type, actor, target, ts, channel FROM cls ORDER BY ts, id"
            ),
            attribution=frame.arrow("SELECT * FROM attribution ORDER BY ts, id"),
            exposures=frame.arrow("SELECT * FROM exposures ORDER BY ts, event"),
            cascades=frame.arrow("SELECT * FROM cascades ORDER BY size DESC, depth DESC, root"),
            cascade_edges=frame.arrow("SELECT * FROM cascade_edges ORDER BY root, generation, child"),
            advocates=advocates,
            communities=communities,
            community_health=health,
            flags=flags,
            metrics=metrics,
            weekly=period_series(frame, "week"),
            monthly=period_series(frame, "month"),
            channels=period_series(frame, "channel"),
            options=options,
        )
    finally:
        frame.close()


def analyse_store(store: Store, options: Options | None = None) -> Analysis:
    """Project the store's events and accounts and analyse them."""
    return analyse(store.events(ANALYSIS_COLUMNS), store.accounts(), options)
