"""Large tables in JSON Lines and CSV are written by DuckDB, byte for byte as row by row.

``womgraph interactions`` prints every event of the store; above ``STREAM_ROWS`` rows ``emit``
builds the lines in SQL (``render/lines.py``). These tests hold that path to the text of the
row-by-row path on awkward values: quotes, commas, line breaks, control characters, non-ASCII
text, microseconds, nulls, integers, missing columns.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from womgraph.render import formats
from womgraph.render.lines import table_lines

AWKWARD = ['plain', 'with, comma', 'say "hi"', 'line\nbreak', 'cr\rhere', 'tab\there', '', ' lead',
           'é ü 中文 😀', '\x00\x01\x1f', '\\back\\slash', '/slash/', '\u2028\u2029', '"', ',', 'x' * 300]


def _slow(table: pa.Table, fmt: str, columns=None) -> str:
    buf = io.StringIO()
    formats._emit(table, fmt, buf, title=None, columns=columns)
    return buf.getvalue()


def _fast(table: pa.Table, fmt: str, columns=None) -> str:
    cols = list(columns) if columns else list(table.column_names)
    header = ",".join(cols) + "\n" if fmt == "csv" and cols else ""
    lines = table_lines(table, fmt, cols)
    assert lines is not None
    return header + "".join(lines)


def _table(n: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    ts = [None if rng.random() < 0.1 else t0 + timedelta(seconds=rng.randint(-10**9, 10**9),
                                                          microseconds=rng.choice([0, 0, 1, 999_999, 120_000]))
          for _ in range(n)]
    return pa.table({
        "id": [f"e{i}" for i in range(n)],
        "text": [None if rng.random() < 0.1 else rng.choice(AWKWARD) + rng.choice(AWKWARD) for _ in range(n)],
        "n": pa.array([None if rng.random() < 0.1 else rng.randint(-10**12, 10**12) for _ in range(n)], pa.int64()),
        "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
    })


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lines_made_in_sql_equal_the_rows_written_in_python(fmt, seed):
    t = _table(3000, seed)
    assert _fast(t, fmt) == _slow(t, fmt)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_chosen_columns_and_missing_ones(fmt):
    t = _table(50, 7)
    cols = ["ts", "id", "absent", "text"]
    assert _fast(t, fmt, cols) == _slow(t, fmt, cols)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=20))
def test_any_text_is_written_as_python_writes_it(values):
    t = pa.table({"a": pa.array(values, pa.string()), "b": pa.array(["x"] * len(values))})
    for fmt in ("jsonl", "csv"):
        assert _fast(t, fmt) == _slow(t, fmt)


def test_other_types_are_left_to_the_row_by_row_path():
    t = pa.table({"x": [1.5, 2.0], "y": ["a", "b"]})
    assert table_lines(t, "jsonl", ["x", "y"]) is None
    assert table_lines(pa.table({"t": pa.array([datetime(2026, 1, 1)], pa.timestamp("us"))}), "csv", ["t"]) is None


def test_emit_of_a_large_table_uses_the_sql_path(monkeypatch):
    t = _table(formats.STREAM_ROWS + 10, 3)
    fast = io.StringIO()
    formats.emit(t, "csv", fast)
    monkeypatch.setattr(formats, "table_lines", lambda *a: None)
    slow = io.StringIO()
    formats.emit(t, "csv", slow)
    assert fast.getvalue() == slow.getvalue()
    assert fast.getvalue().count("\n") >= formats.STREAM_ROWS + 11
