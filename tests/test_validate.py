"""Field rules: every reject reason with its exact message, normalisation, digests, extra fields."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from womgraph.read import iter_csv_chunks, iter_line_chunks
from womgraph.schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from womgraph.validate import REJECTS_SCHEMA, Validator

UTC = dt.timezone.utc
TS = "2026-03-01T12:00:00Z"
TYPES_LISTED = "post, reply, share, like, mention, referral, recommendation, signup, purchase, review"


def ev(id="e1", ts=TS, type="post", actor="a", **kw) -> dict:
    return {"id": id, "ts": ts, "type": type, "actor": actor, **kw}


_validators: dict[str, Validator] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_validators():
    yield
    for v in _validators.values():
        v.close()
    _validators.clear()


def _validator(kind: str) -> Validator:
    """One validator per kind for the module: a validator keeps nothing between chunks."""
    if kind not in _validators:
        _validators[kind] = Validator(kind)
    return _validators[kind]


def check(records, kind: str = "events"):
    """Validate JSON Lines (dicts or raw strings) in one chunk."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    chunks = list(iter_line_chunks(io.BytesIO(data), "x.jsonl"))
    assert len(chunks) == 1
    return _validator(kind).jsonl(chunks[0], "x.jsonl")


def check_csv(text: str | bytes, kind: str = "events"):
    data = text.encode() if isinstance(text, str) else text
    (chunk,) = list(iter_csv_chunks(io.BytesIO(data), name="x.csv"))
    return _validator(kind).csv(chunk, "x.csv")


def one_reject(records, kind: str = "events") -> tuple[str, str]:
    got = check(records, kind)
    assert got.valid.num_rows == 0, got.valid.to_pylist()
    assert got.rejects.num_rows == 1
    r = got.rejects.to_pylist()[0]
    return r["reason"], r["message"]


def one_valid(record: dict, kind: str = "events") -> dict:
    got = check([record], kind)
    assert got.rejects.num_rows == 0, got.rejects.to_pylist()
    (row,) = got.valid.to_pylist()
    return row


# -- reject reasons ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "reason", "message"),
    [
        ("not json", "malformed_json", "the line is not valid JSON"),
        ('{"id": "e1",}', "malformed_json", "the line is not valid JSON"),
        ('{"id": "e1", "x": NaN}', "malformed_json", "the line is not valid JSON"),
        ('{"id": "e1", "x": [1, -Infinity]}', "malformed_json", "the line is not valid JSON"),
        ('{"id": "e1"} {"id": "e2"}', "malformed_json", "the line is not valid JSON"),
        ("[1, 2]", "not_an_object", "the line is JSON but not an object"),
        ('"text"', "not_an_object", "the line is JSON but not an object"),
        (json.dumps({k: v for k, v in ev().items() if k != "ts"}), "missing_field",
         "required field 'ts' is missing or empty"),
        (json.dumps(ev(actor="  ")), "missing_field", "required field 'actor' is missing or empty"),
        (json.dumps(ev(id=None)), "missing_field", "required field 'id' is missing or empty"),
        (json.dumps(ev(actor={"a": 1})), "bad_type", "field 'actor' must be a string, not an object"),
        (json.dumps(ev(id=1.5)), "bad_type", "field 'id' must be a string, not a decimal number"),
        (json.dumps(ev(post=[1])), "bad_type", "field 'post' must be a string, not a list"),
        (json.dumps(ev(via=True)), "bad_type", "field 'via' must be a string, not true/false"),
        (json.dumps(ev(text={"t": 1})), "bad_type", "field 'text' must be text, not an object"),
        (json.dumps(ev(ts="2026-03-01")), "bad_timestamp",
         "field 'ts' value '2026-03-01' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)"),
        (json.dumps(ev(ts="2026-03-01T12:00:00")), "bad_timestamp",
         "field 'ts' value '2026-03-01T12:00:00' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)"),
        (json.dumps(ev(ts=1772366400)), "bad_timestamp",
         "field 'ts' value '1772366400' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)"),
        (json.dumps(ev(type="tweet")), "unknown_type",
         f"field 'type' value 'tweet' is not one of {TYPES_LISTED}"),
        (json.dumps(ev(type="purchase", value="abc")), "bad_value", "field 'value' value 'abc' is not a number"),
        (json.dumps(ev(type="purchase", value="NaN")), "bad_value", "field 'value' value 'NaN' is not a number"),
        (json.dumps(ev(paid="maybe")), "bad_value", "field 'paid' value 'maybe' is not true or false"),
        (json.dumps(ev(paid=2)), "bad_value", "field 'paid' value '2' is not true or false"),
        (json.dumps(ev(type="review", rating=7)), "bad_value",
         "field 'rating' value '7' is not a whole number from 1 to 5"),
        (json.dumps(ev(type="review", rating="4.5")), "bad_value",
         "field 'rating' value '4.5' is not a whole number from 1 to 5"),
        (json.dumps(ev(type="referral")), "missing_target",
         "a referral needs a 'target' (the account it is addressed to)"),
        (json.dumps(ev(type="recommendation", target=" ")), "missing_target",
         "a recommendation needs a 'target' (the account it is addressed to)"),
        (json.dumps(ev(type="mention")), "missing_target",
         "a mention needs a 'target' (the account it is addressed to)"),
        (json.dumps(ev(type="like")), "missing_target", "a like needs a 'target' or a 'parent'"),
        (json.dumps(ev(type="reply", post="p2")), "missing_target", "a reply needs a 'target' or a 'parent'"),
    ],
)
def test_each_reject_reason_and_message(line, reason, message):
    assert one_reject([line]) == (reason, message)


def test_invalid_utf8_keeps_the_line_readable():
    got = check(['{"id":"e1","actor":"\udcff"}'])
    (r,) = got.rejects.to_pylist()
    assert (r["reason"], r["message"]) == ("invalid_utf8", "the line is not valid UTF-8 text")
    assert r["record"] == '{"id":"e1","actor":"\\xff"}'


def test_every_problem_of_a_record_is_named_and_the_first_gives_the_reason():
    reason, message = one_reject(
        [json.dumps(ev(type="purchase", value="x", paid="maybe", rating=9, actor=[1]))]
    )
    assert reason == "bad_type"
    assert message == (
        "field 'actor' must be a string, not a list; field 'value' value 'x' is not a number; "
        "field 'paid' value 'maybe' is not true or false; "
        "field 'rating' value '9' is not a whole number from 1 to 5"
    )


def test_a_text_saying_nan_or_infinity_is_not_refused():
    row = one_valid(ev(text="NaN, Infinity, [1, ]", nan="inf", note={"k": "x, }"}))
    assert row["text"] == "NaN, Infinity, [1, ]"
    assert json.loads(row["extra"]) == {"nan": "inf", "note": {"k": "x, }"}}


def test_good_rows_around_bad_ones_are_kept_with_line_numbers():
    got = check([json.dumps(ev("e1")), "", "oops", "  ", json.dumps(ev("e2", type="x")), json.dumps(ev("e3"))])
    assert got.read == 4  # blank lines are not records
    assert got.valid.column("id").to_pylist() == ["e1", "e3"]
    assert got.valid.column("line").to_pylist() == [1, 6]
    assert [(r["line"], r["reason"]) for r in got.rejects.to_pylist()] == [
        (3, "malformed_json"),
        (5, "unknown_type"),
    ]
    assert got.rejects.schema == REJECTS_SCHEMA
    assert got.rejects.column("file").to_pylist() == ["x.jsonl", "x.jsonl"]
    assert got.rejects.column("record").to_pylist()[0] == "oops"


# -- normalisation -----------------------------------------------------------------------------
def test_a_json_number_as_text():
    assert one_valid(ev(text=12.50))["text"] == "12.5"


def test_keys_are_trimmed_labels_and_enums_lower_cased_text_verbatim():
    row = one_valid(ev(id=" e1 ", type=" Purchase ", actor=7, channel=" Email ", text="  as is ", via=" r1"))
    assert (row["id"], row["type"], row["actor"], row["channel"], row["text"], row["via"]) == (
        "e1", "purchase", "7", "email", "  as is ", "r1",
    )


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("2026-03-01T12:00:00Z", dt.datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T13:00:00+01:00", dt.datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T07:30:00-04:30", dt.datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01t12:00:00z", dt.datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01 12:00:00Z", dt.datetime(2026, 3, 1, 12, tzinfo=UTC)),
        (" 2026-03-01T12:00:00.25Z ", dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2026-03-01T12:00:00.123456789Z", dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_timestamps_are_stored_as_utc_instants(ts, expected):
    assert one_valid(ev(ts=ts))["ts"] == expected


@pytest.mark.parametrize(
    "ts",
    [
        "2026-02-30T12:00:00Z",
        "2026-03-01T24:00:00Z",
        "2026-03-01T23:59:60Z",
        "2026-03-01T12:00:00+25:00",
        "2026-03-01T12:00:00+0100",
        "2026-03-01T12:00Z",
        "1 March 2026",
        "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
        "0000-12-31T12:00:00Z",
    ],
)
def test_timestamps_that_are_not_rfc_3339_are_rejected(ts):
    assert one_reject([json.dumps(ev(ts=ts))])[0] == "bad_timestamp"


@pytest.mark.parametrize(
    ("given", "stored"),
    [(True, True), (False, False), ("TRUE", True), ("yes", True), (" No ", False), ("1", True),
     ("0", False), (1, True), (0, False), (None, None), ("", None)],
)
def test_bool_spellings(given, stored):
    assert one_valid(ev(paid=given))["paid"] is stored


@pytest.mark.parametrize(("given", "stored"), [(4, 4), (4.0, 4), ("4", 4), (" 5 ", 5), ("1e0", 1)])
def test_rating_whole_numbers(given, stored):
    assert one_valid(ev(type="review", rating=given))["rating"] == stored


@pytest.mark.parametrize(("given", "stored"), [(12.5, 12.5), ("12.50", 12.5), (" 3 ", 3.0), (0, 0.0)])
def test_value_numbers(given, stored):
    assert one_valid(ev(type="purchase", value=given))["value"] == stored


def test_empty_text_is_absent_and_white_space_is_kept_the_same_in_both_formats():
    assert one_valid(ev(text=""))["text"] is None
    j = one_valid(ev(text="  "))
    (c,) = check_csv(f"id,ts,type,actor,text\ne1,{TS},post,a,  \n").valid.to_pylist()
    assert j["text"] == c["text"] == "  "
    assert j["digest"] == c["digest"]
    empty = check_csv(f"id,ts,type,actor,text\ne1,{TS},post,a,\n").valid
    assert empty.column("digest").to_pylist() == [one_valid(ev(text=""))["digest"]]


def test_white_space_only_key_counts_as_absent_in_csv_too():
    got = check_csv(f"id,ts,type,actor,target\ne1,{TS},referral,a,  \n")
    assert [(r["reason"], r["message"]) for r in got.rejects.to_pylist()] == [
        ("missing_target", "a referral needs a 'target' (the account it is addressed to)")
    ]


def test_target_may_come_from_parent_for_reactions():
    assert one_valid(ev(type="like", parent="p1"))["parent"] == "p1"
    assert one_valid(ev(type="share", target="b"))["target"] == "b"


def test_unknown_fields_are_kept_in_extra():
    row = one_valid(ev(lang="en", score=3, tags=["a", "b"], meta={"k": None}))
    assert json.loads(row["extra"]) == {"lang": "en", "score": 3, "tags": ["a", "b"], "meta": {"k": None}}
    assert one_valid(ev())["extra"] is None


def test_valid_rows_have_the_store_schema_and_their_record():
    got = check([ev(lang="en")])
    assert got.valid.schema == EVENTS_SCHEMA.append(got.valid.schema.field("record"))
    assert got.valid.column("record").to_pylist() == [json.dumps(ev(lang="en"))]
    assert got.valid.column("src").to_pylist() == ["x.jsonl"]


# -- accounts ----------------------------------------------------------------------------------
def test_account_fields():
    row = one_valid(
        {"id": " u1 ", "role": "Customer", "created": "2020-01-01T01:00:00+01:00", "followers": "12",
         "following": 3.0, "nps": 9, "email_hash": " h1 ", "handle": " @u1 ", "tier": "gold"},
        "accounts",
    )
    assert row["id"] == "u1" and row["role"] == "customer" and row["email_hash"] == "h1"
    assert row["created"] == dt.datetime(2020, 1, 1, tzinfo=UTC)
    assert (row["followers"], row["following"], row["nps"]) == (12, 3, 9)
    assert row["handle"] == " @u1 "
    assert json.loads(row["extra"]) == {"tier": "gold"}


@pytest.mark.parametrize(
    ("record", "reason", "message"),
    [
        ({"role": "customer"}, "missing_field", "required field 'id' is missing or empty"),
        ({"id": "u1", "role": "bot"}, "bad_value",
         "field 'role' value 'bot' is not one of customer, prospect, brand, employee, partner"),
        ({"id": "u1", "nps": 11}, "bad_value", "field 'nps' value '11' is not a whole number from 0 to 10"),
        ({"id": "u1", "followers": -1}, "bad_value",
         "field 'followers' value '-1' is not a whole number of at least 0"),
        # Out of range of the column type: a reject, not an error that stops the file.
        ({"id": "u1", "followers": 1e30}, "bad_value",
         "field 'followers' value '1e30' is not a whole number of at least 0"),
        ({"id": "u1", "following": "9223372036854775808"}, "bad_value",
         "field 'following' value '9223372036854775808' is not a whole number of at least 0"),
        ({"id": "u1", "created": "yesterday"}, "bad_timestamp",
         "field 'created' value 'yesterday' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)"),
    ],
)
def test_account_rejects(record, reason, message):
    assert one_reject([record], "accounts") == (reason, message)


def test_largest_follower_count_is_exact():
    assert one_valid({"id": "u1", "followers": "9223372036854775807"}, "accounts")["followers"] == 2**63 - 1


# -- CSV ---------------------------------------------------------------------------------------
def test_csv_cells_follow_the_same_rules():
    got = check_csv(
        "id,ts,type,actor,parent,paid,value,rating,lang,line,record\n"
        "e1,2026-03-01T13:00:00+01:00,LIKE, a ,p1,yes,,, en,7,r\n"
    )
    (row,) = got.valid.to_pylist()
    assert (row["type"], row["actor"], row["paid"], row["value"], row["rating"]) == ("like", "a", True, None, None)
    assert row["ts"] == dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    # Unknown columns, even ones called line or record, are kept as text; empty cells are absent.
    assert json.loads(row["extra"]) == {"lang": " en", "line": "7", "record": "r"}
    assert row["line"] == 2


def test_csv_header_without_a_required_column_rejects_every_record():
    got = check_csv("id,type,actor\ne1,post,a\ne2,post,b\n")
    assert got.valid.num_rows == 0
    assert got.read == 2
    assert [(r["line"], r["reason"], r["message"]) for r in got.rejects.to_pylist()] == [
        (2, "csv_bad_header", "the header has no column 'ts'"),
        (3, "csv_bad_header", "the header has no column 'ts'"),
    ]


def test_csv_header_naming_a_column_twice_rejects_every_record():
    got = check_csv(f"id,ts,type,actor,actor\ne1,{TS},post,a,b\n")
    assert [(r["reason"], r["message"]) for r in got.rejects.to_pylist()] == [
        ("csv_bad_header", "the header names column 'actor' 2 times")
    ]


def test_csv_unnamed_column_may_be_empty_but_not_hold_a_value():
    got = check_csv(f"id,ts,type,actor,\ne1,{TS},post,a,\ne2,{TS},post,a,oops\n")
    assert got.valid.column("id").to_pylist() == ["e1"]
    assert [(r["line"], r["reason"], r["message"]) for r in got.rejects.to_pylist()] == [
        (3, "csv_bad_header", "column 5 has a value but no name in the header")
    ]


def test_csv_reader_rejects_join_the_field_rejects_in_line_order():
    got = check_csv(
        f"id,ts,type,actor\ne1,{TS},post,a\ne2,{TS},post\ne3,{TS},tweet,a\n"
        f'e4,"{TS}"x,post,a\ne5,{TS},post,a\n'
    )
    assert got.valid.column("id").to_pylist() == ["e1", "e5"]
    assert got.read == 5
    assert [(r["line"], r["reason"], r["message"]) for r in got.rejects.to_pylist()] == [
        (3, "csv_field_count", "the record has 3 fields, the header has 4"),
        (4, "unknown_type", f"field 'type' value 'tweet' is not one of {TYPES_LISTED}"),
        (5, "csv_error", "broken CSV: ',' expected after '\"'"),
    ]


# -- digests -----------------------------------------------------------------------------------
def _digest(record, kind="events"):
    return one_valid(record, kind)["digest"]


def test_same_instant_with_another_offset_has_the_same_digest():
    assert _digest(ev(ts="2026-03-01T13:00:00+01:00")) == _digest(ev(ts="2026-03-01T12:00:00Z"))


def test_digest_is_of_the_normalised_record():
    base = _digest(ev(type="review", rating=4, paid=True, channel="email", value=3))
    assert _digest(ev(type="REVIEW", rating="4", paid="yes", channel="Email", value="3.0")) == base
    assert _digest(ev(type="review", rating=5, paid=True, channel="email", value=3)) != base
    assert _digest(ev(type="review", rating=4, paid=True, channel="email", value=3, lang="en")) != base


def test_digest_of_extra_ignores_key_order_and_csv_text_values():
    a = _digest(ev(lang="en", score=3, tags=[1, 2], gone=None, empty=""))
    assert _digest(ev(tags=[1, 2], score="3", lang="en")) == a
    csv_row = check_csv(f'id,ts,type,actor,score,lang,tags\ne1,{TS},post,a,3,en,"[1,2]"\n').valid
    assert csv_row.column("digest").to_pylist() == [a]
    assert _digest(ev(lang="en", score=4, tags=[1, 2])) != a


def test_account_digest_and_schema():
    got = check([{"id": "u1", "nps": "7"}], "accounts")
    assert got.valid.schema == ACCOUNTS_SCHEMA.append(got.valid.schema.field("record"))
    assert got.valid.column("digest").to_pylist() == check([{"id": "u1", "nps": 7}], "accounts").valid.column(
        "digest"
    ).to_pylist()


# -- property ----------------------------------------------------------------------------------
_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)
_records = st.fixed_dictionaries(
    {},
    optional={
        k: _values for k in ("id", "ts", "type", "actor", "target", "parent", "value", "paid", "rating", "extra1")
    },
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_records.map(json.dumps), st.text(max_size=20).filter(lambda s: "\n" not in s and "\r" not in s)), min_size=1, max_size=8))
def test_every_record_is_either_kept_or_rejected_with_a_reason(lines):
    got = check(lines)
    nonblank = [line for line in lines if line.strip(" \t\r")]
    assert got.read == len(nonblank)
    assert got.valid.num_rows + got.rejects.num_rows == len(nonblank)
    assert all(r is not None for r in got.rejects.column("reason").to_pylist())
    assert all(m for m in got.rejects.column("message").to_pylist())
    lines_seen = got.valid.column("line").to_pylist() + got.rejects.column("line").to_pylist()
    assert sorted(lines_seen) == sorted(set(lines_seen))
