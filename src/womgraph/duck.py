"""In-memory DuckDB connections for validation and analysis, set up the same way everywhere.

Times are UTC, DuckDB holds at most ``WOMGRAPH_MEMORY_LIMIT`` (default 3GB; at 10M events this
took the analysis' peak from 6.7 to 4.8 GB at the same speed, docs/performance.md), and what does
not fit spills to the system's temporary folder (not to ``.tmp`` in the user's working
directory, DuckDB's default for in-memory databases), into a folder of each database's own:
DuckDB gives its spill files the same names in every database, so two that spill into one folder
(two womgraph processes at once, or two databases in one) overwrite each other's files and crash.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import duckdb

__all__ = ["memory_connection", "configure", "literal", "relation", "arrow", "register", "unregister", "SPILL_DIR", "spill_folder"]

#: Where the spill folders of womgraph's databases are made (``<pid>-<random>`` each).
SPILL_DIR = Path(tempfile.gettempdir()) / "womgraph-duckdb"

_MADE: list[Path] = []  # this process's spill folders, removed when it exits


def spill_folder() -> Path:
    """A new, empty folder under :data:`SPILL_DIR` for one database's spill files; removed when
    the process exits. Folders left by processes that no longer run are removed first."""
    SPILL_DIR.mkdir(parents=True, exist_ok=True)
    _remove_orphans()
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=SPILL_DIR))
    if not _MADE:
        atexit.register(_remove_made)
    _MADE.append(folder)
    return folder


def _remove_made() -> None:
    for folder in _MADE:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphans() -> None:
    try:
        entries = list(SPILL_DIR.iterdir())
    except OSError:
        return
    for entry in entries:
        m = re.match(r"(\d+)-", entry.name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:  # another user's process: not ours to judge
            pass


def memory_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB connection.

    >>> memory_connection().execute("SELECT current_setting('TimeZone')").fetchone()
    ('UTC',)
    """
    return configure(duckdb.connect())


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """UTC times, no progress bar, the memory limit and spilling to the system's temporary
    folder, on any connection (the limit and the folder hold for its whole database)."""
    from .settings import memory_limit

    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would land on stdout
    con.execute(f"SET memory_limit = '{memory_limit().strip()}'")  # checked by the settings' pattern
    # Once per database: its cursors share the setting (and may be configured again).
    current = con.execute("SELECT current_setting('temp_directory')").fetchone()[0] or ""
    if not current.startswith(str(SPILL_DIR) + os.sep):
        con.execute("SET temp_directory = '" + str(spill_folder()).replace("'", "''") + "'")
    return con


def relation(con, sql: str, params=None):
    """Query ``sql`` as a DuckDB relation, for Arrow output on all of DuckDB's threads.

    DuckDB 2 streams the result of ``execute()``, and its Arrow output copies the rows once
    more. A relation cannot be made while a result of ``execute()`` is unfinished (a
    ``fetchone()`` leaves one), so that result is dropped first: statements other than queries
    have run to their end by then."""
    con.abort()
    return con.sql(sql, params=params or None)


def arrow(con, sql: str, params=None):
    """The rows of query ``sql`` as an Arrow table (through :func:`relation`).

    >>> arrow(memory_connection(), "SELECT 1 AS a").to_pylist()
    [{'a': 1}]
    """
    return relation(con, sql, params).to_arrow_table()


def register(con, name: str, table) -> None:
    """``con.register(name, table)``, after dropping an unfinished ``execute()`` result (as
    :func:`relation` does), which DuckDB 2 would refuse it for."""
    con.abort()
    con.register(name, table)


def unregister(con, name: str) -> None:
    """``con.unregister(name)``, after dropping an unfinished ``execute()`` result."""
    con.abort()
    con.unregister(name)


def literal(value) -> str:
    """``value`` (str, datetime, int, float, None, or a list of these) written as a SQL literal.

    The analysis writes its few values into the query text instead of binding parameters:
    binding any parameter makes DuckDB import pandas when it is installed (0.3 s per process).

    >>> literal("it's"), literal(None), literal(["a", 2])
    ("'it''s'", 'NULL', "['a', 2]")
    """
    from datetime import datetime

    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ {literal(value.isoformat())}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for {type(value).__name__}")
