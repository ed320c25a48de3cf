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

Beside the main thread: the Louvain worker process, started when the refresh begins and given
the peer graph as soon as the classes are done; the referral detectors, on a connection of their
own; and the state's checkpoint, on another, while the steps after the attribution run.

A refresh declines (returns None, and the caller runs the full analysis) when its premises do
not hold: other options or code, changed accounts, events removed, no new events, more new
events than a quarter of the kept ones (and more than 10,000), a new event not later than every
kept one, kept events that point at content only the new events create, or content whose parent
changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from ..duck import configure, literal, register, unregister
from ..store.base import Store
from .advocates import ACTS_SQL, figures_sql
from .attribution import (
    WINDOW_KINDS, attribute_adoptions, exposures_sql, inv_sql, latest_sql, order_key, window_hits_sql,
    window_us,
)
from .authenticity import detect
from .authenticity.referral import REFERRAL_TALLIES, referral_flags
from .authenticity.engagement import EngagementThresholds, lockstep_pairs_update
from .classify import (
    BASE, CONTENT_TYPES, FLAG_JOIN, FLAG_RULE, adoption_reason, cls_sql, content_sql, features,
    flag_tables,
)
from .cascades import FIRST_ADOPTION_SQL
from .content import find_roots
from .metrics import PEER_EV_SQL, apply_count_changes, count_change
from .frame import ANALYSIS_COLUMNS, Frame, Options
from .communities import PROCESS_EDGES, start as start_communities
from .louvain import worker_ready
from .pipeline import downstream
from .result import Analysis
from .summary import counted_event_summary
from .state import (
    EVENT_COLUMNS, KIND_TYPE, REASON_TYPE, RULE_TYPE, attach, cls_rows_sql, plain_strings, position,
    read_meta, write_meta,
)
from .tallies import TALLY_TABLES, merge_tallies

__all__ = ["refresh"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A refresh is worth it while the new events are at most this share of the kept ones (or
#: at most :data:`ALWAYS_REFRESH`).
MAX_NEW_SHARE = 0.25
ALWAYS_REFRESH = 10_000

#: Seconds per step of the last refresh in this process (for ``bench/``).
TIMINGS: dict[str, float] = {}
#: What the last refresh in this process did (counts, for ``bench/`` and the tests).
STATS: dict[str, int] = {}


@contextmanager
def _step(name: str):
    t = time.perf_counter()
    yield
    TIMINGS[name] = time.perf_counter() - t
    log.debug("refresh: %s %.3f s", name, TIMINGS[name])


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
    with _step("save"):  # all but the checkpoint, which goes beside the steps below
        for name in ("fl_acc", "fl_ev", "ls_pairs", "examples"):
            con.execute(f"CREATE OR REPLACE TABLE st.{name} AS SELECT * FROM {name}")
        write_meta(con, {"key": key, "position": now, "end": frame.end})
    with _step("downstream"):
        apply_count_changes(con, "st.agg")
        for name in ("attribution", "inv", "agg", "peer_ev", "adv_acts", "adv_fig", "first_adoption"):
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM st.{name}")
        with _checkpointing(store):  # nothing below writes to the state
            a = downstream(frame, flags, communities=louvain)
    if summary is not None:
        summary.update(counted_event_summary(con, frame.end))
    log.info("analysis refreshed with %d new events", new)
    return a


def _checkpointing(store: Store):
    """Write the state's changes from its log to its file (``CHECKPOINT st``) beside the block
    (:func:`_beside`). DuckDB lets a checkpoint run while other connections read the database
    (0.14 s at 10M); the block must not write to it."""
    return _beside(store, lambda con: con.execute("CHECKPOINT st"))


@contextmanager
def _beside(store: Store, work: Callable[[Any], T]) -> Iterator[Future[T]]:
    """``work(con)`` run in a thread, on a connection ``con`` of its own to the store's database
    (DuckDB runs the statements of two connections at once); the block gets its future. The end
    of the block waits for it and raises its error, if any; an error of the block itself wins."""
    con = store.cursor()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="womgraph-beside")
    try:
        done = pool.submit(work, con)
        try:
            yield done
        except BaseException:
            wait([done])  # the block's error is the one to tell
            raise
        done.result()
    finally:
        pool.shutdown()
        con.close()


def _redo(con, table: str, key: str, keys: str, sql: str, source: str, source_key: str) -> None:
    """Replace the rows of ``st.{table}`` whose ``key`` is among those of query ``keys`` with
    ``sql`` (a template over ``{src}``) computed from just their rows of ``source``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _redo_keys AS {keys}")
    con.execute(f"DELETE FROM st.{table} WHERE {key} IN (SELECT * FROM _redo_keys)")
    theirs = f"{source} WHERE {source_key} IN (SELECT * FROM _redo_keys)"
    con.execute(f"INSERT INTO st.{table} {sql.format(src=theirs)}")
    con.execute("DROP TABLE _redo_keys")


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


def _points_at_new_content(con, kept: int) -> bool:
    """Do kept events point at content (or brand posts) that only the new events create?

    The tallies and content kinds of kept events would then change, which a refresh does not
    follow (events arriving before what they answer)."""
    _known_content(con, f"SELECT hash(post) FROM nfeat WHERE post IS NOT NULL AND type IN {CONTENT_TYPES}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _late AS
        SELECT DISTINCT post FROM nfeat
        WHERE post IS NOT NULL AND (
              (type IN {CONTENT_TYPES} AND hash(post) NOT IN (SELECT h FROM _known))
           OR (by_brand AND post NOT IN (SELECT post FROM st.brand_posts)))
        """
    )
    if con.execute("SELECT count(*) FROM _late").fetchone()[0] == 0:
        return False
    return con.execute(
        f"SELECT EXISTS (SELECT 1 FROM events WHERE rowid <= {kept} AND parent IN (SELECT post FROM _late))"
    ).fetchone()[0]


def _known_content(con, hashes: str) -> None:
    """Leave ``_known`` (h): which of the content hashes of query ``hashes`` are kept content.
    (The few hashes are looked up in the kept ones, not the other way round: an ``IN`` over
    ``st.content`` would build a hash table of every content id.)"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _known AS SELECT h FROM st.content WHERE h IN ({hashes})")


def _event_rows(con, out: str, *conditions: str) -> None:
    """Create ``out``: the columns of :data:`~womgraph.analyse.state.EVENT_COLUMNS` of the
    stored events that match any of ``conditions``.

    The conditions are scanned on their own columns for row ids first, and only those rows are
    read whole: DuckDB applies a semi-join (``x IN (SELECT ...)``) after the scan, so a scan of
    every column would read all of them for every event (0.7 s at 10M instead of 0.1)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _rids (rid BIGINT)")
    for cond in conditions:
        con.execute(f"INSERT INTO _rids SELECT rowid FROM events WHERE {cond}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT {EVENT_COLUMNS} FROM events "
        "WHERE rowid IN (SELECT rid FROM _rids)"
    )
    con.execute("DROP TABLE _rids")


def _flags(store: Store, frame: Frame) -> list[dict]:
    """Merge the tallies, run the detectors, and leave ``fl_acc``/``fl_ev`` (new hooks).

    The referral detectors read only kept tallies, which the other detectors do not write:
    they run on a connection of their own, beside the lockstep pairs and the other detectors
    (0.15 s at 10M events, a third of it Python)."""
    con = frame.con
    with _step("flags: tallies"):
        merge_tallies(con, "nfeat", "st")
        for name in TALLY_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM st.{name}")
    with _beside(store, partial(_referral_flags, frame)) as referral:
        with _step("flags: lockstep pairs"):
            pairs = lockstep_pairs_update(con, EngagementThresholds(), "st.ls_pairs", "st.ls_like", "ls_touched")
        with _step("flags: detectors"):
            flags, hooks = detect(frame, pairs=pairs, examples=("st.examples", "nev"), referral=referral)
            flag_tables(frame, hooks)
    return flags


def _referral_flags(frame: Frame, con) -> list[dict]:
    """The referral detectors on ``con``, over views of the kept tallies they read."""
    for name in REFERRAL_TALLIES:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM st.{name}")
    return referral_flags(Frame(None, None, frame.options, con=con, end=frame.end))


def _dirty(con, kept: int) -> None:
    """Append the rows of the new events to ``st.cls`` and update the flag rule of kept events
    whose account or own flag changed; leave ``dirty`` (rid, type, post): every event to
    classify again for that, and ``nbase`` (the new events with flags and base reasons)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _fa AS
        SELECT account FROM fl_acc n FULL JOIN st.fl_acc o USING (account)
        WHERE n.rule IS DISTINCT FROM o.rule
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _fe AS
        SELECT event FROM fl_ev n FULL JOIN st.fl_ev o USING (event)
        WHERE n.rule IS DISTINCT FROM o.rule
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE dirty (rid BIGINT, type VARCHAR, post VARCHAR)")
    if con.execute("SELECT (SELECT count(*) FROM _fa) + (SELECT count(*) FROM _fe)").fetchone()[0]:
        _event_rows(con, "_dev", f"rowid <= {kept} AND actor IN (SELECT account FROM _fa)",
                    f"rowid <= {kept} AND id IN (SELECT event FROM _fe)")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _d AS
            SELECT e.rid, e.type, e.post, {FLAG_RULE} AS rule FROM _dev e {FLAG_JOIN}
            """
        )
        con.execute(f"UPDATE st.cls SET flag_rule = d.rule::{RULE_TYPE} FROM _d d WHERE st.cls.rowid = d.rid")
        con.execute("INSERT INTO dirty SELECT rid, type, post FROM _d")
        con.execute("DROP TABLE _d")
        con.execute("DROP TABLE _dev")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE nbase AS
        SELECT *, {BASE} AS base FROM (SELECT e.*, {FLAG_RULE} AS flag_rule FROM nfeat e {FLAG_JOIN})
        """
    )
    con.execute(
        f"""
        INSERT INTO st.cls
        SELECT by_brand, to_brand, names_brand, base_nf::{REASON_TYPE}, flag_rule::{RULE_TYPE},
               NULL::{REASON_TYPE}
        FROM nbase ORDER BY rid
        """
    )
    con.execute("INSERT INTO dirty SELECT rid, type, post FROM nbase")
    for t in ("_fa", "_fe", "nfeat"):
        con.execute(f"DROP TABLE {t}")


#: Kept content with what classes read of it, by hash (creators and root kinds looked up), for
#: the content ids (hashes) of relation ``{needed}``.
_LOOKUP = """
    WITH c AS (SELECT * FROM st.content WHERE h IN ({needed})),
    r AS (SELECT h, kind, creator_h FROM st.content WHERE h IN (SELECT root_h FROM c)),
    names AS (SELECT hash(actor) AS h, actor FROM actor_stats
              WHERE hash(actor) IN (SELECT creator_h FROM c UNION SELECT creator_h FROM r))
    SELECT c.h, c.kind::VARCHAR AS kind, c.mentions_brand, c.mentions_peer, c.names_brand,
           cr.actor AS creator, r.kind::VARCHAR AS root_kind, rcr.actor AS root_creator
    FROM c
    LEFT JOIN r ON r.h = c.root_h
    LEFT JOIN names cr ON cr.h = c.creator_h
    LEFT JOIN names rcr ON rcr.h = r.creator_h
"""


def _hash(col: str) -> str:
    return f"CASE WHEN {col} IS NOT NULL THEN hash({col}) END"


def _content(con) -> bool:
    """Bring ``st.content`` up to date for the content of dirty events; leave ``changed_content``
    (h, new) with every content id whose row, or root, changed, or that is new. False when the parent of kept
    content changed (its root would move: not followed)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _k0 AS
        SELECT DISTINCT post AS cid FROM dirty WHERE post IS NOT NULL AND type IN {CONTENT_TYPES}
        """
    )
    _known_content(con, "SELECT hash(cid) FROM _k0")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _k AS SELECT cid, hash(cid) IN (SELECT h FROM _known) AS kept FROM _k0"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _k_new AS SELECT cid FROM _k WHERE NOT kept")
    con.execute("CREATE OR REPLACE TEMP TABLE _k_old AS SELECT cid FROM _k WHERE kept")
    # New content has events among the new ones only; kept content is aggregated again over all.
    con.execute(f"CREATE OR REPLACE TEMP TABLE _kc AS {content_sql('nbase', '_k_new')}")
    if con.execute("SELECT count(*) FROM _k_old").fetchone()[0]:
        _event_rows(con, "_kev", "post IN (SELECT cid FROM _k_old)")
        rows = cls_rows_sql("st", "_kev")
        con.execute(f"INSERT INTO _kc {content_sql(f'(SELECT *, {BASE} AS base FROM ({rows}))', '_k_old')}")
        con.execute("DROP TABLE _kev")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _chg AS
        SELECT o.h, hash(n.creator) AS creator_h, n.kind::{KIND_TYPE} AS kind,
               n.mentions_brand, n.mentions_peer, n.names_brand,
               n.kind IS DISTINCT FROM o.kind::VARCHAR OR hash(n.creator) <> o.creator_h AS as_root,
               {_hash('n.parent')} IS DISTINCT FROM o.parent_h AS moved
        FROM _kc n JOIN st.content o ON o.h = hash(n.cid)
        WHERE n.kind IS DISTINCT FROM o.kind::VARCHAR OR hash(n.creator) <> o.creator_h
           OR n.mentions_brand IS DISTINCT FROM o.mentions_brand
           OR n.mentions_peer IS DISTINCT FROM o.mentions_peer
           OR n.names_brand IS DISTINCT FROM o.names_brand
           OR {_hash('n.parent')} IS DISTINCT FROM o.parent_h
        """
    )
    if con.execute("SELECT count(*) FROM _chg WHERE moved").fetchone()[0]:
        return False
    con.execute(
        """
        UPDATE st.content SET creator_h = c.creator_h, kind = c.kind, mentions_brand = c.mentions_brand,
               mentions_peer = c.mentions_peer, names_brand = c.names_brand
        FROM _chg c WHERE st.content.h = c.h
        """
    )
    # Content below a root whose kind or creator changed reads them through its root.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE changed_content AS
        SELECT h, false AS new FROM _chg
        UNION SELECT h, false FROM st.content WHERE root_h IN (SELECT h FROM _chg WHERE as_root)
        """
    )
    _new_content(con)
    for t in ("_k0", "_k", "_k_new", "_k_old", "_kc", "_chg"):
        con.execute(f"DROP TABLE {t}")
    return True


def _new_content(con) -> None:
    """Insert the content ids seen for the first time (rows of ``_kc`` not kept yet), with roots
    as a full analysis finds them.

    Their parents are kept content (with a root already) or other new content; pointer jumping
    over the new ids alone leads each to its top, whose parent (if kept) gives the root."""
    con.execute(  # numbered once: a CTE referenced twice could be numbered twice
        f"""
        CREATE OR REPLACE TEMP TABLE _n AS
        WITH n AS MATERIALIZED (
            SELECT *, row_number() OVER () - 1 AS rn FROM _kc WHERE hash(cid) NOT IN (SELECT h FROM _known)
        )
        SELECT n.*, o.h IS NOT NULL AS kept_parent, o.root_h AS kept_root, o.hops AS kept_hops
        FROM n LEFT JOIN (SELECT h, root_h, hops FROM st.content
                          WHERE h IN (SELECT hash(parent) FROM n WHERE parent IS NOT NULL)) o
          ON o.h = {_hash('n.parent')}
        """
    )
    t = con.execute(
        "SELECT n.rn, coalesce(p.rn, -1) AS pidx FROM _n n LEFT JOIN _n p ON p.cid = n.parent ORDER BY n.rn"
    ).fetchnumpy()
    if len(t["rn"]):
        top, hops = find_roots(np.asarray(t["pidx"], dtype=np.int64))
        register(con, "_roots_in", pa.table({"rn": np.arange(len(top), dtype=np.int64), "top": top, "hops": hops}))
        # On a cycle among the new content: no root; below kept content: its root (none when
        # that is on or below a cycle); else the top is the root.
        con.execute(
            f"""
            INSERT INTO st.content
            SELECT hash(n.cid), hash(n.creator), {_hash('n.parent')}, n.kind::{KIND_TYPE},
                   n.mentions_brand, n.mentions_peer, n.names_brand,
                   CASE WHEN r.top < 0 THEN NULL WHEN t.kept_parent THEN t.kept_root
                        ELSE hash(t.cid) END,
                   CASE WHEN r.top < 0 OR (t.kept_parent AND t.kept_root IS NULL) THEN -1
                        WHEN t.kept_parent THEN t.kept_hops + 1 + r.hops ELSE r.hops END
            FROM _n n JOIN _roots_in r USING (rn) LEFT JOIN _n t ON t.rn = r.top
            """
        )
        unregister(con, "_roots_in")
        con.execute("INSERT INTO changed_content SELECT hash(cid), true FROM _n")
    con.execute("DROP TABLE _n")


def _classes(con, kept: int) -> None:
    """Classify again the dirty events and those pointing at changed content; update their rows
    in ``st.cls`` and replace their peer exposures and invitations. Leaves ``redo`` (rid),
    ``reached`` (person: everyone those events involve, whose exposures may have changed),
    ``inv_keys`` (k: ids and codes of changed invitations), ``addx`` (their exposures) and
    ``reids`` (id: the kept events among them)."""
    con.execute("CREATE OR REPLACE TEMP TABLE redo AS SELECT DISTINCT rid FROM dirty")
    # Kept events point only at kept content (new content was checked for that), and new
    # events are all in ``redo`` already.
    if con.execute("SELECT count(*) FROM changed_content WHERE NOT new").fetchone()[0]:
        con.execute(
            f"""
            INSERT INTO redo
            SELECT rowid FROM events
            WHERE ({_hash('parent')} IN (SELECT h FROM changed_content WHERE NOT new)
                   OR (type = 'mention'
                       AND {_hash('post')} IN (SELECT h FROM changed_content WHERE NOT new)))
              AND rowid NOT IN (SELECT rid FROM redo)
            """
        )
    _event_rows(con, "_rev", "rowid IN (SELECT rid FROM redo)")
    rows = cls_rows_sql("st", "_rev")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rbase AS SELECT *, {BASE} AS base FROM ({rows})")
    needed = (
        "SELECT hash(parent) FROM _rbase WHERE parent IS NOT NULL "
        "UNION SELECT hash(post) FROM _rbase WHERE type = 'mention' AND post IS NOT NULL"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _look AS {_LOOKUP.format(needed=needed)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE rcls AS {cls_sql('_rbase', '_look', hashed=True)}")
    count_change(con, "_rbase", "rcls")
    con.execute(f"UPDATE st.cls SET reason = r.reason::{REASON_TYPE} FROM rcls r WHERE st.cls.rowid = r.rid")
    con.execute("DELETE FROM st.peer_ev WHERE id IN (SELECT id FROM rcls)")
    con.execute(f"INSERT INTO st.peer_ev {PEER_EV_SQL.format(src='rcls')}")
    # Only the actors of these events have peer events that changed: their word of mouth anew.
    _redo(con, "adv_acts", "account", "SELECT DISTINCT actor FROM rcls", ACTS_SQL, "st.peer_ev", "actor")
    # New events come after every kept adoption, so their exposures explain new adoptions only
    # (all of them attributed again); kept events classified again may explain kept ones.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE reached AS
        SELECT actor AS person FROM rcls WHERE rid <= {kept}
        UNION SELECT target FROM rcls WHERE rid <= {kept} AND target IS NOT NULL
        """
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE addx AS {exposures_sql('rcls')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE reids AS SELECT id FROM rcls WHERE rid <= {kept}")
    # Whose advocates' figures may change (``_figures``): the actors of these events, and the
    # senders of the peer exposures they had and have.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE fig_touched AS
        SELECT DISTINCT actor AS account FROM rcls
        UNION ALL SELECT sender FROM st.peer_x WHERE event IN (SELECT id FROM rcls)
        UNION ALL SELECT sender FROM addx WHERE kind = 'peer'
        """
    )
    con.execute("DELETE FROM st.peer_x WHERE event IN (SELECT id FROM rcls)")
    con.execute("INSERT INTO st.peer_x SELECT person, sender, ts, event FROM addx WHERE kind = 'peer'")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE inv_keys AS
        SELECT id AS k FROM st.inv WHERE id IN (SELECT id FROM rcls)
        UNION SELECT via FROM st.inv WHERE id IN (SELECT id FROM rcls) AND via IS NOT NULL
        """
    )
    con.execute("DELETE FROM st.inv WHERE id IN (SELECT id FROM rcls)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ni AS {inv_sql('rcls')}")
    con.execute("INSERT INTO st.inv SELECT * FROM _ni")
    con.execute("INSERT INTO inv_keys SELECT id FROM _ni UNION SELECT via FROM _ni WHERE via IS NOT NULL")
    for t in ("_ni", "_rev", "_rbase", "_look", "dirty", "changed_content", "nbase", "rcls"):
        con.execute(f"DROP TABLE {t}")


def _attribution(frame: Frame, kept: int) -> None:
    """Attribute again the adoptions that were classified again, whose adopter took part in an
    event classified again (their exposures may have changed), or whose ``via`` names a
    changed invitation; then give them their reasons.

    The latest exposure of each kind inside an adoption's window is the latest of what was
    kept (the adoption's own ``window_hits``; for a new adoption, its adopter's ``latest_x``)
    and the exposures of the events classified again (``addx``). Only when a kept exposure came
    from an event classified again (it may be gone) are the adopter's events read again."""
    con = frame.con
    window = window_us(frame)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _adopt AS
        SELECT id, ts, actor AS adopter, via, type, rid,
               rid > {kept} OR actor IN (SELECT person FROM reached) AS renew
        FROM st.adopt_ev
        WHERE rid IN (SELECT rid FROM redo) OR actor IN (SELECT person FROM reached)
           OR via IN (SELECT k FROM inv_keys)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _base AS
        SELECT a.id, h.kind, h.parent, h.parent_event, h.exposure_ts
        FROM _adopt a JOIN st.window_hits h USING (id) WHERE a.renew AND a.rid <= {kept}
        UNION ALL
        SELECT a.id, l.kind, l.sender, l.event, l.ts
        FROM _adopt a JOIN st.latest_x l ON l.person = a.adopter
        WHERE a.rid > {kept} AND epoch_us(a.ts) - epoch_us(l.ts) <= {window}
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _scan AS SELECT DISTINCT id FROM _base WHERE parent_event IN (SELECT id FROM reids)")
    con.execute("CREATE OR REPLACE TEMP TABLE _lx_bad AS SELECT person, kind FROM st.latest_x WHERE event IN (SELECT id FROM reids)")
    STATS.update(zip(
        ("adoptions attributed again", "their exposures read again", "latest exposures read again"),
        con.execute("SELECT (SELECT count(*) FROM _adopt), (SELECT count(*) FROM _scan), (SELECT count(*) FROM _lx_bad)").fetchone(),
    ))
    scanned = _scan_exposures(frame)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _whits AS
        SELECT id, kind, x.parent, x.parent_event, x.exposure_ts FROM (
            SELECT id, kind, arg_max({{'parent': parent, 'parent_event': parent_event, 'exposure_ts': exposure_ts}},
                                     {order_key('exposure_ts', 'parent_event')}) AS x
            FROM (
                SELECT * FROM _base WHERE id NOT IN (SELECT id FROM _scan)
                UNION ALL
                SELECT a.id, x.kind, x.sender, x.event, x.ts FROM _adopt a JOIN addx x ON x.person = a.adopter
                WHERE a.renew AND a.id NOT IN (SELECT id FROM _scan) AND x.kind IN {WINDOW_KINDS}
                  AND {order_key('x.ts', 'x.event')} < {order_key('a.ts', None)}
                  AND epoch_us(a.ts) - epoch_us(x.ts) <= {window}
            )
            GROUP BY ALL
        )
        """
    )
    if scanned:
        scan_adopt = "(SELECT * FROM _adopt WHERE id IN (SELECT id FROM _scan))"
        con.execute(f"INSERT INTO _whits {window_hits_sql(frame, scan_adopt, '_sx')}")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _wh AS
        SELECT * FROM _whits
        UNION ALL SELECT * FROM st.window_hits WHERE id IN (SELECT id FROM _adopt WHERE NOT renew)
        """
    )
    attribute_adoptions(frame, "_adopt", "st.inv", "_wh", "_attr")
    con.execute("DELETE FROM st.window_hits WHERE id IN (SELECT id FROM _adopt WHERE renew)")
    con.execute("INSERT INTO st.window_hits SELECT * FROM _whits")
    con.execute("DELETE FROM st.attribution WHERE id IN (SELECT id FROM _adopt)")
    con.execute("INSERT INTO st.attribution SELECT * FROM _attr")
    # Only these adopters' attributions changed: their first adoptions anew (and the figures
    # of whoever they credit, before and after).
    credited = "SELECT parent FROM st.first_adoption WHERE adopter IN (SELECT adopter FROM _adopt) AND kind = 'peer'"
    con.execute(f"INSERT INTO fig_touched {credited}")
    _redo(con, "first_adoption", "adopter", "SELECT DISTINCT adopter FROM _adopt", FIRST_ADOPTION_SQL,
          "st.attribution", "adopter")
    con.execute(f"INSERT INTO fig_touched {credited}")
    _latest(frame, scanned)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _areason AS
        SELECT d.rid, d.ts, a.channel, d.type, c.reason::VARCHAR AS old_reason,
               {adoption_reason('c.flag_rule::VARCHAR', 'x.kind')} AS reason
        FROM _adopt d
        JOIN (SELECT rowid AS rid, flag_rule, reason FROM st.cls WHERE rowid IN (SELECT rid FROM _adopt)) c
          USING (rid)
        JOIN _attr x ON x.id = d.id JOIN st.adopt_ev a ON a.id = d.id
        """
    )
    count_change(con, "(SELECT * EXCLUDE (reason) RENAME (old_reason AS reason) FROM _areason)", "_areason")
    con.execute(f"UPDATE st.cls SET reason = x.reason::{REASON_TYPE} FROM _areason x WHERE st.cls.rowid = x.rid")
    for t in ("_areason", "_adopt", "_base", "_scan", "_lx_bad", "_whits", "_wh", "_attr", "redo", "reached",
              "inv_keys", "addx", "reids", *(("_sx",) if scanned else ())):
        con.execute(f"DROP TABLE {t}")


def _figures(con) -> None:
    """Compute again the advocates' figures (``st.adv_fig``) of the people whose own peer
    events, peer exposures sent or credited first adoptions changed (``fig_touched``). Nothing
    else goes into them: accounts do not change in a refresh, and a new purchase is a new
    event (its actor is among those of the events classified again)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _fig_keys AS SELECT DISTINCT account FROM fig_touched WHERE account IS NOT NULL")
    con.execute("DELETE FROM st.adv_fig WHERE account IN (SELECT account FROM _fig_keys)")
    sql = figures_sql("st.adv_acts", "exposures", "st.first_adoption", "st.adopt_ev",
                      only="SELECT account FROM _fig_keys")
    con.execute(f"INSERT INTO st.adv_fig {sql}")
    STATS["advocates' figures computed again"] = con.execute("SELECT count(*) FROM _fig_keys").fetchone()[0]
    con.execute("DROP TABLE _fig_keys")
    con.execute("DROP TABLE fig_touched")


def _scan_exposures(frame: Frame) -> bool:
    """Read again the exposures of adopters whose kept latest exposure came from an event
    classified again (``_scan``: inside the adoption's window), and of people whose kept
    latest exposure did (``_lx_bad``: inside the window before the last event); leave them
    in ``_sx`` and return True, or return False when there are none."""
    con = frame.con
    if not con.execute("SELECT (SELECT count(*) FROM _scan) + (SELECT count(*) FROM _lx_bad)").fetchone()[0]:
        return False
    window = window_us(frame)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _need AS
        SELECT adopter AS person, epoch_us(ts) - {window} AS lo, epoch_us(ts) AS hi
        FROM _adopt WHERE id IN (SELECT id FROM _scan)
        UNION ALL
        SELECT DISTINCT person, epoch_us({literal(frame.end)}::TIMESTAMPTZ) - {window}, NULL FROM _lx_bad
        """
    )
    # The events they acted in or were addressed by, inside those windows (found by row id
    # first: see _event_rows).
    inside = "epoch_us(e.ts) >= n.lo AND (n.hi IS NULL OR epoch_us(e.ts) < n.hi)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rids AS SELECT e.rowid AS rid FROM events e JOIN _need n ON e.actor = n.person WHERE {inside}")
    con.execute(f"INSERT INTO _rids SELECT e.rowid FROM events e JOIN _need n ON e.target = n.person WHERE {inside}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pev AS SELECT {EVENT_COLUMNS} FROM events WHERE rowid IN (SELECT rid FROM _rids)")
    rows = cls_rows_sql("st", "_pev")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pbase AS {rows}")
    needed = "SELECT hash(parent) FROM _pbase WHERE parent IS NOT NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _plook AS {_LOOKUP.format(needed=needed)}")
    with_creators = f"""(
        SELECT p.*, l.creator AS parent_creator, l.root_creator
        FROM _pbase p LEFT JOIN _plook l ON l.h = {_hash('p.parent')})"""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _sx AS
        SELECT * FROM ({exposures_sql(with_creators)})
        WHERE kind IN {WINDOW_KINDS} AND person IN (SELECT person FROM _need)
        """
    )
    for t in ("_need", "_rids", "_pev", "_pbase", "_plook"):
        con.execute(f"DROP TABLE {t}")
    return True


def _latest(frame: Frame, scanned: bool) -> None:
    """Bring ``st.latest_x`` up to date: for every person and kind with an exposure classified
    again, the latest of the kept one (unless its event was classified again), the new ones and,
    for those whose kept one was, what was read again; and none older than the window before
    the last event."""
    con = frame.con
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pk AS
        SELECT DISTINCT person, kind FROM addx WHERE kind IN {WINDOW_KINDS}
        UNION SELECT person, kind FROM _lx_bad
        """
    )
    again = "UNION ALL SELECT person, kind, sender, event, ts FROM _sx WHERE (person, kind) IN (SELECT * FROM _lx_bad)" if scanned else ""
    cands = f"""(
        SELECT person, kind, sender, event, ts FROM st.latest_x
        WHERE (person, kind) IN (SELECT * FROM _pk) AND event NOT IN (SELECT id FROM reids)
        UNION ALL SELECT person, kind, sender, event, ts FROM addx WHERE kind IN {WINDOW_KINDS}
        {again})"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _lxn AS {latest_sql(frame, cands, frame.end)}")
    con.execute("DELETE FROM st.latest_x WHERE (person, kind) IN (SELECT * FROM _pk)")
    con.execute("INSERT INTO st.latest_x SELECT * FROM _lxn")
    con.execute(
        f"DELETE FROM st.latest_x WHERE epoch_us(ts) < epoch_us({literal(frame.end)}::TIMESTAMPTZ) - {window_us(frame)}"
    )
    con.execute("DROP TABLE _pk")
    con.execute("DROP TABLE _lxn")
