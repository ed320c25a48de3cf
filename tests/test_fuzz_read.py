"""Fuzzing the readers and the validator with Hypothesis: random bytes and mutated valid lines.

Whatever the bytes, reading and validating never raises anything but womgraph's own
:class:`~womgraph.errors.InputError` (a CSV header that cannot be read), never hangs (each
example runs under a 20 s alarm), and every record read is either kept or rejected with one of
the documented reasons and a message, at a line of its own, so the counts add up. Through a real
ingest, what is stored, what is a duplicate and what is rejected add up to what was read.
"""

from __future__ import annotations

import io
import json
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from womgraph.errors import InputError
from womgraph.ingest import ingest
from womgraph.read import iter_csv_chunks, iter_line_chunks
from womgraph.store import EmbeddedStore
from womgraph.validate import Validator

#: Every reason docs/format.md lists (``invalid``, the validator's fallback when its two queries
#: disagree, must never be seen).
REASONS = {
    "malformed_json", "not_an_object", "invalid_utf8", "missing_field", "bad_type",
    "bad_timestamp", "unknown_type", "bad_value", "missing_target", "csv_field_count",
    "csv_error", "csv_bad_header", "conflict",
}
TIMEOUT_S = 20

VALID = [
    {"id": "e1", "ts": "2026-03-01T12:00:00Z", "type": "post", "actor": "brand", "post": "p1",
     "channel": "instagram", "text": "The spring box, \"new\"", "campaign": "spring"},
    {"id": "e2", "ts": "2026-03-01T12:05:00+01:00", "type": "like", "actor": "ann", "parent": "p1"},
    {"id": "e3", "ts": "2026-03-02 09:30:00z", "type": "recommendation", "actor": "ann",
     "target": "bob", "text": "I love mine,\ntry it"},
    {"id": "e4", "ts": "2026-03-03T18:00:00.5Z", "type": "purchase", "actor": "bob", "value": 39.5,
     "via": "e3", "paid": "no"},
    {"id": 5, "ts": "2026-03-04T10:00:00Z", "type": "Review", "actor": "bob", "rating": "5",
     "lang": "en", "tags": ["a", "b"]},
]
CSV_HEADER = ["id", "ts", "type", "actor", "target", "parent", "text", "value", "via", "paid", "rating"]


@pytest.fixture(scope="module")
def validators():
    v = {"events": Validator("events"), "accounts": Validator("accounts")}
    yield v
    for x in v.values():
        x.close()


@contextmanager
def deadline(seconds: int = TIMEOUT_S):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"reading and validating took more than {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _jsonl_bytes() -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode() for r in VALID]


def _csv_bytes() -> list[bytes]:
    import csv

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for r in VALID:
        w.writerow(["" if r.get(k) is None else str(r.get(k)) for k in CSV_HEADER])
    return [line.encode() for line in out.getvalue().split("\n") if line]


_NASTY = [b"\x00", b"\xff", b"\xc3", b"\r", b"\n", b'"', b",", b"{", b"}", b"[", b"\\", b"\\u0000",
          b"\\ud800", b"NaN", b",]", b"\xef\xbb\xbf", b"\t", b"1e400", b"\x1f\x8b"]


@st.composite
def mutated(draw, lines: list[bytes]) -> bytes:
    """Valid lines, some of them mutated: bytes deleted, inserted, replaced, lines cut or doubled."""
    out = []
    for line in draw(st.lists(st.sampled_from(lines), min_size=1, max_size=8)):
        for _ in range(draw(st.integers(0, 3))):
            pos = draw(st.integers(0, len(line)))
            op = draw(st.sampled_from(["delete", "insert", "replace", "cut", "double"]))
            junk = draw(st.one_of(st.sampled_from(_NASTY), st.binary(min_size=1, max_size=3)))
            if op == "delete":
                line = line[:pos] + line[pos + 1 :]
            elif op == "insert":
                line = line[:pos] + junk + line[pos:]
            elif op == "replace":
                line = line[:pos] + junk + line[pos + len(junk) :]
            elif op == "cut":
                line = line[:pos]
            else:
                line = line[:pos] + line
        out.append(line)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = ending.join(out)
    return data + ending if draw(st.booleans()) else data


def _check(valid: pa.Table, rejects: pa.Table, read: int) -> None:
    assert valid.num_rows + rejects.num_rows == read
    reasons = rejects.column("reason").to_pylist()
    assert set(reasons) <= REASONS, set(reasons) - REASONS
    assert all(rejects.column("message").to_pylist())
    assert all(r is not None for r in rejects.column("record").to_pylist())
    lines = valid.column("line").to_pylist() + rejects.column("line").to_pylist()
    assert len(lines) == len(set(lines)) and all(n >= 1 for n in lines)


def check_jsonl(data: bytes, validator: Validator, chunk_bytes: int) -> int:
    """Validate ``data`` as JSON Lines; the number of records (non-blank lines) read."""
    n = read = 0
    with deadline():
        for chunk in iter_line_chunks(io.BytesIO(data), "fuzz", chunk_bytes):
            got = validator.jsonl(chunk, "fuzz")
            _check(got.valid, got.rejects, got.read)
            read += got.read
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    n = sum(1 for p in parts if p.strip(b" \t\r"))
    assert read == n
    return read


def check_csv(data: bytes, validator: Validator, rows: int) -> int:
    read = 0
    with deadline():
        try:
            for chunk in iter_csv_chunks(io.BytesIO(data), rows, name="fuzz"):
                got = validator.csv(chunk, "fuzz")
                _check(got.valid, got.rejects, got.read)
                read += got.read
        except InputError as exc:  # a header that is not CSV or not UTF-8: a clear message
            assert str(exc).startswith("Cannot read fuzz: its header (line ")
    return read


#: Enough examples to find the usual breakage in a few seconds; raise them for a longer hunt
#: (``--hypothesis-seed`` and a larger ``max_examples``).
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
FEWER = settings(FUZZ, max_examples=50)


@FUZZ
@given(data=st.binary(max_size=400), chunk=st.integers(1, 64), kind=st.sampled_from(["events", "accounts"]))
def test_random_bytes_as_json_lines(validators, data, chunk, kind):
    check_jsonl(data, validators[kind], chunk)


@FUZZ
@given(data=st.binary(max_size=400), header=st.booleans(), rows=st.integers(1, 4),
       kind=st.sampled_from(["events", "accounts"]))
def test_random_bytes_as_csv(validators, data, header, rows, kind):
    if header:  # random records under a good header, else random bytes from the first one
        data = b"id,ts,type,actor,role,target,text\n" + data
    check_csv(data, validators[kind], rows)


@FEWER
@given(data=mutated(_jsonl_bytes()), chunk=st.sampled_from([300, 1 << 16]))
def test_mutated_json_lines(validators, data, chunk):
    check_jsonl(data, validators["events"], chunk)


@FEWER
@given(data=mutated(_csv_bytes()), rows=st.sampled_from([2, 100]))
def test_mutated_csv(validators, data, rows):
    header, _, rest = data.partition(b"\n")
    if header.rstrip(b"\r") != b",".join(c.encode() for c in CSV_HEADER):
        data = b",".join(c.encode() for c in CSV_HEADER) + b"\n" + rest  # mostly keep the header
    check_csv(data, validators["events"], rows)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(jsonl=mutated(_jsonl_bytes()), csv=mutated(_csv_bytes()))
def test_ingest_of_mutated_files_adds_up(jsonl, csv):
    """Through a real store: every record read is inserted, a duplicate or rejected (with a
    reject line), and the store holds exactly the inserted ones."""
    header = b",".join(c.encode() for c in CSV_HEADER) + b"\n"
    with tempfile.TemporaryDirectory() as d, deadline():
        a, b = Path(d, "a.jsonl"), Path(d, "b.csv")
        a.write_bytes(jsonl)
        b.write_bytes(header + csv.partition(b"\n")[2])
        with EmbeddedStore(Path(d, "store")) as store:
            s = ingest(store, [a, b])
            assert s.read == s.inserted + s.duplicates + s.rejected
            assert store.counts()["events"] == s.inserted
            written = 0
            if s.rejects_path:
                rows = [json.loads(x) for x in Path(s.rejects_path).read_text(encoding="utf-8").splitlines()]
                assert {r["reason"] for r in rows} <= REASONS
                written = len(rows)
            assert written == s.rejected
