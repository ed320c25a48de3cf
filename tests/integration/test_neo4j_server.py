"""Against a real Neo4j (NEO4J_URI): schema, idempotent ingest, projection parity with the
embedded store, write-back, the people-facing queries, and the failure messages."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from integration_support import (  # noqa: F401  (the *_fixture names register fixtures)
    REASON,
    Proxy,
    clean_up_fixture,
    driver_fixture,
    files_fixture,
    free_port,
    make_accounts,
    make_events,
    no_foreign_results_fixture,
    query,
    t_fixture,
    tag_fixture,
    write_jsonl,
)
from womgraph.cli import main
from womgraph.ingest import ingest
from womgraph.settings import load_settings
from womgraph.store import EmbeddedStore
from womgraph.store.neo4j import (
    Neo4jAuthFailed,
    Neo4jDatabaseMissing,
    Neo4jStore,
    Neo4jUnreachable,
)
from womgraph.store.neo4j import driver as driver_module
from womgraph.store.neo4j import model
from womgraph.store.neo4j.admin import init_schema, schema_state
from womgraph.store.neo4j.cypher import load, schema_statements
from womgraph.store.neo4j.errors import safe_uri
from womgraph.store.neo4j.results import clear_results

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("NEO4J_URI"), reason=REASON),
]

N_EVENTS, N_ACCOUNTS = len(make_events("x")), len(make_accounts("x"))


def uri() -> str:
    return os.environ["NEO4J_URI"]


@pytest.fixture
def neo(tmp_path, tag):
    with Neo4jStore(
        uri(), settings=load_settings(), batch_size=4, rejects_dir=tmp_path / tag / "rejects"
    ) as s:
        yield s


@pytest.fixture
def cli_env(monkeypatch, tmp_path, tag):
    monkeypatch.delenv("WOMGRAPH_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WOMGRAPH_REJECTS", str(tmp_path / tag / "rejects"))


def mine(table: pa.Table, tag: str) -> pa.Table:
    return table.filter(pc.starts_with(table["id"], tag + "-"))


def test_ping_names_the_server(neo):
    info = neo.ping()
    assert info["version"].startswith(("5.", "2025.", "2026.")), info
    assert info["edition"] in ("community", "enterprise")
    assert os.environ.get("NEO4J_PASSWORD", "\0") not in json.dumps(info)


def test_schema_is_created_idempotently(neo, cli_env):
    rows = init_schema(neo)
    assert {r["name"] for r in rows} == {n for n, _ in schema_statements()}
    assert {r["state"] for r in rows} == {"ONLINE"}
    result = CliRunner().invoke(main, ["db", "init", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {r["action"] for r in json.loads(result.stdout)} == {"present"}
    state = schema_state(neo)
    assert state["womgraph_event_id"]["constraint"] == "womgraph_event_id"
    assert state["womgraph_event_ts"]["constraint"] is None


def test_ingest_twice_gives_exact_counts(neo, files, tag, t, driver):
    before = neo.counts()
    first = ingest(neo, [files["events"]], [files["accounts"]])
    assert (first.inserted, first.duplicates, first.rejected) == (N_EVENTS + N_ACCOUNTS, 0, 0)
    assert neo.counts() == {
        "events": before["events"] + N_EVENTS,
        "accounts": before["accounts"] + N_ACCOUNTS,
    }
    second = ingest(neo, [files["events"]], [files["accounts"]])
    assert (second.inserted, second.updated, second.duplicates) == (0, 0, N_EVENTS + N_ACCOUNTS)
    assert neo.counts() == {
        "events": before["events"] + N_EVENTS,
        "accounts": before["accounts"] + N_ACCOUNTS,
    }
    rels = query(
        driver,
        "MATCH (e:Event)-[r]-() WHERE e.id STARTS WITH $prefix "
        "RETURN type(r) AS t, count(*) ORDER BY t",
        prefix=tag + "-",
    )
    assert dict(map(tuple, rels)) == {"ACTED": 13, "CREATES": 7, "REACTS_TO": 3, "TARGETS": 6}
    shortcuts = query(
        driver,
        "MATCH (a:Account)-[r:REFERRED|MENTIONED]->(b:Account) WHERE a.id STARTS WITH $prefix "
        "RETURN type(r), r.event, r.ts = datetime('2026-03-02T12:00:00Z') ORDER BY r.event",
        prefix=tag + "-",
    )
    assert shortcuts == [
        ["MENTIONED", t("e04"), False],
        ["REFERRED", t("e05"), True],
        ["REFERRED", t("e09"), False],
    ]
    ts = query(
        driver,
        "MATCH (e:Event {id: $id}) RETURN e.ts = datetime('2026-03-01T08:00:00Z')",
        id=t("e03"),
    )
    assert ts == [[True]]


def test_projection_equals_the_embedded_store(neo, files, tag, tmp_path):
    ingest(neo, [files["events"]], [files["accounts"]])
    with EmbeddedStore(tmp_path / "embedded") as emb:
        ingest(emb, [files["events"]], [files["accounts"]])
        assert mine(neo.events(), tag).equals(emb.events())
        assert mine(neo.accounts(), tag).equals(emb.accounts())
        cols = ["id", "ts", "type", "value", "digest"]
        assert mine(neo.events(cols), tag).equals(emb.events(cols))


def test_conflicts_and_account_updates_match_the_embedded_store(neo, files, tag, t, tmp_path):
    changed = [dict(make_events(tag)[0], text="edited"), dict(make_events(tag)[1])]
    updates = [
        {"id": t("bob"), "role": "customer", "tier": None, "level": 2},
        {"id": t("erin"), "role": "prospect"},
        {"id": t("bob"), "handle": "@bobby"},
    ]
    d = tmp_path / tag
    later = [write_jsonl(d / "changed.jsonl", changed)], [write_jsonl(d / "updates.jsonl", updates)]
    with EmbeddedStore(tmp_path / "embedded") as emb:
        got = []
        for s in (emb, neo):
            ingest(s, [files["events"]], [files["accounts"]])
            r = ingest(s, *later)
            got.append((r.inserted, r.updated, r.duplicates, r.rejected, r.rejected_by_reason))
        assert got[1] == got[0] == (1, 1, 2, 1, {"conflict": 1})
        assert mine(neo.events(), tag).equals(emb.events())
        assert mine(neo.accounts(), tag).to_pylist() == emb.accounts().to_pylist()


def _results(t):
    return {
        "classes": pa.table(
            {
                "id": [t("e05"), t("e02")],
                "class": ["peer", "broadcast"],
                "reason": ["referral", "brand_post"],
            }
        ),
        "advocates": pa.table(
            {"account": [t("alice"), t("bob")], "rank": [1, 2], "score": [0.9, 0.5]}
        ),
        "communities": pa.table(
            {"account": [t("alice"), t("bob"), t("carol")], "community": [0, 0, 1]}
        ),
        "flags": pa.table(
            {
                "flag_id": [t("f1")],
                "kind": ["ring"],
                "rule": ["shared_device"],
                "severity": [0.8],
                "accounts": pa.array([[t("bob"), t("carol")]], pa.list_(pa.string())),
                "evidence": ['{"device_hash": "d1"}'],
            }
        ),
        "chains": pa.table(
            {"cascade": [1, 1], "parent": [t("alice"), t("bob")], "child": [t("bob"), t("carol")]}
        ),
        "metrics": pa.table({"k": [1]}),
    }


def _explore(driver, name, **params):
    q = load(name)
    return query(driver, q.text, **q.params(**params))


def test_write_back_and_the_queries_for_people(neo, files, t, driver, no_foreign_results):
    ingest(neo, [files["events"]], [files["accounts"]])
    try:
        for _ in range(2):  # writing the same results again leaves the same graph
            neo.write_results(_results(t))
            assert query(
                driver, "MATCH (e:Event {id: $id}) RETURN e.class, e.reason", id=t("e05")
            ) == [["peer", "referral"]]
            top = _explore(driver, "explore_top_advocates", limit=5)
            assert [(r[0], r[2], r[5], r[6]) for r in top] == [
                (t("alice"), 1, 1, 1),
                (t("bob"), 2, 1, 1),
            ]
            chain = _explore(driver, "explore_chain_from_root", root=t("alice"))
            assert [r[3] for r in chain] == [
                [t("alice"), t("bob")],
                [t("alice"), t("bob"), t("carol")],
            ]
            flags = _explore(driver, "explore_flags_to_review", limit=10)
            assert [(r[0], sorted(r[4])) for r in flags] == [(t("f1"), [t("bob"), t("carol")])]
            referrals = _explore(driver, "explore_referrals_of", account=t("alice"))
            assert [(r[0], r[1], r[3], r[4]) for r in referrals] == [
                (t("bob"), "referral", "peer", 2)
            ]
        neo.write_results(
            {
                "classes": pa.table(
                    {"id": [t("e01")], "class": ["broadcast"], "reason": ["brand_post"]}
                )
            }
        )
        assert query(driver, "MATCH (e:Event {id: $id}) RETURN e.class", id=t("e05")) == [[None]]
    finally:
        clear_results(neo)


def test_forget_matches_the_embedded_store(neo, files, tag, t, tmp_path, no_foreign_results):
    with EmbeddedStore(tmp_path / "embedded") as emb:
        got = []
        for s in (emb, neo):
            ingest(s, [files["events"]], [files["accounts"]])
            got.append((s.forget(t("bob")), s.forget(t("nobody"))))
        assert got[1] == got[0] == ({"events": 6, "accounts": 1}, {"events": 0, "accounts": 0})
        assert mine(neo.events(), tag).equals(emb.events())
        assert mine(neo.accounts(), tag).equals(emb.accounts())


def test_cli_commands_run_against_the_server(files, cli_env):
    runner = CliRunner()
    r = runner.invoke(
        main,
        ["ingest", str(files["events"]), "--accounts", str(files["accounts"]), "--format", "json"],
    )
    assert r.exit_code == 0, r.output
    for args in (
        ["stats", "--format", "json"],
        ["report", "--format", "json"],
        ["db", "status", "--format", "json"],
    ):
        r = runner.invoke(main, args)
        assert r.exit_code == 0, (args, r.output)
        password = os.environ.get("NEO4J_PASSWORD", "")
        assert len(password) < 4 or password not in r.output, args
    assert json.loads(r.stdout)["schema_complete"] is True


def test_redaction_key_is_made_once_and_kept(neo, driver):
    from womgraph.render.redact import store_key

    count = "MATCH (k:RedactionKey {name: 'redact'}) RETURN count(k)"
    existed = query(driver, count)[0][0]
    try:
        first, second = store_key(neo), store_key(neo)
        assert first == second and len(first) == 32
        assert query(driver, count)[0][0] == 1
    finally:
        if not existed:  # a key that was there belongs to the database's owner: leave it
            query(driver, "MATCH (k:RedactionKey {name: 'redact'}) DELETE k")


# -- failures ----------------------------------------------------------------------------------
def _settings(**kw):
    return load_settings(**kw)


def test_wrong_password(monkeypatch, cli_env):
    user = os.environ.get("NEO4J_USERNAME", "neo4j")
    with pytest.raises(Neo4jAuthFailed) as err:
        Neo4jStore(
            uri(),
            settings=_settings(neo4j_password=SecretStr("not-the-password-" + os.urandom(4).hex())),
        )
    assert str(err.value) == (
        f"Neo4j at {safe_uri(uri())} refused the user name or password of user {user!r}: check "
        "NEO4J_USERNAME and NEO4J_PASSWORD."
    )
    monkeypatch.setenv("NEO4J_PASSWORD", "still-not-it")
    r = CliRunner().invoke(main, ["db", "ping"])
    assert (r.exit_code, r.stderr) == (1, f"Error: {err.value}\n")
    assert "still-not-it" not in r.output


def test_unreachable_port(monkeypatch, cli_env):
    dead = f"bolt://127.0.0.1:{free_port()}"
    message = (
        f"Cannot reach Neo4j at {dead}: check NEO4J_URI, or run without --store to use the "
        "local store."
    )
    with pytest.raises(Neo4jUnreachable, match="^" + message.replace(".", r"\.") + "$"):
        Neo4jStore(dead, settings=_settings())
    r = CliRunner().invoke(main, ["--store", dead, "stats"])
    assert (r.exit_code, r.stderr) == (1, f"Error: {message}\n")


def test_missing_database(monkeypatch, cli_env, tag):
    name = f"{tag}-missing"
    with pytest.raises(Neo4jDatabaseMissing) as err:
        Neo4jStore(uri(), settings=_settings(neo4j_database=name))
    assert f"has no database {name!r}: set NEO4J_DATABASE to an existing database" in str(err.value)
    monkeypatch.setenv("NEO4J_DATABASE", name)
    r = CliRunner().invoke(main, ["db", "status"])
    assert (r.exit_code, r.stderr) == (1, f"Error: {err.value}\n")


def test_connection_lost_mid_ingest_then_rerun_completes(monkeypatch, cli_env, files, tag):
    parts = urlsplit(uri())
    if parts.scheme not in ("bolt", "neo4j"):
        pytest.skip(
            f"cutting the connection needs a plain bolt:// or neo4j:// URI, not {parts.scheme}://"
        )
    proxy = Proxy(parts.hostname, parts.port or 7687).start()
    via = f"bolt://127.0.0.1:{proxy.port}"
    monkeypatch.setitem(driver_module.DRIVER_CONFIG, "max_transaction_retry_time", 2.0)
    monkeypatch.setenv("WOMGRAPH_BATCH_SIZE", "4")
    batches = {"n": 0}
    real = model.event_rows

    def cut_before_third_batch(table):
        batches["n"] += 1
        if batches["n"] == 3:
            proxy.cut()
        return real(table)

    monkeypatch.setattr(model, "event_rows", cut_before_third_batch)
    runner = CliRunner()
    try:
        r = runner.invoke(
            main, ["--store", via, "ingest", str(files["events"]), "--format", "json"]
        )
    finally:
        proxy.cut()
    assert r.exit_code == 1, r.output
    assert r.stderr == (
        f"Error: Lost the connection to Neo4j at {via} while storing events, after 2 batch(es) "
        "(8 records, up to 4 per batch) had been stored: re-run the same ingest to complete it; "
        "records already stored are skipped.\n"
    )
    monkeypatch.setattr(model, "event_rows", real)
    r = runner.invoke(main, ["ingest", str(files["events"]), "--format", "json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert (summary["inserted"], summary["duplicates"]) == (N_EVENTS - 8, 8)
