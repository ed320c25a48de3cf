"""Privacy with the Neo4j store (the recording fake): the --redact key kept in the graph, forget
through the CLI, and a password that appears in no output, file, log entry or statement."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from neo4j_data import ACCOUNTS, EVENTS, PASSWORD, URI, write_jsonl

from womgraph.cli import main
from womgraph.render.redact import PREFIX, Redactor


def run(*args, code=0):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def loaded(cli_server, tmp_path):
    run("ingest", str(write_jsonl(tmp_path / "e.jsonl", EVENTS)),
        "--accounts", str(write_jsonl(tmp_path / "a.jsonl", ACCOUNTS)))
    return cli_server


def test_redaction_key_lives_in_the_graph_and_pseudonyms_are_stable(loaded, tmp_path):
    plain = json.loads(run("advocates", "--format", "json").stdout)
    first = json.loads(run("advocates", "--format", "json", "--redact").stdout)
    second = json.loads(run("advocates", "--format", "json", "--redact").stdout)
    assert first == second and len(first) == len(plain) > 0
    (key,) = loaded.graph.keys.values()
    r = Redactor(bytes.fromhex(key))
    assert [a["account"] for a in first] == [r.account(a["account"]) for a in plain]
    assert all(a["account"].startswith(PREFIX) for a in first)
    keys = [c for c in loaded.calls if c.name == "redaction_key"]
    assert len({c.params["value"] for c in keys}) == 2  # each run offered a new key ...
    assert len(loaded.graph.keys) == 1  # ... and the first one stayed
    # The local store of the same data has its own key: other pseudonyms.
    local = str(tmp_path / "local")
    run("--store", local, "ingest", str(tmp_path / "e.jsonl"), "--accounts", str(tmp_path / "a.jsonl"))
    other = json.loads(run("--store", local, "advocates", "--format", "json", "--redact").stdout)
    assert [a["score"] for a in other] == [a["score"] for a in first]
    assert not {a["account"] for a in other} & {a["account"] for a in first}


def test_forget_through_the_cli(loaded):
    run("analyse")
    assert loaded.graph.flags or any("advocate_rank" in a["props"] for a in loaded.graph.accounts.values())
    r = run("forget", "nobody-here", code=1)
    assert r.stderr == (
        f"Error: Nothing to forget: the store at {URI} holds no account 'nobody-here' and no event "
        "naming it (ids are matched exactly: case and spaces count).\n"
    )
    assert any("advocate_rank" in a["props"] for a in loaded.graph.accounts.values())  # kept
    doc = json.loads(run("forget", "bob", "--format", "json").stdout)
    assert doc == [{"account": "bob", "events": 6, "accounts": 1, "rejects_files_mentioning": 0}]
    assert "bob" not in loaded.graph.accounts
    assert not any("advocate_rank" in a["props"] for a in loaded.graph.accounts.values())


def test_the_password_appears_nowhere(loaded, tmp_path, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("WOMGRAPH_REJECTS", str(tmp_path / "rejects"))
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "x", "note": "not an event"}])
    outputs = [
        run("ingest", str(bad), "--format", "json", code=3),
        run("report", "--format", "json"),
        run("db", "status", "--format", "json"),
        run("db", "ping"),
        run("advocates", "--redact"),
        run("html", "--no-plots", "-o", str(tmp_path / "r.html")),
        run("export", "graph", "-o", str(tmp_path / "g.graphml")),
        run("analyse"),
        run("forget", "alice"),
    ]
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong")
    outputs.append(run("stats", code=1))
    monkeypatch.setenv("NEO4J_PASSWORD", PASSWORD)
    loaded.up = False
    outputs.append(run("ingest", str(bad), code=1))
    for result in outputs:
        assert PASSWORD not in result.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(errors="replace"), path
    assert not [r for r in caplog.records if PASSWORD in r.getMessage()]
    assert all(PASSWORD not in json.dumps(c.params, default=str) for c in loaded.calls)
    assert all(PASSWORD not in summary for _, summary in loaded.graph.logs)
