"""The fast path of validation accepts exactly what the exact rules accept, with the same values.

Every record is validated twice: by the validator as ingest runs it (the fast path, with the
exact rules for the records it sets aside) and with the fast path switched off (every record
through the exact rules, as before the fast path existed). Valid rows (every stored column, the
digest included) and rejects (reason, message, record) must be identical.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from womgraph.duck import register, unregister
from womgraph.read import iter_csv_chunks, iter_line_chunks
from womgraph.validate import Validator

STRINGS = st.sampled_from([
    "e1", " e2 ", "", "   ", "A B", "é ü 中", 'say "hi"', "back\\slash", "tab\there", "line\nbreak",
    "\u0000nul", "2026-03-01T12:00:00Z", "post", " LIKE ", "referral", "yes", "NO", "1", "0", "true",
    "4", " 3 ", "4.0", "1e2", "1e400", "NaN", "inf", "-5", "{}", "[1]", "null",
])
NUMBERS = st.sampled_from([0, 1, 5, -3, 4.0, 4.5, 1e2, -0.0, 12345678901234567890, 2**63, -(2**63) - 1, 1e300])
VALUES = st.one_of(
    STRINGS, NUMBERS, st.booleans(), st.none(), st.just([1, "a"]), st.just({"x": 1}),
    st.text(max_size=8), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
)
TIMES = st.sampled_from([
    "2026-03-01T12:00:00Z", "2026-03-01t12:00:00z", " 2026-03-01 12:00:00+01:00 ",
    "2026-03-01T12:00:00.123456789-05:30", "2026-03-01", "2026-03-01T12:00:00", "2026-13-01T00:00:00Z",
    "2026-03-01T24:00:00Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", 1700000000, "",
])
TYPES = st.sampled_from(["post", "like", " Share ", "reply", "mention", "referral", "recommendation",
                         "signup", "purchase", "review", "poke", 5])
EVENT_FIELDS = ["target", "post", "parent", "channel", "text", "value", "via", "paid", "campaign", "rating"]
ACCOUNT_FIELDS = ["role", "created", "handle", "name", "followers", "following", "email_hash", "nps"]


@st.composite
def events(draw):
    rec = {"id": draw(st.one_of(STRINGS, NUMBERS)), "ts": draw(TIMES), "type": draw(TYPES),
           "actor": draw(STRINGS)}
    for f in EVENT_FIELDS:
        if draw(st.booleans()):
            rec[f] = draw(VALUES)
    for key in draw(st.lists(st.sampled_from(["lang", "client", "x y", "é"]), max_size=2)):
        rec[key] = draw(VALUES)
    rec = {k: v for k, v in rec.items() if k not in draw(st.sets(st.sampled_from(list(rec)), max_size=1))}
    return rec


@st.composite
def accounts(draw):
    rec = {"id": draw(st.one_of(STRINGS, NUMBERS))}
    for f in ACCOUNT_FIELDS:
        if draw(st.booleans()):
            rec[f] = draw(st.one_of(VALUES, st.sampled_from(["customer", " Brand ", "2026-03-01T12:00:00Z"])))
    if draw(st.booleans()):
        rec["tier"] = draw(VALUES)
    return rec


def _line(rec: dict, style: int) -> str:
    """The record as a line of JSON in one of several spellings."""
    if style == 0:
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    if style == 1:
        return json.dumps(rec)  # spaces, \\u escapes
    if style == 2 and rec:  # a key twice: the first one counts
        k = next(iter(rec))
        return json.dumps(rec)[:-1] + f", {json.dumps(k)}: \"other\"}}"
    return "  " + json.dumps(rec, indent=None, separators=(" , ", " : ")) + " \r"


_validators: dict[tuple[str, bool], Validator] = {}


@pytest.fixture(scope="module", autouse=True)
def _close():
    yield
    for v in _validators.values():
        v.close()


def _both(kind: str) -> tuple[Validator, Validator]:
    for fast in (True, False):
        if (kind, fast) not in _validators:
            _validators[kind, fast] = Validator(kind, fast=fast)
    return _validators[kind, True], _validators[kind, False]


#: The digest as every store so far holds it (before the fast path), kept here as the reference.
def _reference_digest(fields: list[str]) -> str:
    parts = []
    for name in fields:
        col = f"CAST(epoch_us(\"{name}\") AS VARCHAR)" if name in ("ts", "created") else f"CAST(\"{name}\" AS VARCHAR)"
        parts.append(f"coalesce({col}, chr(30))")
    entries = "map_entries(CAST(CAST(extra AS JSON) AS MAP(VARCHAR, JSON)))"
    kept = f"list_filter({entries}, lambda x: coalesce(x.value ->> '$', '') <> '')"
    pairs = f"list_sort(list_transform({kept}, lambda x: x.key || chr(29) || (x.value ->> '$')))"
    parts.append(f"coalesce(nullif(array_to_string({pairs}, chr(28)), ''), chr(30))")
    return "md5_number_lower(concat_ws(chr(31), " + ", ".join(parts) + "))"


def _check_digests(v: Validator, valid) -> None:
    fields = [r.name for r in v.rules]
    register(v.con, "got", valid)
    try:
        wrong = v.con.execute(f"SELECT count(*) FROM got WHERE digest <> {_reference_digest(fields)}").fetchone()[0]
    finally:
        unregister(v.con, "got")
    assert wrong == 0


def _sql_path(kind: str) -> Validator:
    """A validator that never hands a chunk to Arrow's JSON reader (the SQL fast path only)."""
    if (kind, "sql") not in _validators:
        _validators[kind, "sql"] = Validator(kind, arrow=False)
    return _validators[kind, "sql"]


_calls = iter(range(10**9))


def _same(kind: str, data: bytes, fmt: str) -> None:
    results = []
    validators = _both(kind) + ((_sql_path(kind),) if fmt == "jsonl" else ())
    src = f"x{next(_calls)}"  # a new file each time: Arrow is always asked (it gives up on a file)
    for v in validators:
        if fmt == "jsonl":
            (chunk,) = iter_line_chunks(io.BytesIO(data), "x")
            results.append(v.jsonl(chunk, src))
        else:
            (chunk,) = iter_csv_chunks(io.BytesIO(data), name="x")
            results.append(v.csv(chunk, "x"))
    exact = results[1]
    for fast in results[:1] + results[2:]:
        assert fast.valid.schema == exact.valid.schema
        assert fast.valid.to_pylist() == exact.valid.to_pylist()
        assert fast.rejects.to_pylist() == exact.rejects.to_pylist()
        assert fast.read == exact.read
        _check_digests(_both(kind)[0], fast.valid)



@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(events(), st.integers(0, 3)), min_size=1, max_size=30))
def test_events_fast_path_agrees_with_exact_rules(records):
    data = "".join(_line(r, s) + "\n" for r, s in records).encode("utf-8", "surrogatepass")
    _same("events", data, "jsonl")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(accounts(), st.integers(0, 3)), min_size=1, max_size=30))
def test_accounts_fast_path_agrees_with_exact_rules(records):
    data = "".join(_line(r, s) + "\n" for r, s in records).encode("utf-8", "surrogatepass")
    _same("accounts", data, "jsonl")


# -- Arrow's JSON reader (validate/parsed.py) ---------------------------------------------------
_TEXTS = st.one_of(STRINGS, st.text(max_size=8))


@st.composite
def arrow_events(draw):
    """Records Arrow's reader mostly takes: each field with the JSON type it is read as (or
    null), unknown fields with strings; the validator must give what the exact rules give."""
    rec = {"id": draw(_TEXTS), "ts": draw(TIMES.filter(lambda t: isinstance(t, str))),
           "type": draw(TYPES.filter(lambda t: isinstance(t, str))), "actor": draw(_TEXTS)}
    for f in ("target", "post", "parent", "channel", "text", "via", "campaign"):
        if draw(st.booleans()):
            rec[f] = draw(st.one_of(_TEXTS, st.none()))
    if draw(st.booleans()):
        rec["value"] = draw(st.one_of(
            st.none(), st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6),
            st.sampled_from([0.1, 1e300, -0.0, 5e-324, 12345678901234567890, 2**70]),
        ))
    if draw(st.booleans()):
        rec["paid"] = draw(st.one_of(st.none(), st.booleans()))
    if draw(st.booleans()):
        rec["rating"] = draw(st.one_of(st.none(), st.integers(-3, 8)))
    for key in draw(st.lists(st.sampled_from(["lang", "client", "x y", "é", 'q"k', ""]), max_size=2)):
        rec[key] = draw(st.one_of(_TEXTS, st.none()))
    return rec


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(arrow_events(), st.integers(0, 1)), min_size=1, max_size=30))
def test_chunks_arrow_reads_give_what_the_exact_rules_give(records):
    data = "".join(_line(r, s) + "\n" for r, s in records).encode("utf-8", "surrogatepass")
    _same("events", data, "jsonl")


_OK = '{"id":"e1","ts":"2026-03-01T12:00:00Z","type":"purchase","actor":"a","value":49.5,"paid":true}'


@pytest.mark.parametrize(
    "lines, path",
    [
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"review","actor":"b","rating":5}'], "arrow"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","lang":null}'], "arrow"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","\\u006cang":null}'], "arrow"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","q\\"k":null}'], "arrow"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","a\\\\b":1}'], "arrow"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","value":NaN}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","x":Infinity}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","x":{"y":NaN}}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","x":[1]}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"purchase","actor":"b","value":"12.5"}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"review","actor":"b","rating":4.0}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p",}'], "sql"),
        ([_OK, '{"id":"e2","id":"e3","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p"}'], "sql"),
        ([_OK, "", _OK.replace("e1", "e2")], "sql"),  # a blank line
        ([_OK, "   ", _OK.replace("e1", "e2")], "sql"),  # white space only
        ([_OK + " " + _OK.replace("e1", "e2"), "", _OK.replace("e1", "e3")], "sql"),  # two on a line, one blank
        ([" " + _OK], "sql"),
        (["\ufeff" + _OK], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","x":1}', '{"id":"e3","x":"s"}'], "sql"),
        ([_OK, '{"id":"e2","ts":"2026-03-01T12:00:00Z","type":"like","actor":"b","parent":"p","lang":"en"}', "[1]"], "sql"),
    ],
)
def test_what_arrow_reads_and_what_it_leaves_to_the_sql_path(lines, path):
    data = ("\n".join(lines) + "\n").encode()
    _same("events", data, "jsonl")
    assert _both("events")[0].last_path == path


def test_a_file_arrow_cannot_read_stops_being_offered_to_it():
    v = Validator("events")
    try:
        bad = b'{"id":"e1","ts":"2026-03-01T12:00:00Z","type":"purchase","actor":"a","value":"1"}\n'
        good = _OK.encode() + b"\n"
        paths = []
        for data, src in [(bad, "f"), (bad, "f"), (bad, "f"), (good, "f"), (good, "g")]:
            (chunk,) = iter_line_chunks(io.BytesIO(data), src)
            assert v.jsonl(chunk, src).valid.num_rows == 1
            paths.append(v.last_path)
        assert paths == ["sql", "sql", "sql", "sql", "arrow"]
    finally:
        v.close()


def _cell(v) -> str:
    return "" if v is None else v if isinstance(v, str) else json.dumps(v)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=30))
def test_csv_fast_path_agrees_with_exact_rules(records):
    header = ["id", "ts", "type", "actor", *EVENT_FIELDS, "lang"]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for r in records:
        w.writerow([_cell(r.get(h)) for h in header])
    _same("events", out.getvalue().encode("utf-8", "surrogatepass"), "csv")


def test_the_bench_shapes_are_taken_by_the_fast_path():
    """Typical records never need the exact rules (else the fast path would buy nothing)."""
    lines = [
        (
            '{"id":"e3","ts":"2026-01-06T13:21:02Z","type":"post","actor":"lumora","post":"p3",'
            '"channel":"twitter","text":"Restocked! \\"Lumora\\" cleanser","client":"ios"}'
        ),
        '{"id":"e9","ts":"2026-01-09T09:05:43Z","type":"purchase","actor":"u1","value":49.5,"via":"e3"}',
        '{"id":"e10","ts":"2026-01-09T09:05:43Z","type":"review","actor":"u1","rating":5,"paid":true}',
        '{"id":"e11","ts":"2026-01-09T09:05:43+02:00","type":"like","actor":"u2","parent":"p3"}',
    ]
    v = _both("events")[0]
    (chunk,) = iter_line_chunks(io.BytesIO(("\n".join(lines) + "\n").encode()), "x")
    got = v.jsonl(chunk, "x")
    assert got.rejects.num_rows == 0 and got.valid.num_rows == 4
    assert v.last_slow == 0
    assert v.last_path == "arrow"  # and Arrow's reader read them


@pytest.mark.parametrize("kind", ["events", "accounts"])
def test_numbers_in_exponent_form_keep_the_digest_stores_already_hold(kind):
    # Found by the property test above: a MAP(VARCHAR, VARCHAR) cast wrote 1e300 as "1e+300".
    ts = ', "ts": "2026-03-01T12:00:00Z", "type": "like", "actor": "a", "parent": "p1"' if kind == "events" else ""
    data = "".join(
        f'{{"id": "r{k}"{ts}, "tier": {v}}}\n' for k, v in enumerate(["1e+300", "1e-7", "1E5", "2.5e10", "-3e-300"])
    ).encode()
    fast, _ = _both(kind)
    (chunk,) = iter_line_chunks(io.BytesIO(data), "x")
    assert fast.jsonl(chunk, "x").valid.num_rows == 5  # all accepted: the digests are compared
    _same(kind, data, "jsonl")


_KEYS = st.sampled_from(["id", "ts", "type", "text", "value", "paid", "rating", "channel", "x", "Id"])
_VALUES_TEXT = st.sampled_from([
    '"s"', '"NaN"', '"a, ]"', '":nan"', '"\\u00e9"', '"q\\"x"', "1", "-1", "0.5", "1.5e3", "1e999", "-0",
    "true", "false", "null", "NaN", "nan", "-Infinity", "Infinity", "inf", "-nan", "-inf", "[1,]", "[NaN]",
    "[1, 2]", '{"k":1,}', '{"k": Infinity}', "{}", "[]", '["a", [ ]]',
])
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def _object_texts(draw):
    """Lines that DuckDB's parser takes or refuses: objects with NaN, Infinity, trailing commas,
    repeated and unknown keys, nested values and white space anywhere; and some that are not
    objects."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["[1,]", "[NaN]", "[1]", '"x"', "1", "NaN", "", "  ", "{", "nul", "{,}", "{}"]))
    pairs = draw(st.lists(st.tuples(_KEYS, _VALUES_TEXT), max_size=6))
    sp = lambda: draw(_SPACE)  # noqa: E731
    body = ",".join(f'{sp()}"{k}"{sp()}:{sp()}{v}{sp()}' for k, v in pairs)
    if pairs and draw(st.booleans()):
        body += "," + sp()
    return sp() + "{" + body + "}" + sp()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_object_texts(), min_size=1, max_size=20))
@example(['{"text": -Infinity, "id": "s"}', '{"value":NaN,"id":"s"}', '{"rating": -nan, "paid": true}',
          '{"paid": inf, "id": "a"}', '{"text": "a",}', '{"text": 1 ,}', '{"id":"a","id":"b"}', '{"x":NaN}'])
def test_structural_check_with_one_parse_agrees_with_the_full_check(lines):
    """The validator skips the regular expressions for NaN and trailing commas on plain records;
    it must still say exactly what the full check says of every line."""
    import pyarrow as pa

    from womgraph.validate.fast import json_fields_sql
    from womgraph.validate.rules import EVENT_RULES
    from womgraph.validate.structure import shape_sql, structural_sql

    v = _both("events")[0]
    register(v.con, "t", pa.table({"line": list(range(len(lines))), "txt": lines}))
    try:
        fields = json_fields_sql(EVENT_RULES, f"(SELECT line, txt, {shape_sql('txt')} AS shape FROM t)")
        got = v.con.execute(f"SELECT structural FROM ({fields}) ORDER BY line").fetchall()
        want = v.con.execute(f"SELECT {structural_sql('txt')} FROM t ORDER BY line").fetchall()
    finally:
        unregister(v.con, "t")
    assert got == want, [(line, g, w) for line, (g,), (w,) in zip(lines, got, want) if g != w]
