"""In-memory DuckDB connections for validation and analysis, set up the same way everywhere.

Times are UTC, DuckDB holds at most ``WOMGRAPH_MEMORY_LIMIT`` (default 3GB; at 10M events this
took the analysis' peak from 6.7 to 4.8 GB at the same speed, docs/performance.md), and what does
not fit spills to the system's temporary folder (not to ``.tmp`` in the user's working
directory, DuckDB's default for in-memory databases).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

__all__ = ["memory_connection", "configure", "literal", "SPILL_DIR"]

SPILL_DIR = Path(tempfile.gettempdir()) / "womgraph-duckdb"


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
    con.execute("SET temp_directory = '" + str(SPILL_DIR).replace("'", "''") + "'")
    return con


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
