"""The CSV of an Arrow table, made a column at a time (``render.formats._bulk_cells``), is the
text the row-by-row path writes for the same rows, on awkward values of every bulk type."""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from womgraph.render import formats
from womgraph.render.formats import emit


def _rowwise(table: pa.Table, columns=None) -> str:
    """What ``emit`` wrote before the bulk path: every row as a dict, every cell by ``_cell``."""
    out = io.StringIO()
    emit(table.to_pylist(), "csv", out, columns=columns)
    return out.getvalue()


def _bulk(table: pa.Table, columns=None) -> str:
    out = io.StringIO()
    emit(table, "csv", out, columns=columns)
    return out.getvalue()


UTC = timezone.utc
TIMES = [
    datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),            # a whole second: no fraction
    datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=UTC),    # trailing zeros of the fraction stay
    datetime(2026, 3, 1, 12, 0, 7, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # before the epoch
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    None,
]


@pytest.mark.parametrize("tz", ["UTC", "+00:00", "Etc/UTC"])
@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_timestamps(tz, unit):
    step = {"s": 1_000_000, "ms": 1_000, "us": 1}[unit]
    values = [None if t is None else t - timedelta(microseconds=(t - datetime(1970, 1, 1, tzinfo=UTC))
                                                   // timedelta(microseconds=1) % step)
              for t in TIMES]
    table = pa.table({"t": pa.array(values, pa.timestamp(unit, tz))})
    assert formats._bulk_cells(table.column("t")) is not None  # the bulk path is taken
    assert _bulk(table) == _rowwise(table)
    assert "2026-03-01T12:00:00Z" in _bulk(table)


def test_years_outside_1000_to_9999_take_the_row_path():
    table = pa.table({"t": pa.array([datetime(999, 12, 31, tzinfo=UTC)], pa.timestamp("us", "UTC"))})
    assert formats._bulk_cells(table.column("t")) is None
    assert _bulk(table) == _rowwise(table) == "t\n0999-12-31T00:00:00Z\n"


def test_booleans_lists_and_the_rest():
    table = pa.table({
        "account": ["a", 'say "hi", ok', None, "é\nx"],
        "rank": pa.array([1, 2, None, 4], pa.int64()),
        "score": [1.0, math.nan, 0.1234567, None],
        "bought": pa.array([True, False, None, True]),
        "examples": pa.array([["e1", "e2"], [], None, ["ü", None, 'q"uote']], pa.list_(pa.string())),
        "when": pa.array(TIMES[:4], pa.timestamp("us", "UTC")),
    })
    for name in ("bought", "examples", "when"):
        assert formats._bulk_cells(table.column(name)) is not None
    assert _bulk(table) == _rowwise(table)
    assert _bulk(table, ["rank", "missing", "examples"]) == _rowwise(table, ["rank", "missing", "examples"])
    assert _bulk(table).splitlines()[1] == 'a,1,1.0,true,"[""e1"", ""e2""]",2026-03-01T12:00:00Z'


def test_an_empty_table_writes_nothing_or_the_named_header():
    table = pa.table({"a": pa.array([], pa.bool_())})
    assert _bulk(table) == _rowwise(table) == ""
    assert _bulk(table, ["a"]) == "a\n"


def test_sliced_and_chunked_columns_keep_their_nulls():
    """Offsets into the buffers (a slice) and several chunks are read as the rows say."""
    part = pa.array(TIMES, pa.timestamp("us", "UTC"))
    column = pa.chunked_array([part.slice(2, 5), part.slice(0, 3)])
    table = pa.table({"t": column, "b": pa.chunked_array([pa.array([None, True, False, True, None]),
                                                          pa.array([False, None, True])])})
    assert _bulk(table) == _rowwise(table)
    assert _bulk(table.slice(3, 4)) == _rowwise(table.slice(3, 4))
    assert _bulk(table).splitlines()[5] == ','  # the null timestamp beside a null boolean
