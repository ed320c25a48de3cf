"""The ingest pipeline end to end: round trips, rejects files, idempotency, conflicts, --strict."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pyarrow as pa
import pytest

from womgraph.errors import InputError
from womgraph.ingest import ingest
from womgraph.render.interchange import write_accounts, write_events
from womgraph.store import EmbeddedStore

TS = "2026-03-01T12:00:00Z"

# Every field of the format, text that needs quoting in CSV, unicode, an escaped NUL, a
# sub-second instant written with an offset, and unknown fields of every JSON kind.
RICH = [
    {"id": "e1", "ts": "2026-03-01T13:00:00+01:00", "type": "post", "actor": "brand", "post": "p1",
     "channel": "Instagram", "text": 'New "Spring" box,\nout now', "campaign": "spring",
     "lang": "en", "score": 3, "tags": ["a", "b"], "meta": {"k": [1, 2]}, "flag": True},
    {"id": "e2", "ts": "2026-03-01T12:05:00.250000Z", "type": "like", "actor": "u1", "parent": "p1",
     "channel": "instagram"},
    {"id": "e3", "ts": "2026-03-01T12:10:00Z", "type": "reply", "actor": "u1", "parent": "p1",
     "post": "p2", "target": "brand", "text": "Ünïcödé 😀 and a NUL \u0000 inside"},
    {"id": "e4", "ts": "2026-03-01T12:20:00Z", "type": "recommendation", "actor": "u1", "target": "u2",
     "channel": "email", "text": "try it", "lang": "de"},
    {"id": "e5", "ts": "2026-03-02T09:00:00-05:00", "type": "purchase", "actor": "u2", "value": 49.9,
     "via": "e4", "channel": "store"},
    {"id": "e6", "ts": "2026-03-03T10:00:00Z", "type": "review", "actor": "u2", "post": "p3", "rating": 5,
     "paid": False, "text": ""},
    {"id": "e7", "ts": "2026-03-03T11:00:00Z", "type": "mention", "actor": "u3", "target": "u4",
     "post": "p4", "paid": True, "campaign": "giveaway", "score": 1.5},
]
ACCOUNTS = [
    {"id": "brand", "role": "brand", "handle": "@brand", "followers": 12000, "created": "2020-01-01T00:00:00Z"},
    {"id": "u1", "role": "customer", "nps": 9, "email_hash": "h1", "tier": "gold"},
    {"id": "u2", "role": "prospect", "name": "Bo, Jr.", "ip_hash": "ip9"},
]


def _jsonl(path: Path, records) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def _digests(store) -> dict[str, int]:
    t = store.events(["id", "digest"])
    return dict(zip(t.column("id").to_pylist(), t.column("digest").to_pylist()))


def _account_digests(store) -> dict[str, int]:
    t = store.accounts()
    return dict(zip(t.column("id").to_pylist(), t.column("digest").to_pylist()))


def _content(table: pa.Table) -> list[dict]:
    return table.drop_columns(["src", "line"]).to_pylist()


def _ingest_into(path: str, events=(), accounts=(), **kw):
    with EmbeddedStore(path) as store:
        summary = ingest(store, list(events), list(accounts), **kw)
        return summary, store.events(), store.accounts()


# -- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize(("first", "second"), [("jsonl", "jsonl"), ("csv", "csv"), ("jsonl", "csv"), ("csv", "jsonl")])
def test_format_round_trip_keeps_every_record_and_digest(tmp_path, first, second):
    src = _jsonl(tmp_path / "in.jsonl", RICH)
    acc = _jsonl(tmp_path / "acc.jsonl", ACCOUNTS)
    if first == "csv":  # start from a CSV written from the JSON Lines
        _, ev0, ac0 = _ingest_into("s0", [src], [acc])
        src = tmp_path / "in.csv"
        acc = tmp_path / "acc.csv"
        write_events(ev0, src, "csv")
        write_accounts(ac0, acc, "csv")
    s1, ev1, ac1 = _ingest_into("s1", [src], [acc])
    assert (s1.read, s1.inserted, s1.rejected) == (len(RICH) + len(ACCOUNTS), len(RICH) + len(ACCOUNTS), 0)

    out, out_acc = tmp_path / f"out.{second}", tmp_path / f"out_acc.{second}"
    assert write_events(ev1, out, second) == len(RICH)
    assert write_accounts(ac1, out_acc, second) == len(ACCOUNTS)
    s2, ev2, _ = _ingest_into("s2", [out], [out_acc])
    assert s2.rejected == 0
    with EmbeddedStore("s1") as a, EmbeddedStore("s2") as b:
        assert _digests(a) == _digests(b)
        assert _account_digests(a) == _account_digests(b)
    assert _content(ev1.drop_columns(["extra"])) == _content(ev2.drop_columns(["extra"]))
    # Extra fields survive; through CSV their values become text, with the same digest.
    extras = {r["id"]: json.loads(r["extra"]) for r in ev2.to_pylist() if r["extra"]}
    if "csv" in (first, second):
        assert extras["e1"] == {"lang": "en", "score": "3", "tags": '["a","b"]', "meta": '{"k":[1,2]}', "flag": "true"}
    else:
        assert extras["e1"] == {"lang": "en", "score": 3, "tags": ["a", "b"], "meta": {"k": [1, 2]}, "flag": True}
    assert set(extras) == {"e1", "e4", "e7"}
    # The written file ingests into the first store as duplicates only.
    with EmbeddedStore("s1") as store:
        again = ingest(store, [out], [out_acc])
    assert (again.inserted, again.duplicates, again.updated, again.rejected) == (0, len(RICH) + len(ACCOUNTS), 0, 0)


def test_written_jsonl_uses_interchange_names_and_utc(tmp_path):
    _, ev, _ = _ingest_into("s", [_jsonl(tmp_path / "in.jsonl", RICH)])
    write_events(ev, tmp_path / "out.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {**RICH[0], "ts": "2026-03-01T12:00:00Z", "channel": "instagram"}
    assert lines[1]["ts"] == "2026-03-01T12:05:00.250000Z"
    assert lines[2]["text"] == "Ünïcödé 😀 and a NUL \u0000 inside"
    assert lines[4] == {**RICH[4], "ts": "2026-03-02T14:00:00Z"}
    assert "text" not in lines[5]  # an empty text is absent, as on input
    assert [x["id"] for x in lines] == [r["id"] for r in RICH]


def test_gzip_input_and_output(tmp_path):
    gz = tmp_path / "in.jsonl.gz"
    gz.write_bytes(gzip.compress(_jsonl(tmp_path / "plain.jsonl", RICH).read_bytes()))
    s, ev, _ = _ingest_into("s", [gz])
    assert (s.inserted, s.sources[0].format) == (len(RICH), "jsonl")
    write_events(ev, tmp_path / "out.csv.gz", "csv")
    assert gzip.decompress((tmp_path / "out.csv.gz").read_bytes()).startswith(b"id,ts,type,actor,")
    s2, _, _ = _ingest_into("s2", [tmp_path / "out.csv.gz"])
    assert (s2.inserted, s2.sources[0].format) == (len(RICH), "csv")
    with EmbeddedStore("s") as a, EmbeddedStore("s2") as b:
        assert _digests(a) == _digests(b)


def test_crlf_bom_and_blank_lines(tmp_path):
    body = "\r\n".join(json.dumps(r) for r in RICH[:3])
    (tmp_path / "win.jsonl").write_bytes(b"\xef\xbb\xbf" + body.encode() + b"\r\n\r\n")
    (tmp_path / "win.csv").write_bytes(
        b"\xef\xbb\xbfid,ts,type,actor\r\n\r\nc1," + TS.encode() + b",post,a\r\n"
    )
    s, ev, _ = _ingest_into("s", [tmp_path / "win.jsonl", tmp_path / "win.csv"])
    assert (s.read, s.inserted, s.rejected) == (4, 4, 0)
    assert ev.filter(pa.compute.equal(ev.column("id"), "c1")).column("line").to_pylist() == [3]


def test_empty_and_header_only_files(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "header.csv").write_text("id,ts,type,actor\n")
    s, ev, _ = _ingest_into("s", [tmp_path / "empty.jsonl", tmp_path / "header.csv"])
    assert [(x.format, x.read, x.rejected) for x in s.sources] == [("jsonl", 0, 0), ("csv", 0, 0)]
    assert ev.num_rows == 0 and s.exit_code == 0 and s.rejects_path is None


# -- rejects -----------------------------------------------------------------------------------
def test_bad_rows_are_written_with_file_line_reason_and_record(tmp_path):
    good = [json.dumps(r) for r in RICH[:3]]
    lines = [
        good[0],
        "not json",
        "",
        '{"id":"x2","ts":"2026-03-01","type":"post","actor":"a"}',
        good[1],
        '{"id":"x3","ts":"' + TS + '","type":"referral","actor":"a"}',
        good[2],
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with EmbeddedStore("s") as store:
        s = ingest(store, ["mixed.jsonl"])
        assert store.events(["id"]).column("id").to_pylist() == ["e1", "e2", "e3"]
    assert (s.read, s.inserted, s.rejected, s.exit_code) == (6, 3, 3, 3)
    assert s.rejected_by_reason == {"malformed_json": 1, "bad_timestamp": 1, "missing_target": 1}
    assert re.fullmatch(rf"s/rejects/\d{{8}}T\d{{6}}Z-{os.getpid()}\.jsonl", s.rejects_path)
    rejects = [json.loads(x) for x in Path(s.rejects_path).read_text().splitlines()]
    assert rejects == [
        {"file": "mixed.jsonl", "line": 2, "reason": "malformed_json",
         "message": "the line is not valid JSON", "record": "not json"},
        {"file": "mixed.jsonl", "line": 4, "reason": "bad_timestamp",
         "message": "field 'ts' value '2026-03-01' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)",
         "record": lines[3]},
        {"file": "mixed.jsonl", "line": 6, "reason": "missing_target",
         "message": "a referral needs a 'target' (the account it is addressed to)", "record": lines[5]},
    ]


def test_csv_rejects_end_to_end(tmp_path):
    (tmp_path / "e.csv").write_text(
        f'id,ts,type,actor,text\ne1,{TS},post,a,ok\ne2,{TS},post,a\ne3,{TS},post,a,"x"y\n'
        f'e4,{TS},like,a,\ne5,{TS},post,a,"two\nlines"\n'
    )
    (tmp_path / "nots.csv").write_text("id,type,actor\nn1,post,a\n")
    with EmbeddedStore("s") as store:
        s = ingest(store, ["e.csv", "nots.csv"])
        assert store.events(["id"]).column("id").to_pylist() == ["e1", "e5"]
    assert [(x.read, x.inserted, x.rejected) for x in s.sources] == [(5, 2, 3), (1, 0, 1)]
    rejects = [json.loads(x) for x in Path(s.rejects_path).read_text().splitlines()]
    assert [(r["file"], r["line"], r["reason"], r["message"], r["record"]) for r in rejects] == [
        ("e.csv", 3, "csv_field_count", "the record has 4 fields, the header has 5", f"e2,{TS},post,a"),
        ("e.csv", 4, "csv_error", "broken CSV: ',' expected after '\"'", f'e3,{TS},post,a,"x"y'),
        ("e.csv", 5, "missing_target", "a like needs a 'target' or a 'parent'", f"e4,{TS},like,a,"),
        ("nots.csv", 2, "csv_bad_header", "the header has no column 'ts'", "n1,post,a"),
    ]


def test_each_run_has_its_own_rejects_file(tmp_path):
    _jsonl(tmp_path / "bad.jsonl", ["oops"])
    with EmbeddedStore("s") as store:
        first = ingest(store, ["bad.jsonl"]).rejects_path
        second = ingest(store, ["bad.jsonl"]).rejects_path
    assert first != second
    assert [len(Path(p).read_text().splitlines()) for p in (first, second)] == [1, 1]


def test_a_missing_file_fails_before_anything_is_stored(tmp_path):
    _jsonl(tmp_path / "good.jsonl", RICH)
    with EmbeddedStore("s") as store:
        with pytest.raises(InputError) as err:
            ingest(store, ["good.jsonl", "missing.jsonl"])
        assert store.counts()["events"] == 0
    assert str(err.value) == "Cannot read missing.jsonl: no such file. Check the path."


def test_a_truncated_gzip_file_is_an_input_error(tmp_path):
    data = gzip.compress("".join(json.dumps({**RICH[0], "id": f"g{i}", "n": i}) + "\n" for i in range(2000)).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with EmbeddedStore("s") as store:
        with pytest.raises(InputError) as err:
            ingest(store, ["cut.jsonl.gz"])
    assert str(err.value).startswith("Cannot read cut.jsonl.gz: ")
    assert str(err.value).endswith(". Is the gzip file complete?")


def test_a_10_megabyte_line(tmp_path):
    big = {**RICH[0], "text": "w" * (10 << 20)}
    _jsonl(tmp_path / "big.jsonl", [big, RICH[1]])
    s, ev, _ = _ingest_into("s", ["big.jsonl"])
    assert (s.inserted, s.rejected) == (2, 0)
    assert len(ev.filter(pa.compute.equal(ev.column("id"), "e1")).column("text")[0].as_py()) == 10 << 20


# -- idempotency and conflicts -----------------------------------------------------------------
def test_ingesting_the_same_file_twice_changes_nothing(tmp_path):
    _jsonl(tmp_path / "e.jsonl", RICH)
    _jsonl(tmp_path / "a.jsonl", ACCOUNTS)
    with EmbeddedStore("s") as store:
        first = ingest(store, ["e.jsonl"], ["a.jsonl"])
        before = (store.events(), store.accounts())
        second = ingest(store, ["e.jsonl"], ["a.jsonl"])
        assert store.events().equals(before[0]) and store.accounts().equals(before[1])
    assert (first.inserted, first.duplicates) == (10, 0)
    assert (second.read, second.inserted, second.updated, second.duplicates, second.rejected) == (10, 0, 0, 10, 0)
    assert second.exit_code == 0 and second.rejects_path is None


def test_same_instant_with_another_offset_is_a_duplicate(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [{"id": "e1", "ts": "2026-03-01T13:00:00+01:00", "type": "post", "actor": "a"}])
    _jsonl(tmp_path / "b.jsonl", [{"id": "e1", "ts": "2026-03-01T12:00:00Z", "type": "post", "actor": "a"}])
    with EmbeddedStore("s") as store:
        assert ingest(store, ["a.jsonl"]).inserted == 1
        s = ingest(store, ["b.jsonl"])
    assert (s.inserted, s.duplicates, s.rejected) == (0, 1, 0)


def _conflict_message(id_, src, line):
    return (
        f"id {id_!r} was already read with other content (at {src} line {line}); "
        "an event that changed needs a new id"
    )


def test_conflict_with_the_store_is_rejected_never_overwritten(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [RICH[0], RICH[1]])
    changed = {**RICH[1], "actor": "u9"}
    _jsonl(tmp_path / "b.jsonl", [RICH[2], changed])
    with EmbeddedStore("s") as store:
        ingest(store, ["a.jsonl"])
        s = ingest(store, ["b.jsonl"])
        assert store.events(["id", "actor"]).to_pylist()[1] == {"id": "e2", "actor": "u1"}
    assert (s.inserted, s.duplicates, s.rejected, s.exit_code) == (1, 0, 1, 3)
    assert s.rejected_by_reason == {"conflict": 1}
    (r,) = [json.loads(x) for x in Path(s.rejects_path).read_text().splitlines()]
    assert r == {"file": "b.jsonl", "line": 2, "reason": "conflict",
                 "message": _conflict_message("e2", "a.jsonl", 2), "record": json.dumps(changed)}


def test_conflict_within_one_file(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [RICH[0], {**RICH[0], "text": "edited"}, RICH[0]])
    with EmbeddedStore("s") as store:
        s = ingest(store, ["a.jsonl"])
        assert store.events(["text"]).column("text").to_pylist() == [RICH[0]["text"]]
    assert (s.read, s.inserted, s.duplicates, s.rejected) == (3, 1, 1, 1)
    (r,) = [json.loads(x) for x in Path(s.rejects_path).read_text().splitlines()]
    assert (r["line"], r["reason"], r["message"]) == (2, "conflict", _conflict_message("e1", "a.jsonl", 1))


def test_conflict_across_two_files_of_one_run(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [RICH[0]])
    (tmp_path / "b.csv").write_text(f"id,ts,type,actor\ne1,{TS},post,x\n")
    with EmbeddedStore("s") as store:
        s = ingest(store, ["a.jsonl", "b.csv"])
    assert [(x.inserted, x.rejected) for x in s.sources] == [(1, 0), (0, 1)]
    (r,) = [json.loads(x) for x in Path(s.rejects_path).read_text().splitlines()]
    assert (r["file"], r["line"], r["message"], r["record"]) == (
        "b.csv", 2, _conflict_message("e1", "a.jsonl", 1), f"e1,{TS},post,x"
    )


def test_strict_stores_nothing_when_anything_is_rejected(tmp_path):
    _jsonl(tmp_path / "a.jsonl", ACCOUNTS)
    _jsonl(tmp_path / "e.jsonl", [*RICH, "oops"])
    with EmbeddedStore("s") as store:
        s = ingest(store, ["e.jsonl"], ["a.jsonl"], strict=True)
        assert store.counts() == {"events": 0, "accounts": 0}
    assert (s.stored, s.strict, s.rejected, s.inserted, s.exit_code) == (False, True, 1, 0, 3)


def test_strict_counts_conflicts_and_stores_nothing(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [RICH[0]])
    _jsonl(tmp_path / "b.jsonl", [RICH[1], {**RICH[0], "actor": "other"}])
    with EmbeddedStore("s") as store:
        ingest(store, ["a.jsonl"])
        s = ingest(store, ["b.jsonl"], strict=True)
        assert store.counts()["events"] == 1
    assert (s.stored, s.rejected, s.rejected_by_reason) == (False, 1, {"conflict": 1})
    assert [(x.accepted, x.rejected) for x in s.sources] == [(1, 1)]


def test_strict_with_nothing_wrong_stores_everything(tmp_path):
    _jsonl(tmp_path / "a.jsonl", ACCOUNTS)
    _jsonl(tmp_path / "e.jsonl", RICH)
    with EmbeddedStore("s") as store:
        s = ingest(store, ["e.jsonl"], ["a.jsonl"], strict=True)
        assert store.counts() == {"events": len(RICH), "accounts": len(ACCOUNTS)}
    assert (s.stored, s.inserted, s.exit_code) == (True, len(RICH) + len(ACCOUNTS), 0)


# -- accounts ----------------------------------------------------------------------------------
def test_accounts_upsert_counts_updates_and_keeps_known_fields(tmp_path):
    _jsonl(tmp_path / "a1.jsonl", ACCOUNTS)
    (tmp_path / "a2.csv").write_text("id,role,followers,nps,city\nu1,,40,,Oslo\nu3,customer,,,\n")
    with EmbeddedStore("s") as store:
        ingest(store, [], ["a1.jsonl"])
        s = ingest(store, [], ["a2.csv"])
        u1 = [a for a in store.accounts().to_pylist() if a["id"] == "u1"][0]
    assert (s.read, s.inserted, s.updated, s.duplicates) == (2, 1, 1, 0)
    assert (u1["role"], u1["nps"], u1["email_hash"], u1["followers"]) == ("customer", 9, "h1", 40)
    assert json.loads(u1["extra"]) == {"tier": "gold", "city": "Oslo"}


# -- the examples of docs/format.md ------------------------------------------------------------
DOC = Path(__file__).resolve().parents[1] / "docs" / "format.md"


def _doc_blocks() -> dict[str, str]:
    """Fenced blocks of docs/format.md marked ``<!-- example: NAME -->`` or ``<!-- rejects of: ... -->``."""
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"<!-- (example|rejects of): ([^>]+?) -->\n```\w*\n(.*?)```", text, re.S)
    return {f"{kind}: {name}": body for kind, name, body in found}


def test_docs_examples_ingest_as_the_docs_say(tmp_path):
    blocks = _doc_blocks()
    for key, body in blocks.items():
        if key.startswith("example: "):
            (tmp_path / key.split(": ", 1)[1]).write_text(body, encoding="utf-8")
    with EmbeddedStore(".womgraph") as store:
        first = ingest(store, ["events.jsonl", "events.csv"], ["accounts.jsonl"])
        assert (first.read, first.inserted, first.rejected, first.exit_code) == (12, 12, 0, 0)
        before = set(store.events(["id"]).column("id").to_pylist())
        bad = ingest(store, ["bad.jsonl", "bad.csv"])
        after = set(store.events(["id"]).column("id").to_pylist())
    assert bad.exit_code == 3
    assert after - before == {"b10", "c1"}
    got = [json.loads(x) for x in Path(bad.rejects_path).read_text(encoding="utf-8").splitlines()]
    expected = [json.loads(x) for x in blocks["rejects of: bad.jsonl bad.csv"].splitlines()]
    assert got == expected
