"""Run the whole analysis over projected events and accounts, in one direction:

event features -> tallies -> authenticity flags -> classes -> exposures -> attribution -> adoption classes -> cascades ->
advocates -> communities -> scorecard.

>>> import pyarrow as pa
>>> from womgraph.schema import EVENTS_SCHEMA, ACCOUNTS_SCHEMA
>>> a = analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table())
>>> a.classes.num_rows, a.advocates.num_rows, a.metrics["wom_purity"]
(0, 0, None)
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable

import duckdb
import pyarrow as pa

from ..store.base import Store
from .advocates import build_acts, build_figures, rank_advocates
from .attribution import attribute, build_exposures
from .authenticity import detect
from .cascades import build_cascades, first_adoptions
from .classify import classify_adoptions, classify_interactions, features
from .communities import Pending, detect_communities, start as start_communities
from .frame import ANALYSIS_COLUMNS, Frame, Options
from .metrics import event_counts, period_series, scorecard
from .result import Analysis, chain_rows  # noqa: F401 - defined apart so the cache loads it cheaply
from .state import position, saving
from .summary import counted_event_summary
from .tallies import build_tallies

__all__ = ["Analysis", "analyse", "analyse_store", "downstream"]

#: Every event with its class, in time order: ``Analysis.classes``.
CLASSES_SQL = """
    SELECT id, split_part(reason, ':', 1) AS class, reason, type, actor, target, ts, channel
    FROM cls ORDER BY ts, id
"""
#: Peer exposures (who told whom), in time order: ``Analysis.exposures``.
EXPOSURES_SQL = "SELECT person, sender, ts, event, kind FROM exposures WHERE kind = 'peer' ORDER BY ts, event"
#: The attribution of every adoption, in time order: ``Analysis.attribution``.
ATTRIBUTION_SQL = "SELECT * FROM attribution ORDER BY ts, id"



def analyse(
    events: pa.Table | None,
    accounts: pa.Table | None,
    options: Options | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    state_to: Path | None = None,
    state_meta: dict | None = None,
    summary_to: dict | None = None,
) -> Analysis:
    """Run every step over ``events`` (at least :data:`ANALYSIS_COLUMNS`) and ``accounts``.

    With ``con`` (a private connection to a database with an ``events`` table, closed here),
    the events are read where they are instead of from ``events``. With ``state_to``, the
    working tables are saved there for the next refresh (``analyse.state``, with
    ``state_meta``), and ``classes``, ``exposures`` and ``attribution`` are left None: they
    are read from that file and the store when asked for (at 10M events, sorting the classes
    alone takes ~3.5 s; writing the attribution to the cache took 0.2 s of a refresh).
    ``summary_to`` (a dict) receives the summary of the events (``analyse.summary``), from the
    analysis' own counts."""
    options = options or Options()
    frame = Frame(events, accounts, options, con=con)
    try:
        features(frame, view=True)
        build_tallies(frame.con, "feat", events="ev")
        flags, flag_hooks = detect(frame)
        classify_interactions(frame, flag_hooks)
        build_exposures(frame)
        attribute(frame)
        classify_adoptions(frame)
        event_counts(frame)
        build_acts(frame)
        first_adoptions(frame)
        build_figures(frame)
        if summary_to is not None:
            summary_to.update(counted_event_summary(frame.con, frame.end))
        if state_to is None:
            kept: dict[str, pa.Table] = {}

            def keep() -> None:  # the sort of every event's class goes beside a Louvain worker
                kept.update(classes=frame.arrow(CLASSES_SQL), exposures=frame.arrow(EXPOSURES_SQL),
                            attribution=frame.arrow(ATTRIBUTION_SQL))

            a = downstream(frame, flags, meanwhile=keep)
            for name, table in kept.items():
                setattr(a, name, table)
        else:
            with saving(frame.con, state_to, {**(state_meta or {}), "end": frame.end}) as write:
                a = downstream(frame, flags, meanwhile=write)  # written beside a Louvain worker
        return a
    finally:
        frame.close()


def downstream(frame: Frame, flags: list[dict], meanwhile: Callable[[], None] | None = None,
               communities: Pending | None = None, cascades_built: bool = False) -> Analysis:
    """Everything after the classes and the attribution, all on small tables (``attribution``,
    ``exposures``, ``inv``, the tallies, the flag hooks, and the summaries of the classes
    ``agg``, ``peer_ev``, ``adv_acts`` and ``adv_fig``, and ``first_adoption``): cascades, advocates,
    communities, the scorecard and the series;
    ``classes``, ``attribution`` and ``exposures`` are left None for the caller (they are
    read from the kept state when it is kept: see :data:`~womgraph.analyse.state.STATE_PARTS`).

    Louvain starts first, unless the caller started it earlier (``communities``, from
    :func:`~womgraph.analyse.communities.start` on the same ``exposures``): on a large peer
    graph it runs in a process of its own beside the cascades, the advocates and ``meanwhile``,
    the caller's work that does not need the communities (saving the state)."""
    louvain = communities or start_communities(frame)
    if not cascades_built:  # a refresh brings the kept ones up to date itself
        build_cascades(frame)
    advocates = rank_advocates(frame)
    if meanwhile is not None:
        meanwhile()
    found, health = detect_communities(frame, louvain)
    metrics = scorecard(frame)
    metrics["flags"] = len(flags)
    return Analysis(
        classes=None,
        attribution=None,
        exposures=None,
        cascades=frame.arrow("SELECT * FROM cascades ORDER BY size DESC, depth DESC, root"),
        cascade_edges=frame.arrow("SELECT * FROM cascade_edges ORDER BY root, generation, child"),
        advocates=advocates,
        communities=found,
        community_health=health,
        flags=flags,
        metrics=metrics,
        weekly=period_series(frame, "week"),
        monthly=period_series(frame, "month"),
        channels=period_series(frame, "channel"),
        options=frame.options,
    )


def analyse_store(store: Store, options: Options | None = None, *, state_to: Path | None = None,
                  state_meta: dict | None = None, summary_to: dict | None = None) -> Analysis:
    """Analyse the store's events and accounts: in place when the store is a DuckDB database,
    else over its projection (the Neo4j store). ``state_to`` and ``state_meta`` as in
    :func:`analyse` (the embedded store only)."""
    cursor = getattr(store, "cursor", None)
    if cursor is not None:
        con = cursor()
        meta = None if state_to is None else {**(state_meta or {}), "position": position(con)}
        return analyse(None, None, options, con=con, state_to=state_to, state_meta=meta,
                       summary_to=summary_to)
    return analyse(store.events(ANALYSIS_COLUMNS), store.accounts(), options)
