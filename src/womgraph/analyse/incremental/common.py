"""What the steps of a refresh share: timings and counts, row-id lookups, replacing the
rows of some keys, and work beside the main connection."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar

from ...store.base import Store
from ..state import EVENT_COLUMNS


#: Seconds per step of the last refresh in this process (for ``bench/``).
TIMINGS: dict[str, float] = {}
#: What the last refresh in this process did (counts, for ``bench/`` and the tests).
STATS: dict[str, int] = {}

log = logging.getLogger(__name__.rpartition(".")[0])  # the refresh's own logger
T = TypeVar("T")


@contextmanager
def _step(name: str):
    t = time.perf_counter()
    yield
    TIMINGS[name] = time.perf_counter() - t
    log.debug("refresh: %s %.3f s", name, TIMINGS[name])


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


def _redo(con, table: str, key: str, keys: str, rows: Callable[[str], str]) -> None:
    """Replace the rows of ``st.{table}`` whose ``key`` is among those of query ``keys`` with
    ``rows(mine)``: their rows computed again, ``mine`` being the query of those keys."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _redo_keys AS {keys}")
    con.execute(f"DELETE FROM st.{table} WHERE {key} IN (SELECT * FROM _redo_keys)")
    con.execute(f"INSERT INTO st.{table} {rows('SELECT * FROM _redo_keys')}")
    con.execute("DROP TABLE _redo_keys")


def _rows_of(sql: str, source: str, source_key: str) -> Callable[[str], str]:
    """For :func:`_redo`: ``sql`` (a template over ``{src}``) over just the rows of ``source``
    whose ``source_key`` is among the keys."""
    return lambda mine: sql.format(src=f"{source} WHERE {source_key} IN ({mine})")


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

