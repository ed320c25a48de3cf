"""JSON Lines and CSV of a large Arrow table, each line made by DuckDB on every thread.

:func:`womgraph.render.formats.emit` writes rows one by one in Python: about 6 µs a row, a
minute for the ten million classified events of ``womgraph interactions``. For tables whose
columns are all text, integers or UTC timestamps (what such exports hold), :func:`table_lines`
builds each line in SQL instead, byte for byte the text the row-by-row path writes
(``tests/test_lines.py`` holds the two to the same output on awkward values): JSON as
``json.dumps(..., ensure_ascii=False)`` spells it, timestamps as ``isoformat()`` with ``Z``,
CSV quoted as :mod:`csv` quotes (probed, not assumed: Python versions differ).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterator

import pyarrow as pa

from ..duck import arrow, register, unregister

__all__ = ["table_lines"]

#: Rows whose lines are made in one query.
SLICE_ROWS = 1_000_000


def _csv_quoted_chars() -> str:
    """The characters that make :mod:`csv` (as ``emit`` sets it up) quote a field."""
    out = ""
    for ch in ',"\n\r\t;':
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([f"a{ch}b", "x"])
        if buf.getvalue().startswith('"'):
            out += ch
    return out


_QUOTED = _csv_quoted_chars()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _kind(t: pa.DataType) -> str | None:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "text"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_timestamp(t) and t.tz in ("UTC", "+00:00", "Etc/UTC"):
        return "time"
    if pa.types.is_null(t):
        return "null"
    return None


def _iso(col: str) -> str:
    """``datetime.isoformat()`` of a UTC instant, ``+00:00`` written ``Z``."""
    us = f"(((epoch_us({col}) % 1000000) + 1000000) % 1000000)"
    return (
        f"strftime({col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S')"
        f" || CASE WHEN {us} = 0 THEN '' ELSE '.' || lpad({us}::VARCHAR, 6, '0') END || 'Z'"
    )


_SHORT = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def _json_text(col: str) -> str:
    """A JSON string as ``json.dumps(..., ensure_ascii=False)`` writes it. DuckDB's
    ``to_json`` writes the same, except ``\\u001F`` where Python writes ``\\u001f``: text with
    control characters is escaped here, one character at a time."""
    x = f"replace(replace({col}, '\\', '\\\\'), '\"', '\\\"')"
    for k in range(32):
        esc = _SHORT.get(k, "\\u%04x" % k)
        x = f"replace({x}, chr({k}), '{esc}')"
    return (f"CASE WHEN regexp_matches({col}, '[\\x00-\\x1f]') THEN '\"' || {x} || '\"' "
            f"ELSE to_json({col})::VARCHAR END")


def _json_value(col: str, kind: str) -> str:
    if kind == "text":
        value = _json_text(col)
    elif kind == "int":
        value = f"{col}::VARCHAR"
    elif kind == "time":
        value = "'\"' || " + _iso(col) + " || '\"'"
    else:
        return "'null'"
    return f"CASE WHEN {col} IS NULL THEN 'null' ELSE {value} END"


def _csv_value(col: str, kind: str) -> str:
    if kind == "int":
        return f"coalesce({col}::VARCHAR, '')"
    if kind == "time":
        return f"coalesce({_iso(col)}, '')"
    if kind == "null":
        return "''"
    pattern = "[" + "".join({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, c) for c in _QUOTED) + "]"
    return (
        f"CASE WHEN {col} IS NULL THEN '' "
        f"WHEN regexp_matches({col}, {_sql_string(pattern)}) "
        f"THEN '\"' || replace({col}, '\"', '\"\"') || '\"' ELSE {col} END"
    )


def _line_sql(table: pa.Table, fmt: str, columns: list[str]) -> str | None:
    parts = []
    for i, name in enumerate(columns):
        if name in table.column_names:
            kind = _kind(table.schema.field(name).type)
            if kind is None:
                return None
        else:
            kind = "null"
        col = f'"{name}"' if kind != "null" or name in table.column_names else "NULL"
        if fmt == "jsonl":
            key = json.dumps(name, ensure_ascii=False) + ": "
            parts.append(_sql_string(("{" if i == 0 else ", ") + key) + " || " + _json_value(col, kind))
        else:
            parts.append(("" if i == 0 else "',' || ") + _csv_value(col, kind))
    if fmt == "jsonl":
        return " || ".join(parts) + " || '}'" if parts else "'{}'"
    return " || ".join(parts) if parts else "''"


def table_lines(table: pa.Table, fmt: str, columns: list[str]) -> Iterator[str] | None:
    """The lines (``\\n``-terminated text, a batch at a time) of ``table`` in ``fmt``
    (``jsonl`` or ``csv``, no header) with ``columns``; None when a column holds a type this
    path does not write (the caller writes row by row then)."""
    if fmt not in ("jsonl", "csv") or len(set(columns)) != len(columns):
        return None
    if any('"' in name for name in columns):
        return None
    sql = _line_sql(table, fmt, columns)
    if sql is None:
        return None
    return _batches(table, sql)


def _batches(table: pa.Table, sql: str) -> Iterator[str]:
    """The text of ``table``'s lines, a slice of rows at a time. Each slice's lines are made
    in one query (on every thread: a streamed result runs on one), each ending in a line break,
    so their Arrow data buffer is the text itself."""
    from ..duck import memory_connection

    con = memory_connection()
    try:
        for start in range(0, table.num_rows, SLICE_ROWS):
            register(con, "t", table.slice(start, SLICE_ROWS))
            lines = arrow(con, f"SELECT {sql} || chr(10) AS line FROM t").column(0)
            unregister(con, "t")
            for chunk in lines.chunks:
                if len(chunk):
                    _, offsets, data = chunk.buffers()
                    width = 8 if pa.types.is_large_string(chunk.type) else 4
                    bounds = memoryview(offsets).cast("q" if width == 8 else "i")
                    yield str(memoryview(data)[bounds[chunk.offset]:bounds[chunk.offset + len(chunk)]], "utf-8")
    finally:
        con.close()
