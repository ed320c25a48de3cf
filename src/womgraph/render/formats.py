"""Write rows of data to a stream as a table, JSON, JSON Lines or CSV: one choice, one place.

Rows are a list of dicts with the same keys (a :class:`pyarrow.Table` is accepted too).
Lists and dicts inside a cell are written as JSON in CSV and tables.

>>> import io
>>> out = io.StringIO()
>>> emit([{"type": "like", "events": 3}], "csv", out)
>>> out.getvalue().splitlines()
['type,events', 'like,3']
"""

from __future__ import annotations

import csv
import json
import math
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Sequence, TextIO

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FORMATS", "emit", "emit_document", "to_jsonable", "dumps"]

FORMATS = ("table", "json", "jsonl", "csv")


def to_jsonable(value: Any) -> Any:
    """Turn datetimes, decimals, NaN and numpy scalars into JSON-friendly values.

    >>> to_jsonable({"n": Decimal("2.50"), "w": Decimal("3"), "d": timedelta(days=1, seconds=1)})
    {'n': 2.5, 'w': 3, 'd': 86401.0}
    """
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else to_jsonable(float(value))
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return to_jsonable(value.item())
    return value


_PLAIN = (str, int, bool)  # returned as they are (exact types: not subclasses such as IntEnum)


def dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent)


#: Rows per slice when a table is streamed (``emit`` in jsonl or csv).
STREAM_ROWS = 65_536


def _is_table(data) -> bool:
    pa = sys.modules.get("pyarrow")
    return pa is not None and isinstance(data, pa.Table)


def _rows(data: Sequence[dict] | pa.Table) -> list[dict]:
    pa = sys.modules.get("pyarrow")  # not imported here: an Arrow table means it is loaded
    if pa is not None and isinstance(data, pa.Table):
        from ..analyse.result import table_rows

        return table_rows(data)
    return list(data)


def _cells(values: list) -> list[str]:
    """``[_cell(v) for v in values]``, with the common types inline (a CSV of every advocate)."""
    out: list[str] = []
    append = out.append
    for v in values:
        kind = type(v)
        if kind is str:
            append(v)
        elif kind is int:
            append(str(v))
        elif v is None:
            append("")
        elif kind is float:
            append("" if math.isnan(v) or math.isinf(v) else str(round(v, 6)))
        else:
            append(_cell(v))
    return out


def _bulk_cells(column) -> list[str] | None:
    """``_cells`` of an Arrow column's values, made for a whole column at once where its type
    allows (UTC timestamps, booleans, lists of text: the slow cells of an advocates CSV);
    None for other types. ``tests/test_formats_bulk.py`` holds both to the same text.
    (Nothing here imports ``pyarrow.compute``, which brings pandas along when it is installed.)"""
    import pyarrow as pa

    t = column.type
    if pa.types.is_boolean(t):
        return ["" if v is None else ("true" if v else "false") for v in column.to_pylist()]
    if (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_string(t.value_type):
        return ["" if v is None else json.dumps(v, ensure_ascii=False) for v in column.to_pylist()]
    if not (pa.types.is_timestamp(t) and t.tz in ("UTC", "+00:00", "Etc/UTC") and t.unit in ("s", "ms", "us")):
        return None
    import numpy as np

    per = {"s": 1_000_000, "ms": 1_000, "us": 1}[t.unit]
    values, valid = [], []
    for chunk in column.chunks:
        bitmap, data = chunk.buffers()[:2]
        n, at = len(chunk), chunk.offset
        v = np.frombuffer(data, dtype=np.int64)[at:at + n] if n else np.zeros(0, np.int64)
        ok = (np.ones(n, dtype=bool) if bitmap is None else
              np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")[at:at + n].astype(bool))
        values.append(np.where(ok, v, 0) * per)
        valid.append(ok)
    us = np.concatenate(values) if values else np.zeros(0, np.int64)
    ok = np.concatenate(valid) if valid else np.zeros(0, bool)
    if len(us) and not (_YEAR_1000_US <= us.min() and us.max() < _YEAR_10000_US):
        return None  # years Python and NumPy write differently, or not at all
    exact = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    seconds = np.datetime_as_string(us.astype("datetime64[us]").astype("datetime64[s]"), unit="s")
    # isoformat() leaves out a zero fraction; +00:00 is written Z (to_jsonable)
    text = np.char.add(np.where(us % 1_000_000 == 0, seconds, exact), "Z")
    return np.where(ok, text, "").tolist()


_YEAR_1000_US = -30610224000 * 1_000_000  # 1000-01-01T00:00:00Z
_YEAR_10000_US = 253402300800 * 1_000_000  # 10000-01-01T00:00:00Z


def _cell(value: Any) -> str:
    kind = type(value)
    if kind is str:  # the common cases first: a CSV of advocates has tens of thousands of cells
        return value
    if kind is int:
        return str(value)
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table_lines(table, fmt: str, columns: list[str]):
    """:func:`womgraph.render.lines.table_lines` (imported when a large table is written)."""
    from .lines import table_lines as lines

    return lines(table, fmt, columns)


def emit(
    data: Sequence[dict] | pa.Table,
    fmt: str,
    stream: TextIO,
    *,
    title: str | None = None,
    columns: Iterable[str] | None = None,
) -> None:
    """Write ``data`` to ``stream`` in ``fmt`` (one of :data:`FORMATS`).

    A large Arrow table in ``jsonl`` or ``csv`` is written a slice at a time, so printing every
    event of a 10M-event store holds one slice in Python objects, not all of them."""
    if fmt in ("jsonl", "csv") and _is_table(data) and data.num_rows > STREAM_ROWS:
        cols = list(columns) if columns else list(data.column_names)
        lines = table_lines(data, fmt, cols)  # made by DuckDB when the types allow: the same text
        if lines is not None:
            if fmt == "csv" and cols:
                _emit([], "csv", stream, title=title, columns=cols)  # the header
            for text in lines:
                stream.write(text)
            return
        for k, batch in enumerate(data.to_batches(max_chunksize=STREAM_ROWS)):
            part = type(data).from_batches([batch], schema=data.schema)
            _emit(part, fmt, stream, title=title, columns=cols, header=k == 0)
        return
    _emit(data, fmt, stream, title=title, columns=columns)


def _emit(data, fmt: str, stream: TextIO, *, title, columns, header: bool = True) -> None:
    # A table (with no repeated column name) is written to CSV column by column: the same cells.
    by_column = fmt == "csv" and _is_table(data) and len(set(data.column_names)) == len(data.column_names)
    if by_column:
        rows = None
        cols = list(columns) if columns else (list(data.column_names) if data.num_rows else [])
    else:
        rows = _rows(data)
        cols = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    if fmt == "json":
        stream.write(dumps([{c: r.get(c) for c in cols} for r in rows], indent=2) + "\n")
    elif fmt == "jsonl":
        for r in rows:
            stream.write(dumps({c: r.get(c) for c in cols}) + "\n")
    elif fmt == "csv":
        w = csv.writer(stream, lineterminator="\n")
        if cols and header:  # no rows and no columns named: an empty file, not an empty header line
            w.writerow(cols)
        if by_column:
            w.writerows(zip(*(_column_cells(data, c) for c in cols)))
        else:
            for r in rows:
                w.writerow([_cell(r.get(c)) for c in cols])
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left", show_lines=False)
        for c in cols:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*[_escape(_cell(r.get(c))) for c in cols])
        Console(file=stream, width=_width(stream), soft_wrap=False).print(table)
    else:  # pragma: no cover - click restricts the choice
        raise ValueError(fmt)


def _column_cells(table, name: str) -> list[str]:
    """The CSV cells of column ``name`` of an Arrow table (empty ones when it has none)."""
    if name not in table.column_names:
        return [""] * table.num_rows
    from ..analyse.result import _column_values

    column = table.column(name)
    bulk = _bulk_cells(column)
    return bulk if bulk is not None else _cells(_column_values(column))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _width(stream: TextIO) -> int | None:
    isatty = getattr(stream, "isatty", lambda: False)
    return None if isatty() else 120


def emit_document(doc: dict, fmt: str, stream: TextIO, sections: dict[str, Sequence[dict]] | None = None) -> None:
    """Write a nested document: JSON as is; other formats as one table/row set per section."""
    if fmt == "json":
        stream.write(dumps(doc, indent=2) + "\n")
        return
    sections = sections or {}
    if fmt == "jsonl":
        for name, rows in sections.items():
            for r in rows:
                stream.write(dumps({"section": name, **r}) + "\n")
        return
    if fmt == "csv":
        flat = []
        for name, rows in sections.items():
            for r in rows:
                for k, v in r.items():
                    flat.append({"section": name, "key": k, "value": v})
        emit(flat, "csv", stream)
        return
    for name, rows in sections.items():
        emit(rows, "table", stream, title=name)
