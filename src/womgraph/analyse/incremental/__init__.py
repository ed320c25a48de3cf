"""Refresh a kept analysis with new events, instead of analysing every event again.

A full analysis keeps its working tables (``analyse.state``). When events are appended to the
store, :func:`refresh` brings those tables up to date by touching only what the new events can
change, and then runs the steps that work on small tables (cascades, advocates, communities, the
scorecard) as a full analysis does. The result is the one a full analysis would give: the rules
are the same SQL, run over fewer rows; ``tests/test_incremental.py`` compares both on random
appends.

What new events can change, and how it is followed:

1. Their own features (computed for them alone) and the tallies (counts add up, new first likes
   are added).
2. Flags: every detector runs again over the tallies; the lockstep pairs of the accounts with
   new likes are counted again. Events of accounts whose flag changed, and events whose own
   flag changed, become *dirty*.
3. Content: the content ids of new and dirty events are aggregated again; a changed kind or
   creator reaches the content below it (through its root); new content gets its root from its
   parent.
4. Classes: new and dirty events, and the events that point at changed content, are classified
   again; their peer exposures and invitations are replaced.
5. Attribution: adoptions that were classified again, whose adopter took part in an event
   classified again, or whose ``via`` names a changed invitation are attributed again, and their
   reasons follow.
6. Advocates' figures (``analyse.advocates.figures_sql``): those of the actors of events
   classified again, of the senders of their peer exposures (before and after), and of whoever
   an adoption attributed again credited (before and after).
7. Cascades: the trees of the adopters attributed again and of their children, old and new
   (``incremental.cascades``).

Beside the main thread: the Louvain worker process, started when the refresh begins and given
the peer graph as soon as the classes are done; the referral detectors, on a connection of their
own; and the state's checkpoint, on another, while the steps after the attribution run.

A refresh declines (returns None, and the caller runs the full analysis) when its premises do
not hold: other options or code, changed accounts, events removed, no new events, more new
events than a quarter of the kept ones (and more than 10,000), a new event not later than every
kept one, kept events that point at content only the new events create, or content whose parent
changed.

Here: the premises and the order of the steps. Each step lives in a module of its own:
``flags`` (1-2), ``content`` (3), ``classes`` (4), ``attribution`` (5), ``figures`` (6),
``cascades`` (7), and
``common`` holds what they share (step timings, row-id lookups, work beside the main thread).
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

from ...duck import configure
from ...store.base import Store
from ..classify import features
from ..communities import PROCESS_EDGES, start as start_communities
from ..frame import ANALYSIS_COLUMNS, Frame, Options
from ..louvain import worker_ready
from ..metrics import apply_count_changes
from ..pipeline import downstream
from ..result import Analysis
from ..state import attach, plain_strings, position, read_meta, write_meta
from ..summary import counted_event_summary
from .attribution import _attribution
from .cascades import _cascades
from .classes import _classes
from .common import _beside, _step, STATS, TIMINGS
from .content import _content, _points_at_new_content
from .figures import _figures
from .flags import _dirty, _flags


__all__ = ["ALWAYS_REFRESH", "MAX_NEW_SHARE", "STATS", "TIMINGS", "refresh"]

log = logging.getLogger(__name__)

#: A refresh is worth it while the new events are at most this share of the kept ones (or
#: at most :data:`ALWAYS_REFRESH`).
MAX_NEW_SHARE = 0.25
ALWAYS_REFRESH = 10_000


def refresh(store: Store, state: Path, options: Options, key: dict, summary: dict | None = None) -> Analysis | None:
    """Update the state file ``state`` with the store's new events and return the analysis, or
    None (state left as it was or half done: the caller discards it) when a refresh cannot
    give the full analysis' result. ``summary`` (a dict) receives the summary of the stored
    events (``analyse.summary``), from the refreshed counts."""
    cursor = getattr(store, "cursor", None)
    if cursor is None:
        return None
    con = cursor()
    try:
        with plain_strings(con):  # the state's rows are written as a full run writes them
            attach(con, state)  # attached to the store's database, not the cursor: detached below
            try:
                return _refresh(store, con, options, key, summary)
            finally:
                con.execute("DETACH st")
    finally:
        con.close()


def _refresh(store: Store, con, options: Options, key: dict, summary: dict | None) -> Analysis | None:
    meta = read_meta(con)
    # Where the store stands; nothing else writes to it while it is open here, so this is also
    # where it stands once refreshed.
    now = position(con)
    why = _premises(con, meta, key, now)
    if why:
        log.info("analysing every event: %s", why)
        return None
    # A peer graph of this size goes to a Louvain worker process: start it now, so that its
    # interpreter and imports are done by the time the graph is (communities.Pending).
    large = con.execute("SELECT count(*) FROM st.peer_x").fetchone()[0] >= PROCESS_EDGES
    with worker_ready() if large else nullcontext():
        return _update(store, con, options, key, meta, now, summary)


def _update(store: Store, con, options: Options, key: dict, meta: dict, now: dict,
            summary: dict | None) -> Analysis | None:
    old_end = datetime.fromisoformat(meta["end"])
    kept = int(meta["position"]["max_rowid"])
    TIMINGS.clear()
    STATS.clear()
    with _step("new events"):
        configure(con)  # as the frame has it (UTC), before the latest time is read below
        cols = ", ".join(f'"{c}"' for c in ANALYSIS_COLUMNS)
        con.execute(f"CREATE TEMP TABLE nev AS SELECT {cols}, rowid AS rid FROM events WHERE rowid > {kept}")
        new, first_new, last_new = con.execute("SELECT count(*), min(ts), max(ts) FROM nev").fetchone()
        if first_new <= old_end:
            log.info("analysing every event: new events from %s, not after the last kept one", first_new)
            return None
    with _step("frame"):  # every new event comes after every kept one: the latest is new
        frame = Frame(None, None, options, con=con, end=last_new)
    with _step("features"):
        features(frame, "nev", "nfeat")
        if _points_at_new_content(con, kept):
            log.info("analysing every event: stored events point at content that arrived only now")
            return None
    with _step("flags"):
        flags = _flags(store, frame)
    with _step("dirty"):
        _dirty(con, kept)
    with _step("content"):
        if not _content(con):
            log.info("analysing every event: the parent of some content changed")
            return None
    with _step("classes"):
        _classes(con, kept)
    with _step("communities: start"):  # the peer graph is final: Louvain goes beside the rest
        con.execute("CREATE OR REPLACE TEMP VIEW exposures AS SELECT *, 'peer' AS kind FROM st.peer_x")
        louvain = start_communities(frame)
    with _step("attribution"):
        _attribution(frame, kept)
    with _step("advocates' figures"):
        _figures(con)
    with _step("cascades"):
        _cascades(frame)
    with _step("save"):  # all but the checkpoint, which goes beside the steps below
        for name in ("fl_acc", "fl_ev", "ls_pairs", "examples"):
            con.execute(f"CREATE OR REPLACE TABLE st.{name} AS SELECT * FROM {name}")
        write_meta(con, {"key": key, "position": now, "end": frame.end})
    with _step("downstream"):
        apply_count_changes(con, "st.agg")
        for name in ("attribution", "inv", "agg", "peer_ev", "adv_acts", "adv_fig", "first_adoption", "cascade_nodes",
                     "cascade_edges", "cascades"):
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM st.{name}")
        with _checkpointing(store):  # nothing below writes to the state
            a = downstream(frame, flags, communities=louvain, cascades_built=True)
    if summary is not None:
        summary.update(counted_event_summary(con, frame.end))
    log.info("analysis refreshed with %d new events", new)
    return a


def _checkpointing(store: Store):
    """Write the state's changes from its log to its file (``CHECKPOINT st``) beside the block
    (:func:`_beside`). DuckDB lets a checkpoint run while other connections read the database
    (0.14 s at 10M); the block must not write to it."""
    return _beside(store, lambda con: con.execute("CHECKPOINT st"))


def _premises(con, meta: dict | None, key: dict, now: dict) -> str | None:
    """Why a refresh cannot be done, or None (``now``: the store's :func:`position`)."""
    if meta is None:
        return "no usable kept state"
    if meta.get("key") != key:
        return "kept state made with other options or code"
    kept = meta["position"]
    if now["accounts"] != kept["accounts"]:
        return "accounts changed"
    if now["events"] != now["max_rowid"] + 1:
        return "the store's row ids have gaps"
    new = now["events"] - kept["events"]
    rows = con.execute("SELECT count(*) FROM st.cls").fetchone()[0]
    if kept["events"] != kept["max_rowid"] + 1 or rows != kept["events"] or new < 0:
        return "stored events were removed"
    if new == 0:
        return "no new events"
    if new > max(MAX_NEW_SHARE * kept["events"], ALWAYS_REFRESH):
        return f"{new} new events against {kept['events']} kept"
    return None
