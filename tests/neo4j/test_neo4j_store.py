"""The Neo4j store's logic against a recording fake of the driver: batching, parameters, retries,
idempotency and conflicts (checked against the embedded store), pagination, write-back."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pytest
from neo4j.exceptions import TransientError

from neo4j_data import ACCOUNTS, EVENTS, URI, settings, write_jsonl
from neo4j_fake import neo4j_error
from womgraph.errors import StoreError
from womgraph.ingest import ingest
from womgraph.schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from womgraph.store import EmbeddedStore
from womgraph.store.neo4j import Neo4jStore
from womgraph.store.neo4j.cypher import load, schema_statements

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def events_table(rows) -> pa.Table:
    """Events from (id, digest, src, line) tuples, with just enough fields to be valid."""
    return pa.Table.from_pylist(
        [
            {
                "id": i,
                "ts": T0,
                "type": "post",
                "actor": "a",
                "post": f"p-{i}",
                "digest": d,
                "src": s,
                "line": n,
            }
            for i, d, s, n in rows
        ],
        schema=EVENTS_SCHEMA,
    )


def merges(server) -> list:
    return [c for c in server.calls if c.name == "event_merge"]


# -- batching and parameters -------------------------------------------------------------------
def test_one_managed_transaction_per_batch_of_unwound_rows(make_store, server):
    store = make_store(batch_size=3)
    result = store.add_events(events_table([(f"e{i}", i, "f", i) for i in range(7)]))
    assert (result.inserted, result.duplicates) == (7, 0)
    calls = merges(server)
    assert [len(c.params["rows"]) for c in calls] == [3, 3, 1]
    assert all(c.via == "tx" for c in calls)
    assert len({c.tx for c in calls}) == 3  # each batch its own transaction
    assert len(server.committed("event_merge")) == 3
    assert store.batches_stored == 3 and store.records_stored == 7


def test_values_travel_only_as_parameters_and_fit_bolt(make_store, server):
    store = make_store()
    store.add_events(events_table([("x", 2**64 - 1, "f", 1), ("y", 2**63, "f", 2)]))
    texts = {load(n).text for n in server.names_run()}
    assert all("2**64" not in t and "'x'" not in t for t in texts)
    (merge,) = merges(server)
    assert [r["props"]["digest"] for r in merge.params["rows"]] == [-1, -(2**63)]
    assert sorted(store.events()["digest"].to_pylist()) == [2**63, 2**64 - 1]


def test_relationships_are_made_once_for_new_events(make_store, server, data):
    store = make_store(batch_size=4)
    ingest(store, [data["events"]], [data["accounts"]])
    g = server.graph
    kinds = sorted({r[0] for r in g.rels})
    assert kinds == ["ACTED", "CREATES", "MENTIONED", "REACTS_TO", "REFERRED", "TARGETS"]
    assert sum(r[0] == "ACTED" for r in g.rels) == len(EVENTS)
    referred = [r for r in g.rels if r[0] == "REFERRED"]
    assert sorted((r[1][1], r[2][1], r[3]["type"]) for r in referred) == [
        ("alice", "bob", "referral"),
        ("bob", "carol", "recommendation"),
    ]
    before = list(g.rels)
    ingest(store, [data["events"]], [data["accounts"]])
    assert server.graph.rels == before  # a re-ingest adds no relationship


def test_schema_is_applied_before_the_first_write_only(make_store, server):
    store = make_store()
    store.add_events(events_table([("a", 1, "f", 1)]))
    store.add_events(events_table([("b", 2, "f", 2)]))
    created = [n for n in server.names_run() if n.startswith("schema_")]
    assert sorted(created) == sorted(q.name for _, q in schema_statements())
    assert server.names_run().count("show_schema") == 1
    again = make_store()
    again.add_events(events_table([("c", 3, "f", 3)]))
    assert len([n for n in server.names_run() if n.startswith("schema_")]) == len(created)


# -- retries -----------------------------------------------------------------------------------
def test_a_transient_failure_is_retried_and_counted_once(make_store, server):
    server.fail(
        "event_link_actor",
        lambda: neo4j_error("Neo.TransientError.Transaction.DeadlockDetected", "deadlock"),
        times=1,
        after=1,
    )
    store = make_store(batch_size=2)
    result = store.add_events(events_table([(f"e{i}", i, "f", i) for i in range(5)]))
    assert (result.inserted, result.duplicates, result.conflicts.num_rows) == (5, 0, 0)
    retried = [t for t in server.transactions if t["attempts"] > 1]
    assert len(retried) == 1 and retried[0]["committed"]
    assert sum(r[0] == "ACTED" for r in server.graph.rels) == 5
    assert store.counts()["events"] == 5


def test_retries_give_up_after_the_drivers_attempts(make_store, server):
    server.fail("event_merge", lambda: TransientError("busy"), times=99)
    store = make_store()
    with pytest.raises(StoreError, match="Lost the connection"):
        store.add_events(events_table([("a", 1, "f", 1)]))
    assert server.transactions[-1]["attempts"] == server.max_attempts
    assert not server.graph.events


# -- idempotency and conflicts, decided as the embedded store decides ---------------------------
SCENARIOS = {
    "fresh": ([], [("a", 1, "f", 1), ("b", 2, "f", 2)]),
    "again": ([("a", 1, "f", 1)], [("a", 1, "g", 9)]),
    "changed": ([("a", 1, "f", 1)], [("a", 2, "g", 5)]),
    "repeat-in-call": ([], [("a", 1, "f", 1), ("a", 1, "f", 2), ("a", 3, "f", 3)]),
    "repeat-after-conflict": (
        [("a", 1, "old", 7)],
        [("a", 2, "f", 1), ("a", 2, "f", 2), ("a", 1, "f", 3)],
    ),
    "across-batches": (
        [("c", 5, "old", 1)],
        [
            ("a", 1, "f", 1),
            ("b", 1, "f", 2),
            ("c", 6, "f", 3),
            ("a", 2, "f", 4),
            ("b", 1, "f", 5),
            ("c", 5, "f", 6),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_add_events_matches_the_embedded_store(name, make_store, tmp_path):
    stored, incoming = SCENARIOS[name]
    neo = make_store(batch_size=2)
    with EmbeddedStore(tmp_path / "emb") as emb:
        outcomes = []
        for s in (emb, neo):
            if stored:
                s.add_events(events_table(stored))
            r = s.add_events(events_table(incoming))
            outcomes.append(
                (r.inserted, r.duplicates, r.conflicts.to_pylist(), s.events().to_pylist())
            )
        assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_find_conflicts_matches_the_embedded_store_and_writes_nothing(
    name, make_store, tmp_path, server
):
    stored, incoming = SCENARIOS[name]
    neo = make_store(batch_size=2)
    with EmbeddedStore(tmp_path / "emb") as emb:
        found = []
        for s in (emb, neo):
            if stored:
                s.add_events(events_table(stored))
            found.append(s.find_conflicts(events_table(incoming)).to_pylist())
    assert found[1] == found[0]
    writes = len(server.transactions)
    neo.find_conflicts(events_table(incoming))
    assert len(server.transactions) == writes


ACCOUNT_STEPS = [
    [
        {
            "id": "a",
            "role": "customer",
            "handle": "@a",
            "nps": 7,
            "extra": '{"tier":"gold","x":1}',
            "digest": 1,
            "src": "f",
            "line": 1,
        }
    ],
    [  # an update of some fields, a repeat within the call, a new account
        {
            "id": "a",
            "role": None,
            "handle": "@a2",
            "nps": None,
            "extra": '{"x":null,"y":2}',
            "digest": 2,
            "src": "g",
            "line": 1,
        },
        {"id": "b", "role": "prospect", "followers": 3, "digest": 3, "src": "g", "line": 2},
        {"id": "a", "role": None, "handle": None, "name": "A", "digest": 4, "src": "g", "line": 3},
    ],
    [{"id": "a", "role": "customer", "digest": 9, "src": "h", "line": 1}],  # nothing new
    [
        {
            "id": "b",
            "created": datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc),
            "digest": 5,
            "src": "h",
            "line": 2,
        }
    ],
]


def test_add_accounts_matches_the_embedded_store(make_store, tmp_path):
    neo = make_store(batch_size=1)
    with EmbeddedStore(tmp_path / "emb") as emb:
        for step in ACCOUNT_STEPS:
            table = pa.Table.from_pylist(step, schema=ACCOUNTS_SCHEMA)
            got = [
                (r.inserted, r.updated, r.duplicates)
                for r in (emb.add_accounts(table), neo.add_accounts(table))
            ]
            assert got[1] == got[0]
            assert neo.accounts().to_pylist() == emb.accounts().to_pylist()
    assert neo.accounts().schema == ACCOUNTS_SCHEMA


def test_accounts_only_named_by_events_are_not_profiles(make_store, server, data):
    store = make_store()
    ingest(store, [data["events"]])
    assert store.counts() == {"events": len(EVENTS), "accounts": 0}
    assert store.accounts().num_rows == 0
    assert "erin" in server.graph.accounts


def test_the_same_files_give_the_same_projection_as_the_embedded_store(make_store, data, tmp_path):
    neo = make_store(batch_size=4)
    with EmbeddedStore(tmp_path / "emb") as emb:
        summaries = [ingest(s, [data["events"]], [data["accounts"]]).to_dict() for s in (emb, neo)]
        for key in ("read", "inserted", "updated", "duplicates", "rejected"):
            assert summaries[1][key] == summaries[0][key], key
        assert neo.events().equals(emb.events())
        assert neo.accounts().equals(emb.accounts())
        assert neo.events(["id", "type", "value"]).equals(emb.events(["id", "type", "value"]))
        assert neo.counts() == emb.counts()
    assert neo.events().schema == EVENTS_SCHEMA


def test_ingesting_twice_changes_nothing(make_store, data):
    store = make_store(batch_size=5)
    first = ingest(store, [data["events"]], [data["accounts"]])
    events, accounts = store.events(), store.accounts()
    second = ingest(store, [data["events"]], [data["accounts"]])
    assert (first.inserted, first.duplicates) == (len(EVENTS) + len(ACCOUNTS), 0)
    assert (second.inserted, second.updated, second.duplicates) == (
        0,
        0,
        len(EVENTS) + len(ACCOUNTS),
    )
    assert store.events().equals(events) and store.accounts().equals(accounts)


def test_a_conflict_is_rejected_with_its_line_and_never_overwrites(make_store, data, tmp_path):
    store = make_store()
    ingest(store, [data["events"]])
    changed = [dict(EVENTS[0], text="edited")]
    summary = ingest(store, [write_jsonl(tmp_path / "changed.jsonl", changed)])
    assert (summary.inserted, summary.rejected, summary.exit_code) == (0, 1, 3)
    assert {"id": "e01", "text": "New flavour!"} in store.events(["id", "text"]).to_pylist()
    assert store.counts()["events"] == len(EVENTS)
    assert summary.rejects_path.startswith(str(tmp_path / "rejects"))


# -- reads: pagination -------------------------------------------------------------------------
def test_reads_page_through_the_data_in_id_order(make_store, server):
    store = make_store(batch_size=3)
    store.add_events(events_table([(f"e{i}", i, "f", i) for i in (5, 1, 4, 2, 6, 3)]))
    server.calls.clear()
    table = store.events()
    pages = [c for c in server.calls if c.name == "event_page"]
    assert [c.params["after"] for c in pages] == ["", "e3", "e6"]
    assert all(c.params["limit"] == 3 and c.via == "query" and c.routing == "r" for c in pages)
    assert table.column("id").to_pylist() == ["e1", "e2", "e3", "e4", "e5", "e6"]


def test_events_are_ordered_by_time_then_id_with_the_columns_asked(make_store, data):
    store = make_store(batch_size=4)
    ingest(store, [data["events"]])
    t = store.events(["type", "id", "ts"])
    assert t.column_names == ["type", "id", "ts"]
    assert t.column("id").to_pylist()[:3] == [
        "e03",
        "e04",
        "e01",
    ]  # 08:00Z (10:00+02:00), 08:00:01Z, 09:00Z
    assert t.column("ts").to_pylist()[2] == datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    with pytest.raises(StoreError, match="Unknown event columns: nope."):
        store.events(["id", "nope"])


def test_empty_store_reads(make_store):
    store = make_store()
    assert store.events().num_rows == 0 and store.events().schema == EVENTS_SCHEMA
    assert store.accounts().schema == ACCOUNTS_SCHEMA
    assert store.counts() == {"events": 0, "accounts": 0}
    assert store.ingest_log() == []


def test_ingest_log_newest_first(make_store):
    store = make_store()
    store.log_ingest({"read": 1})
    store.log_ingest({"read": 2, "when": datetime(2026, 1, 1, tzinfo=timezone.utc)})
    log = store.ingest_log(limit=5)
    assert [e["read"] for e in log] == [2, 1]
    assert log[0]["at"].tzinfo is not None and log[0]["at"] > log[1]["at"]
    assert store.ingest_log(limit=1)[0]["read"] == 2


# -- write-back --------------------------------------------------------------------------------
def _results(rank_of_alice=1):
    return {
        "classes": pa.table(
            {
                "id": ["e05", "e02"],
                "class": ["peer", "broadcast"],
                "reason": ["referral", "brand_post"],
            }
        ),
        "advocates": pa.table(
            {
                "account": ["alice", "bob"],
                "rank": [rank_of_alice, 2],
                "score": [0.9, 0.5],
                "evidence": ["x", "y"],
            }
        ),
        "communities": pa.table({"account": ["alice", "bob", "carol"], "community": [0, 0, 1]}),
        "flags": pa.table(
            {
                "flag_id": ["f1"],
                "kind": ["ring"],
                "rule": ["shared_device"],
                "severity": [0.8],
                "accounts": pa.array([["bob", "carol", "nobody"]], pa.list_(pa.string())),
                "evidence": ['{"device_hash": "d1"}'],
            }
        ),
        "chains": pa.table(
            {"cascade": [1, 1], "parent": ["alice", "bob"], "child": ["bob", "carol"]}
        ),
        "metrics": pa.table({"k": [1]}),  # not written back, no error
    }


def test_write_back_sets_properties_and_replaces_old_results(make_store, server, data):
    store = make_store(batch_size=2)
    ingest(store, [data["events"]], [data["accounts"]])
    store.write_results(_results())
    g = server.graph
    assert (g.events["e05"]["class"], g.events["e05"]["reason"]) == ("peer", "referral")
    assert g.accounts["alice"]["props"]["advocate_rank"] == 1
    assert g.accounts["carol"]["props"]["community"] == 1
    assert g.flags["f1"]["evidence"] == '{"device_hash": "d1"}'
    assert sorted(r[2][1] for r in g.rels if r[0] == "CONCERNS") == ["bob", "carol"]
    assert sorted((r[1][1], r[2][1]) for r in g.rels if r[0] == "CONVERTED") == [
        ("alice", "bob"),
        ("bob", "carol"),
    ]
    snapshot = (
        dict(g.events),
        {k: dict(v["props"]) for k, v in g.accounts.items()},
        sorted(map(repr, g.rels)),
    )

    store.write_results(_results())  # idempotent
    g = server.graph
    assert (
        dict(g.events),
        {k: dict(v["props"]) for k, v in g.accounts.items()},
        sorted(map(repr, g.rels)),
    ) == snapshot

    store.write_results(
        {"classes": pa.table({"id": ["e01"], "class": ["broadcast"], "reason": ["brand_post"]})}
    )
    g = server.graph
    assert "class" not in g.events["e05"] and g.events["e01"]["class"] == "broadcast"
    assert g.accounts["alice"]["props"]["advocate_rank"] == 1  # other kinds untouched


def test_write_back_names_missing_columns(make_store):
    store = make_store()
    with pytest.raises(
        StoreError,
        match=r"Result table 'chains' lacks the column\(s\) child; it needs cascade, parent, child.",
    ):
        store.write_results({"chains": pa.table({"cascade": [1], "parent": ["a"]})})


def test_clearing_old_results_runs_in_batches(make_store, server):
    store = make_store(batch_size=2)
    store.add_events(events_table([(f"e{i}", i, "f", i) for i in range(5)]))
    classes = pa.table(
        {"id": [f"e{i}" for i in range(5)], "class": ["social"] * 5, "reason": ["r"] * 5}
    )
    store.write_results({"classes": classes})
    server.calls.clear()
    store.write_results({"classes": classes})
    clears = [c for c in server.calls if c.name == "result_clear_classes"]
    assert len(clears) == 3 and all(c.params["limit"] == 2 for c in clears)
    assert [len(c.params["rows"]) for c in server.calls if c.name == "result_set_classes"] == [
        2,
        2,
        1,
    ]


# -- forget ------------------------------------------------------------------------------------
def test_forget_matches_the_embedded_store(make_store, server, data, tmp_path):
    neo = make_store(batch_size=2)
    with EmbeddedStore(tmp_path / "emb") as emb:
        got = []
        for s in (emb, neo):
            ingest(s, [data["events"]], [data["accounts"]])
            s.write_results(_results())
            got.append(
                (
                    s.forget("bob"),
                    s.forget("nobody"),
                    s.events().to_pylist(),
                    s.accounts().to_pylist(),
                )
            )
        assert got[1] == got[0]
    g = server.graph
    assert "bob" not in g.accounts and not g.flags
    assert not [r for r in g.rels if r[0] == "CONVERTED"]
    assert "r1" not in g.content  # bob's review: nothing points at it any more
    assert "p2" in g.content  # alice's post stays


# -- one driver per process --------------------------------------------------------------------
def test_stores_share_one_driver_closed_with_the_last(pool, server, tmp_path):
    a = Neo4jStore(URI, settings=settings(), pool=pool)
    b = Neo4jStore(URI, settings=settings(), pool=pool)
    assert len(server.drivers) == 1 and len(pool) == 1
    a.close()
    assert not server.drivers[0].closed
    b.close()
    assert server.drivers[0].closed and len(pool) == 0
    with Neo4jStore(URI, settings=settings(neo4j_database="neo4j"), pool=pool) as c:
        assert c.location == URI
    assert len(server.drivers) == 2 and server.drivers[1].closed


def test_rejects_go_to_a_local_folder(pool, tmp_path, monkeypatch):
    with Neo4jStore(URI, settings=settings(), pool=pool) as s:
        assert (
            s.rejects_dir == tmp_path / "womgraph-rejects"
            or s.rejects_dir.name == "womgraph-rejects"
        )
        assert s.rejects_dir.is_absolute()
    monkeypatch.setenv("WOMGRAPH_REJECTS", str(tmp_path / "mine"))
    with Neo4jStore(URI, settings=settings(), pool=pool) as s:
        assert s.rejects_dir == tmp_path / "mine"
