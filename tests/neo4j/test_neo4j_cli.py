"""The CLI with a Neo4j store (the fake server): error messages and exit codes, db, export."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from neo4j.exceptions import SessionExpired

from neo4j_data import ACCOUNTS, EVENTS, PASSWORD, URI
from womgraph.cli import main
from womgraph.store.neo4j.cypher import schema_statements

UNREACHABLE = (
    f"Error: Cannot reach Neo4j at {URI}: check NEO4J_URI, or run without --store to use the "
    "local store.\n"
)
BAD_PASSWORD = (
    f"Error: Neo4j at {URI} refused the user name or password of user 'neo4j': check "
    "NEO4J_USERNAME and NEO4J_PASSWORD.\n"
)
NO_DATABASE = (
    f"Error: Neo4j at {URI} has no database 'sales': set NEO4J_DATABASE to an existing database "
    "(Neo4j Community has only 'neo4j'), or create it first.\n"
)


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


def assert_secret_kept(result):
    assert PASSWORD not in result.output and PASSWORD not in result.stderr


# -- the failures a person meets first ---------------------------------------------------------
@pytest.mark.parametrize("args", [["stats"], ["db", "ping"], ["ingest", "x.jsonl"], ["report"]])
def test_unreachable_server(cli_server, args, tmp_path):
    (tmp_path / "x.jsonl").write_text("")
    cli_server.up = False
    result = run(*args)
    assert (result.exit_code, result.stderr, result.stdout) == (1, UNREACHABLE, "")
    assert_secret_kept(result)


def test_wrong_password(cli_server, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong-" + PASSWORD)
    result = run("db", "ping")
    assert (result.exit_code, result.stderr) == (1, BAD_PASSWORD)
    assert_secret_kept(result)
    assert "wrong-" not in result.output


def test_missing_database(cli_server, monkeypatch):
    monkeypatch.setenv("NEO4J_DATABASE", "sales")
    result = run("db", "status")
    assert (result.exit_code, result.stderr) == (1, NO_DATABASE)


def test_store_option_beats_neo4j_uri(cli_server, monkeypatch, tmp_path):
    monkeypatch.setenv("NEO4J_URI", "bolt://elsewhere:7687")
    result = run("--store", URI, "db", "ping", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["uri"] == URI


def test_db_needs_a_server_store(monkeypatch):
    result = run("db", "ping")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: `womgraph db` looks after a Neo4j store, and the store here is the local folder "
        ".womgraph: give --store bolt://HOST:7687 (or neo4j+s://...) or set NEO4J_URI.\n"
    )


# -- losing the server in the middle of an ingest ----------------------------------------------
def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_connection_lost_mid_ingest_then_rerun_completes(cli_server, monkeypatch, tmp_path):
    monkeypatch.setenv("WOMGRAPH_BATCH_SIZE", "3")
    events = _write(tmp_path / "events.jsonl", EVENTS)
    cli_server.go_down_after("event_merge", successes=2)
    result = run("ingest", events, "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Lost the connection to Neo4j at {URI} while storing events, after 2 batch(es) "
        "(6 records, up to 3 per batch) had been stored: re-run the same ingest to complete it; "
        "records already stored are skipped.\n"
    )
    assert_secret_kept(result)
    assert len(cli_server.graph.events) == 6  # whole batches only
    failed = cli_server.transactions[-1]
    assert (
        not failed["committed"] and failed["attempts"] == cli_server.max_attempts
    )  # retried first

    cli_server.up = True
    result = run("ingest", events, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["inserted"], summary["duplicates"], summary["rejected"]) == (
        len(EVENTS) - 6,
        6,
        0,
    )
    assert len(cli_server.graph.events) == len(EVENTS)


def test_session_expired_once_is_retried_by_the_driver(cli_server, tmp_path):
    events = _write(tmp_path / "events.jsonl", EVENTS)
    cli_server.fail("event_merge", lambda: SessionExpired("leader switched"), times=1)
    result = run("ingest", events, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == len(EVENTS)


def test_ingest_twice_exact_counts_and_report(cli_server, tmp_path):
    events = _write(tmp_path / "events.jsonl", EVENTS)
    accounts = _write(tmp_path / "accounts.jsonl", ACCOUNTS)
    first = json.loads(run("ingest", events, "--accounts", accounts, "--format", "json").stdout)
    second = json.loads(run("ingest", events, "--accounts", accounts, "--format", "json").stdout)
    assert (first["inserted"], first["duplicates"]) == (len(EVENTS) + len(ACCOUNTS), 0)
    assert (second["inserted"], second["duplicates"]) == (0, len(EVENTS) + len(ACCOUNTS))
    report = json.loads(run("report", "--format", "json").stdout)
    assert report["counts"] == {"events": len(EVENTS), "accounts": len(ACCOUNTS)}
    assert report["store"] == URI
    assert report["last_ingest"]["duplicates"] == len(EVENTS) + len(ACCOUNTS)


# -- db commands -------------------------------------------------------------------------------
def test_db_ping(cli_server):
    result = run("db", "ping", "--format", "json")
    assert result.exit_code == 0
    (info,) = json.loads(result.stdout)
    assert {k: info[k] for k in ("uri", "database", "user", "version", "edition")} == {
        "uri": URI,
        "database": "neo4j",
        "user": "neo4j",
        "version": "5.26.0",
        "edition": "community",
    }


def test_db_init_is_idempotent(cli_server):
    names = sorted(n for n, _ in schema_statements())
    first = run("db", "init", "--format", "json")
    assert first.exit_code == 0, first.stderr
    rows = json.loads(first.stdout)
    assert sorted(r["name"] for r in rows) == names
    assert {r["action"] for r in rows} == {"created"} and {r["state"] for r in rows} == {"ONLINE"}
    assert first.stderr == f"{len(names)} schema object(s) created, 0 already there.\n"
    second = json.loads(run("db", "init", "--format", "json").stdout)
    assert {r["action"] for r in second} == {"present"}
    assert "await_indexes" in cli_server.names_run()


def test_db_status(cli_server, tmp_path):
    run(
        "ingest",
        _write(tmp_path / "e.jsonl", EVENTS),
        "--accounts",
        _write(tmp_path / "a.jsonl", ACCOUNTS),
    )
    result = run("db", "status", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["counts"] == {
        "events": 13,
        "accounts": 5,
        "account_nodes": 6,
        "content": 6,
        "flags": 0,
    }
    assert doc["schema_complete"] is True
    assert doc["last_ingest"]["inserted"] == 18
    table = run("db", "status")
    assert table.exit_code == 0 and "womgraph_event_id" in table.stdout


# -- export neo4j-import ------------------------------------------------------------------------
def test_export_neo4j_import_from_the_local_store(tmp_path):
    events = _write(tmp_path / "events.jsonl", EVENTS)
    accounts = _write(tmp_path / "accounts.jsonl", ACCOUNTS)
    store = str(tmp_path / "store")
    assert run("--store", store, "ingest", events, "--accounts", accounts).exit_code == 0
    out = tmp_path / "import"
    result = run("--store", store, "export", "neo4j-import", str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    files = {f["file"]: f for f in json.loads(result.stdout)}
    assert {k: v["rows"] for k, v in files.items()} == {
        "accounts.csv": 6,
        "events.csv": 13,
        "content.csv": 6,
        "acted.csv": 13,
        "targets.csv": 6,
        "creates.csv": 7,
        "reacts_to.csv": 3,
        "referred.csv": 2,
        "mentioned.csv": 1,
    }
    assert "neo4j-admin database import full neo4j --overwrite-destination=true" in result.stderr
    assert f"--nodes={out / 'events.csv'}" in result.stderr
    with open(out / "events.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:4] == ["id:ID(Event)", ":LABEL", "ts:datetime", "type"]
    e03 = next(r for r in rows if r["id:ID(Event)"] == "e03")
    assert (e03["ts:datetime"], e03["text"], e03[":LABEL"]) == (
        "2026-03-01T08:00:00.000000Z",
        'Try "this",\nreally',
        "Event",
    )
    with open(out / "accounts.csv", newline="", encoding="utf-8") as fh:
        labels = {r["id:ID(Account)"]: r[":LABEL"] for r in csv.DictReader(fh)}
    assert labels["alice"] == "Account;Profiled" and labels["erin"] == "Account"
    assert (out / "referred.csv").read_text().splitlines()[
        0
    ] == ":START_ID(Account),:END_ID(Account),:TYPE,event,ts:datetime,type"


# -- parity of the analysis through both stores --------------------------------------------------
@pytest.mark.parametrize("command", ["advocates", "chains", "flags", "metrics"])
def test_analysis_json_is_the_same_through_both_stores(cli_server, command, tmp_path):
    events = _write(tmp_path / "events.jsonl", EVENTS)
    accounts = _write(tmp_path / "accounts.jsonl", ACCOUNTS)
    local = ["--store", str(tmp_path / "local")]
    outputs = []
    for store in (local, []):  # [] -> NEO4J_URI, the fake server
        assert run(*store, "ingest", events, "--accounts", accounts).exit_code == 0
        result = run(*store, command, "--format", "json")
        assert result.exit_code == 0, result.stderr
        outputs.append(json.loads(result.stdout))
    assert outputs[1] == outputs[0]
