"""The pydantic models and the bulk SQL validator state the same contract, record by record."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from womgraph.model import Account, Event, json_schema
from womgraph.read.lines import iter_line_chunks
from womgraph.validate import Validator

KEYS = st.sampled_from(["e1", " e2 ", "", "   ", 7, -3, 1.5, True, None, {"x": 1}, [1], "ann"])
TIMES = st.sampled_from([
    "2026-03-01T12:00:00Z", "2026-03-01t12:00:00z", "2026-03-01 12:00:00+01:00",
    "2026-03-01T12:00:00.123456789-05:30", "2026-03-01", "2026-03-01T12:00:00", "2026-13-01T00:00:00Z",
    "2026-03-01T24:00:00Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", 1700000000, None, "",
])
TYPES = st.sampled_from(["like", " LIKE ", "referral", "purchase", "mention", "poke", 5, None, "post"])
TEXTS = st.sampled_from(["love it", "", "  ", 3, 2.5, True, None, ["a"]])
NUMBERS = st.sampled_from([20, "20.5", " 3 ", "abc", True, None, "1e400", -4.0, ""])
FLAGS = st.sampled_from([True, False, "yes", "NO", 1, 0, 1.0, "maybe", None, ""])
RATINGS = st.sampled_from([1, 5, "4", 4.0, 4.5, 0, 6, True, None, "x"])


@st.composite
def event_records(draw):
    rec = {
        "id": draw(KEYS), "ts": draw(TIMES), "type": draw(TYPES), "actor": draw(KEYS),
        "target": draw(KEYS), "parent": draw(KEYS), "channel": draw(KEYS), "text": draw(TEXTS),
        "value": draw(NUMBERS), "paid": draw(FLAGS), "rating": draw(RATINGS), "via": draw(KEYS),
    }
    rec = {k: v for k, v in rec.items() if draw(st.booleans()) or k in ("id", "ts", "type", "actor")}
    if draw(st.booleans()):
        rec["mood"] = draw(TEXTS)
    return rec


def sql_verdicts(records: list[dict], kind: str) -> dict[int, dict | None]:
    data = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
    v = Validator(kind)
    try:
        out = v.jsonl(next(iter_line_chunks(io.BytesIO(data), "x")), "x")
    finally:
        v.close()
    got: dict[int, dict | None] = {line: None for line in out.rejects.column("line").to_pylist()}
    for row in out.valid.to_pylist():
        got[row["line"]] = row
    return got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event_records(), min_size=1, max_size=25))
def test_event_model_and_sql_validator_agree(records):
    sql = sql_verdicts(records, "events")
    for line, rec in enumerate(records, start=1):
        try:
            model = Event.model_validate(rec)
        except ValidationError:
            model = None
        stored = sql[line]
        assert (model is None) == (stored is None), (rec, stored, model)
        if model is not None:
            assert stored["id"] == model.id and stored["actor"] == model.actor
            assert stored["ts"] == model.ts and stored["type"] == model.type
            assert stored["target"] == model.target and stored["channel"] == model.channel
            assert stored["value"] == model.value and stored["paid"] == model.paid
            assert stored["rating"] == model.rating and stored["text"] == model.text


@st.composite
def account_records(draw):
    return {
        "id": draw(KEYS), "role": draw(st.sampled_from(["customer", "Brand", "", "boss", None, 3])),
        "created": draw(TIMES), "followers": draw(NUMBERS), "following": draw(RATINGS),
        "nps": draw(st.sampled_from([0, 10, 11, "9", 7.5, None])), "handle": draw(TEXTS),
        "email_hash": draw(KEYS),
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(account_records(), min_size=1, max_size=20))
def test_account_model_and_sql_validator_agree(records):
    sql = sql_verdicts(records, "accounts")
    for line, rec in enumerate(records, start=1):
        try:
            model = Account.model_validate(rec)
        except ValidationError:
            model = None
        assert (model is None) == (sql[line] is None), (rec, sql[line], model)
        if model is not None:
            for f in ("id", "role", "created", "followers", "following", "nps", "handle", "email_hash"):
                assert sql[line][f] == getattr(model, f), (f, rec)


def test_unknown_fields_are_kept_not_an_error():
    e = Event.model_validate({"id": "e1", "ts": "2026-03-01T12:00:00Z", "type": "post", "actor": "a",
                              "sku": "X-1", "lang": "en"})
    assert e.model_extra == {"sku": "X-1", "lang": "en"}


def test_json_schema_lists_every_field_and_the_required_ones():
    s = json_schema("events")
    assert set(s["required"]) == {"id", "ts", "type", "actor"}
    assert {"target", "post", "parent", "via", "paid", "campaign", "rating"} <= set(s["properties"])
    assert json_schema("accounts")["required"] == ["id"]
    with pytest.raises(ValueError, match="kind must be events or accounts, not 'posts'"):
        json_schema("posts")


def test_schema_command_prints_the_json_schema():
    from click.testing import CliRunner

    from womgraph.cli import main

    r = CliRunner().invoke(main, ["schema", "accounts"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["title"] == "Account"
    r = CliRunner().invoke(main, ["schema", "posts"])
    assert r.exit_code == 2 and "'posts' is not one of 'events', 'accounts'" in r.stderr
