"""Large tables are printed a slice at a time in jsonl and csv, with the same text as at once."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pytest

from womgraph.render import formats


def _table(n: int) -> pa.Table:
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    return pa.table({
        "id": [f"e{k}" for k in range(n)],
        "class": ["peer" if k % 3 else None for k in range(n)],
        "score": [k / 7 if k % 5 else None for k in range(n)],
        "ts": pa.array([t0 + dt.timedelta(seconds=k) for k in range(n)], pa.timestamp("us", tz="UTC")),
        "tags": [["a", "é"] if k % 2 else [] for k in range(n)],
    })


def _print(data, fmt: str, **kw) -> str:
    out = io.StringIO()
    formats.emit(data, fmt, out, **kw)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("columns", [None, ["ts", "id", "missing"]])
def test_sliced_output_equals_the_whole(monkeypatch, fmt, columns):
    t = pa.concat_tables([_table(7), _table(4)])  # two chunks, sizes not multiples of the slice
    whole = _print(t, fmt, columns=columns)
    monkeypatch.setattr(formats, "STREAM_ROWS", 3)
    sliced = _print(t, fmt, columns=columns)
    assert sliced == whole
    lines = sliced.splitlines()
    assert len(lines) == 11 + (fmt == "csv")  # one header, once
    assert whole == _print(t.to_pylist(), fmt, columns=columns)  # and as for rows of dicts
