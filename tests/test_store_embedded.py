"""The embedded DuckDB store: persistence, locking, idempotent writes, accounts upsert, forget."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from womgraph.errors import StoreError, StoreLockedError
from womgraph.schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from womgraph.store import EmbeddedStore, Store, open_store
from womgraph.store.base import CONFLICT_SCHEMA

UTC = dt.timezone.utc


def events(*rows: dict) -> pa.Table:
    """Store rows with defaults for what a test does not care about."""
    full = []
    for i, r in enumerate(rows, start=1):
        full.append(
            {
                "ts": dt.datetime(2026, 3, 1, 12, tzinfo=UTC),
                "type": "post",
                "actor": "a",
                "digest": 1,
                "src": "f.jsonl",
                "line": i,
                **r,
            }
        )
    return pa.Table.from_pylist(full, schema=EVENTS_SCHEMA)


def accounts(*rows: dict) -> pa.Table:
    full = [{"digest": 1, "src": "acc.jsonl", "line": i, **r} for i, r in enumerate(rows, start=1)]
    return pa.Table.from_pylist(full, schema=ACCOUNTS_SCHEMA)


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "store") as s:
        yield s


def test_the_store_keeps_the_protocol():
    with EmbeddedStore("s") as s:
        assert isinstance(s, Store)
        assert s.rejects_dir.as_posix() == "s/rejects"


def test_default_location_is_dot_womgraph_in_the_working_folder(tmp_path):
    with open_store() as s:
        assert s.location == ".womgraph"
    assert (tmp_path / ".womgraph" / "womgraph.duckdb").is_file()


def test_location_from_womgraph_store(monkeypatch, tmp_path):
    monkeypatch.setenv("WOMGRAPH_STORE", str(tmp_path / "elsewhere"))
    with open_store() as s:
        assert s.location == str(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "womgraph.duckdb").is_file()


def test_state_persists_between_opens(tmp_path):
    with EmbeddedStore(tmp_path / "s") as s:
        s.add_events(events({"id": "e1"}, {"id": "e2", "extra": '{"k":1}'}))
        s.add_accounts(accounts({"id": "u1", "role": "brand"}))
        s.log_ingest({"read": 2})
    with EmbeddedStore(tmp_path / "s", read_only=True) as s:
        assert s.counts() == {"events": 2, "accounts": 1}
        assert s.events(["id", "extra"]).to_pylist() == [
            {"id": "e1", "extra": None},
            {"id": "e2", "extra": '{"k":1}'},
        ]
        assert s.accounts().column("role").to_pylist() == ["brand"]
        (log,) = s.ingest_log()
        assert log["read"] == 2 and isinstance(log["at"], dt.datetime)


def test_a_small_write_is_left_in_the_log_and_a_large_one_checkpointed(tmp_path, monkeypatch):
    import womgraph.store.embedded as embedded

    wal = tmp_path / "s" / "womgraph.duckdb.wal"
    with EmbeddedStore(tmp_path / "s") as s:
        s.add_events(events(*({"id": f"e{i}"} for i in range(50))))
    assert 0 < wal.stat().st_size < embedded.LAZY_CHECKPOINT_BYTES  # not checkpointed on close
    with EmbeddedStore(tmp_path / "s", read_only=True) as s:  # replayed, read only
        assert s.counts()["events"] == 50
    monkeypatch.setattr(embedded, "LAZY_CHECKPOINT_BYTES", 1)  # as for a log past the limit
    with EmbeddedStore(tmp_path / "s") as s:
        s.add_events(events({"id": "e50"}))
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed: everything in the file
    with EmbeddedStore(tmp_path / "s", read_only=True) as s:
        assert sorted(s.events(["id"]).column("id").to_pylist()) == sorted(f"e{i}" for i in range(51))


def test_a_write_left_in_the_log_survives_a_process_that_dies(tmp_path):
    # The log is as durable as the file: a process killed after its commit loses nothing.
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
        from test_store_embedded import events
        from womgraph.store import EmbeddedStore
        s = EmbeddedStore({str(tmp_path / "s")!r})
        s.add_events(events({{"id": "e1"}}, {{"id": "e2"}}))
        os._exit(0)  # no close, no checkpoint
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    with EmbeddedStore(tmp_path / "s", read_only=True) as s:
        assert s.events(["id"]).column("id").to_pylist() == ["e1", "e2"]


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path):
    with pytest.raises(StoreError) as err:
        EmbeddedStore(tmp_path / "none", read_only=True)
    assert str(err.value) == (
        f"No womgraph store at {tmp_path / 'none'}: run `womgraph ingest FILE` or `womgraph demo` "
        "first, or point --store / WOMGRAPH_STORE at an existing store."
    )
    assert not (tmp_path / "none").exists()


def test_a_second_writer_waits_then_fails(tmp_path):
    path = tmp_path / "locked"
    EmbeddedStore(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from womgraph.store import EmbeddedStore
                with EmbeddedStore({str(path)!r}):
                    print("ready", flush=True)
                    sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError) as err:
            EmbeddedStore(path, lock_timeout=0.3)
        assert str(err.value) == (
            f"The store at {path} is in use by another womgraph process. "
            "Wait for it to finish, or use another --store."
        )
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    with EmbeddedStore(path, lock_timeout=5) as s:  # free again once the holder is gone
        assert s.counts() == {"events": 0, "accounts": 0}


def test_same_id_same_digest_is_a_duplicate_other_digest_a_conflict(store):
    r = store.add_events(events({"id": "e1", "digest": 10}, {"id": "e2", "digest": 20}))
    assert (r.inserted, r.duplicates, r.conflicts.num_rows) == (2, 0, 0)
    r = store.add_events(
        events({"id": "e1", "digest": 10, "src": "g"}, {"id": "e2", "digest": 21, "src": "g", "line": 9})
    )
    assert (r.inserted, r.duplicates) == (0, 1)
    assert r.conflicts.schema == CONFLICT_SCHEMA
    assert r.conflicts.to_pylist() == [
        {"id": "e2", "src": "g", "line": 9, "stored_src": "f.jsonl", "stored_line": 2}
    ]
    assert store.events(["id", "digest"]).to_pylist() == [{"id": "e1", "digest": 10}, {"id": "e2", "digest": 20}]


def test_conflicts_inside_one_call_are_against_the_first_row(store):
    r = store.add_events(
        events({"id": "e1", "digest": 1}, {"id": "e1", "digest": 2}, {"id": "e1", "digest": 1})
    )
    assert (r.inserted, r.duplicates) == (1, 1)
    assert r.conflicts.to_pylist() == [
        {"id": "e1", "src": "f.jsonl", "line": 2, "stored_src": "f.jsonl", "stored_line": 1}
    ]


def test_a_stored_row_is_the_reference_for_every_later_row(store):
    store.add_events(events({"id": "e1", "digest": 1}))
    r = store.add_events(
        events({"id": "e1", "digest": 2, "src": "g"}, {"id": "e1", "digest": 1, "src": "g"})
    )
    assert (r.inserted, r.duplicates) == (0, 1)
    assert r.conflicts.column("line").to_pylist() == [1]
    assert r.conflicts.column("stored_src").to_pylist() == ["f.jsonl"]


def test_find_conflicts_writes_nothing(store):
    store.add_events(events({"id": "e1", "digest": 1}))
    c = store.find_conflicts(events({"id": "e1", "digest": 2}, {"id": "e3", "digest": 3}))
    assert c.column("id").to_pylist() == ["e1"]
    assert store.counts()["events"] == 1


def test_events_are_read_in_time_then_id_order(store):
    t = dt.datetime(2026, 3, 1, tzinfo=UTC)
    store.add_events(
        events(
            {"id": "b", "ts": t + dt.timedelta(hours=1)},
            {"id": "c", "ts": t},
            {"id": "a", "ts": t + dt.timedelta(hours=1)},
        )
    )
    assert store.events(["id"]).column("id").to_pylist() == ["c", "a", "b"]
    assert store.events().schema == EVENTS_SCHEMA


def test_unknown_event_column_is_named(store):
    with pytest.raises(StoreError) as err:
        store.events(["id", "nope", "also"])
    assert str(err.value) == "Unknown event columns: also, nope."


def test_accounts_upsert_non_null_fields_win(store):
    r = store.add_accounts(
        accounts({"id": "u1", "role": "customer", "handle": "@u1", "followers": 5, "extra": '{"tier":"gold"}'})
    )
    assert (r.inserted, r.updated, r.duplicates) == (1, 0, 0)
    r = store.add_accounts(
        accounts(
            {"id": "u1", "followers": 7, "extra": '{"city":"Oslo"}', "digest": 2},
            {"id": "u2", "role": "brand"},
        )
    )
    assert (r.inserted, r.updated, r.duplicates) == (1, 1, 0)
    u1 = store.accounts().to_pylist()[0]
    assert (u1["role"], u1["handle"], u1["followers"]) == ("customer", "@u1", 7)
    assert u1["extra"] == '{"tier":"gold","city":"Oslo"}'
    # The same snapshot again changes nothing.
    r = store.add_accounts(accounts({"id": "u1", "followers": 7, "extra": '{"city":"Oslo"}', "digest": 2}))
    assert (r.inserted, r.updated, r.duplicates) == (0, 0, 1)


def test_accounts_later_rows_of_one_call_win_field_by_field(store):
    r = store.add_accounts(
        accounts(
            {"id": "u1", "handle": "@old", "name": "Ann"},
            {"id": "u1", "handle": "@new"},
        )
    )
    assert (r.inserted, r.updated, r.duplicates) == (1, 0, 1)
    u1 = store.accounts().to_pylist()[0]
    assert (u1["handle"], u1["name"], u1["line"]) == ("@new", "Ann", 2)


def test_forget_deletes_an_account_and_its_events(store):
    store.add_events(
        events(
            {"id": "e1", "actor": "u1"},
            {"id": "e2", "actor": "u2", "type": "referral", "target": "u1"},
            {"id": "e3", "actor": "u2"},
        )
    )
    store.add_accounts(accounts({"id": "u1"}, {"id": "u2"}))
    store.write_results({"scores": pa.table({"account": ["u1"], "score": [1.0]})})
    assert store.forget("u1") == {"events": 2, "accounts": 1}
    assert store.events(["id"]).column("id").to_pylist() == ["e3"]
    assert store.accounts().column("id").to_pylist() == ["u2"]
    # Results computed with the forgotten account are dropped, not left behind.
    assert store.sql("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'result_scores'")[
        "n"
    ].to_pylist() == [0]
    assert store.forget("nobody") == {"events": 0, "accounts": 0}


def test_write_results_refuses_a_bad_table_name(store):
    with pytest.raises(StoreError) as err:
        store.write_results({"x; drop": pa.table({"a": [1]})})
    assert str(err.value) == "Result table name 'x; drop' is not an identifier."


def test_ingest_log_is_newest_first(store):
    for n in range(3):
        store.log_ingest({"n": n})
    assert [e["n"] for e in store.ingest_log(limit=2)] == [2, 1]
