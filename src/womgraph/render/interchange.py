"""Write stored events and accounts back out in the interchange format (``docs/format.md``).

The inverse of ingest: a table in :data:`~womgraph.schema.EVENTS_SCHEMA` or
:data:`~womgraph.schema.ACCOUNTS_SCHEMA` (what :meth:`Store.events` and :meth:`Store.accounts`
return) becomes a JSON Lines or CSV file that ingests back to the same records with the same
digests. Fields keep their interchange names; timestamps are written as RFC 3339 in UTC with a
``Z`` (``2026-03-01T12:00:00Z``, with microseconds only when there are any); absent fields are
left out of JSON Lines and left empty in CSV; the unknown fields kept in ``extra`` are merged
back into each JSON object, or become extra CSV columns after the known ones (named in the
order they first appear). The store's own columns (``digest``, ``src``, ``line``) are not
written. A path ending in ``.gz`` is written gzip-compressed.

All the work is done by DuckDB and Arrow, a batch of rows at a time.

>>> import tempfile, pathlib, datetime as dt
>>> from womgraph.schema import EVENTS_SCHEMA
>>> t = pa.Table.from_pylist([{"id": "e1", "type": "post", "actor": "a", "extra": '{"lang":"en"}',
...     "ts": dt.datetime(2026, 3, 1, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))}],
...     schema=EVENTS_SCHEMA)
>>> out = pathlib.Path(tempfile.mkdtemp()) / "events.jsonl"
>>> write_events(t, out)
1
>>> out.read_text()
'{"id":"e1","ts":"2026-03-01T12:00:00Z","type":"post","actor":"a","lang":"en"}\\n'
>>> _ = write_events(t, out.with_suffix(".csv"), fmt="csv")
>>> out.with_suffix(".csv").read_text()
'id,ts,type,actor,target,post,parent,channel,text,value,via,paid,campaign,rating,lang\\ne1,2026-03-01T12:00:00Z,post,a,,,,,,,,,,,en\\n'
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ..duck import memory_connection, register, relation
from ..schema import ACCOUNT_FIELDS, EVENT_FIELDS

__all__ = ["write_events", "write_accounts", "INTERCHANGE_FORMATS"]

INTERCHANGE_FORMATS = ("jsonl", "csv")

_BATCH_ROWS = 100_000


def write_events(table: pa.Table, path: str | Path, fmt: str = "jsonl") -> int:
    """Write events (rows of :data:`~womgraph.schema.EVENTS_SCHEMA`) to ``path``; return how many.

    ``fmt`` is ``"jsonl"`` or ``"csv"``; the file is replaced if it exists.
    """
    return _write(table, path, fmt, EVENT_FIELDS)


def write_accounts(table: pa.Table, path: str | Path, fmt: str = "jsonl") -> int:
    """Write accounts (rows of :data:`~womgraph.schema.ACCOUNTS_SCHEMA`) to ``path``; return how many."""
    return _write(table, path, fmt, ACCOUNT_FIELDS)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(field: pa.Field) -> str:
    """SQL for one known field as it is written: timestamps as RFC 3339 UTC, the rest as is."""
    col = _quote_ident(field.name)
    if pa.types.is_timestamp(field.type):
        utc = f"({col} AT TIME ZONE 'UTC')"
        return (
            f"CASE WHEN epoch_us({col}) % 1000000 = 0 THEN strftime({utc}, '%Y-%m-%dT%H:%M:%SZ') "
            f"ELSE strftime({utc}, '%Y-%m-%dT%H:%M:%S.%fZ') END"
        )
    return col


def _write(table: pa.Table, path: str | Path, fmt: str, fields: tuple[str, ...]) -> int:
    if fmt not in INTERCHANGE_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(INTERCHANGE_FORMATS)}, not {fmt!r}")
    known = [table.schema.field(f) for f in fields if f in table.column_names]
    has_extra = "extra" in table.column_names
    # An explicit ordinal keeps the rows in the order of the table.
    table = table.append_column("_ord", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    con = memory_connection()
    try:
        register(con, "rows_in", table)
        if fmt == "jsonl":
            _write_jsonl(con, known, has_extra, path)
        else:
            _write_csv(con, known, has_extra, path)
    finally:
        con.close()
    return table.num_rows


def _open(path: str | Path):
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, "wb")
    return open(path, "wb")


def _write_jsonl(con: duckdb.DuckDBPyConnection, known: list[pa.Field], has_extra: bool, path) -> None:
    # json_merge_patch into {} drops the null fields; the extra object is then spliced in as
    # text, so its values are written exactly as they were read.
    pairs = ", ".join(f"'{f.name}', {_text(f)}" for f in known)
    obj = f"json_merge_patch('{{}}', json_object({pairs}))::VARCHAR"
    if has_extra:
        line = (
            "CASE WHEN extra IS NULL OR extra = '{}' THEN k WHEN k = '{}' THEN extra "
            "ELSE left(k, -1) || ',' || substr(extra, 2) END"
        )
    else:
        line = "k"
    reader = relation(
        con,
        f"SELECT {line} || chr(10) AS line FROM (SELECT {obj} AS k, "
        f"{'extra' if has_extra else 'NULL'} AS extra, _ord FROM rows_in) ORDER BY _ord"
    ).to_arrow_reader(_BATCH_ROWS)
    with _open(path) as out:
        for batch in reader:
            out.write(_concatenated(batch.column(0)))


def _concatenated(lines: pa.Array) -> memoryview:
    """The bytes of all values of a string array without nulls, one after the other (no copy)."""
    lines = lines.cast(pa.large_string())
    if len(lines) == 0:
        return memoryview(b"")
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)
    start, end = bounds[lines.offset], bounds[lines.offset + len(lines)]
    return memoryview(data)[start:end]


def _write_csv(con: duckdb.DuckDBPyConnection, known: list[pa.Field], has_extra: bool, path) -> None:
    names = {f.name for f in known}
    extra_keys: list[str] = []
    if has_extra:
        extra_keys = [
            k
            for (k,) in con.execute(
                """
                SELECT k FROM (
                    SELECT _ord, unnest(json_keys(extra)) AS k,
                           unnest(range(len(json_keys(extra)))) AS pos
                    FROM rows_in WHERE extra IS NOT NULL AND extra <> '{}'
                ) GROUP BY k ORDER BY min(_ord), min(pos), k
                """
            ).fetchall()
            if k not in names
        ]
    cols = [f"{_text(f)}::VARCHAR AS {_quote_ident(f.name)}" for f in known]
    if extra_keys:
        # Text values: a string as itself, anything else (numbers, lists, objects) as JSON.
        cols += [
            f"(CAST(extra AS JSON) -> {_json_path(k)}) ->> '$' AS {_quote_ident(k)}"
            for k in extra_keys
        ]
    query = f"SELECT {', '.join(cols)} FROM rows_in ORDER BY _ord"
    target = str(path)
    compression = "gzip" if target.lower().endswith(".gz") else "none"
    con.execute(
        f"COPY ({query}) TO {_sql_str(target)} (FORMAT csv, HEADER true, COMPRESSION {compression})"
    )


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _json_path(key: str) -> str:
    """A JSON path literal for one top-level key, whatever characters the key holds."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return _sql_str(f'$."{escaped}"')
