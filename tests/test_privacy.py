"""Privacy with the embedded store: ``--redact`` pseudonyms on every command that writes data for
other people, the key they come from, ``womgraph forget`` (the data leaves the file on disk too),
and secrets that never reach output, logs or files (a real driver that cannot connect).

The Neo4j side (the key in the graph, forget, secrets with a server that answers) is
tests/neo4j/test_neo4j_privacy.py.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from womgraph.cli import main
from womgraph.render.redact import KEY_FILE, PREFIX, Redactor
from womgraph.store import EmbeddedStore

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def personal() -> set[str]:
    """Every account id, handle and name of the tiny scenario, and every identity hash."""
    with open(TINY / "accounts.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = ("id", "handle", "name", "email_hash", "device_hash", "payment_hash", "ip_hash")
    found = {r[k] for r in rows for k in keys if r.get(k)}
    for line in (TINY / "events.jsonl").read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        found |= {e[k] for k in ("actor", "target") if e.get(k)}
    return found


PERSONAL = personal()


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    store = str(tmp_path_factory.mktemp("tiny") / "store")
    run("--store", store, "-q", "ingest", str(TINY / "events.jsonl"), "--accounts", str(TINY / "accounts.csv"))
    return store


# -- --redact ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [["advocates"], ["chains"], ["flags"], ["communities"], ["interactions"]],
)
def test_redacted_json_names_nobody(tiny, command):
    plain = json.loads(run("--store", tiny, "-q", *command, "--format", "json").stdout)
    redacted = json.loads(run("--store", tiny, "-q", *command, "--format", "json", "--redact").stdout)
    assert PERSONAL & set(strings(plain))  # the plain output does name people
    assert not PERSONAL & set(strings(redacted))
    assert len(redacted) == len(plain)
    again = json.loads(run("--store", tiny, "-q", *command, "--format", "json", "--redact").stdout)
    assert again == redacted  # stable: same input, same pseudonyms


def test_pseudonyms_are_the_documented_hmac_of_the_id(tiny):
    key_file = Path(tiny) / KEY_FILE
    run("--store", tiny, "-q", "advocates", "--redact")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    r = Redactor(bytes.fromhex(key_file.read_text().strip()))
    plain = json.loads(run("--store", tiny, "-q", "advocates", "--format", "json").stdout)
    redacted = json.loads(run("--store", tiny, "-q", "advocates", "--format", "json", "--redact").stdout)
    for p, q in zip(plain, redacted):
        assert q["account"] == r.account(p["account"]) and q["account"].startswith(PREFIX)
        assert q["handle"] == (r.account(p["account"]) if p["handle"] else None)
        # Only names change: ranks, scores, evidence are the same.
        same = {k: v for k, v in p.items() if k not in ("account", "handle")}
        assert same == {k: v for k, v in q.items() if k not in ("account", "handle")}


def test_another_store_gives_other_pseudonyms(tiny, tmp_path):
    other = str(tmp_path / "other")
    run("--store", other, "-q", "ingest", str(TINY / "events.jsonl"), "--accounts", str(TINY / "accounts.csv"))
    a = json.loads(run("--store", tiny, "-q", "advocates", "--format", "json", "--redact").stdout)
    b = json.loads(run("--store", other, "-q", "advocates", "--format", "json", "--redact").stdout)
    assert [x["score"] for x in a] == [x["score"] for x in b]
    assert not {x["account"] for x in a} & {x["account"] for x in b}


def test_redacted_files_name_nobody_and_agree_with_each_other(tiny, tmp_path):
    adv = json.loads(run("--store", tiny, "-q", "advocates", "--format", "json", "--redact").stdout)
    graph, page, imp = tmp_path / "g.graphml", tmp_path / "r.html", tmp_path / "import"
    run("--store", tiny, "-q", "export", "graph", "-o", str(graph), "--redact")
    run("--store", tiny, "-q", "html", "--no-plots", "-o", str(page), "--redact")
    run("--store", tiny, "-q", "export", "neo4j-import", str(imp), "--redact")
    run("--store", tiny, "-q", "plot", "chain", "--root", "ana", "-o", str(tmp_path / "c.svg"), "--redact")
    g = nx.read_graphml(graph)
    assert not PERSONAL & set(strings([list(g.nodes), [dict(d) for _, d in g.nodes(data=True)]]))
    assert {a["account"] for a in adv} <= set(g.nodes)  # the same pseudonyms in every file
    text = page.read_text(encoding="utf-8") + (tmp_path / "c.svg").read_text(encoding="utf-8")
    for p in PERSONAL:
        if p.startswith("@") or " " in p or len(p) >= 5:  # handles, names, longer ids: unambiguous
            assert p not in text, p
    assert adv[0]["account"] in text
    with open(imp / "accounts.csv", newline="", encoding="utf-8") as fh:
        accounts = list(csv.DictReader(fh))
    with open(imp / "events.csv", newline="", encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    cells = {v for row in accounts + events for v in row.values()}
    assert not PERSONAL & cells
    assert all(r["text"] == "" and r["extra"] == "" for r in events)
    ids = {r["id:ID(Account)"] for r in accounts}
    with open(imp / "acted.csv", newline="", encoding="utf-8") as fh:
        assert {r[":START_ID(Account)"] for r in csv.DictReader(fh)} <= ids


def test_a_damaged_key_is_a_clear_error(tmp_path):
    store = str(tmp_path / "s")
    run("--store", store, "-q", "ingest", str(TINY / "events.jsonl"))
    (Path(store) / KEY_FILE).write_text("not hex\n")
    r = run("--store", store, "-q", "advocates", "--redact", code=1)
    assert r.stderr == (
        f"Error: The redaction key {Path(store) / KEY_FILE} is unreadable or damaged: delete it to "
        "make a new one (pseudonyms will then differ from earlier exports).\n"
    )


# -- forget --------------------------------------------------------------------------------------
def test_forget_deletes_the_account_and_leaves_no_trace_in_the_file(tmp_path):
    store = tmp_path / "s"
    events = tmp_path / "e.jsonl"
    lines = [json.dumps({"id": f"e{i}", "ts": "2026-03-01T12:00:00Z", "type": "post",
                         "actor": "zed-unique-person" if i % 10 == 0 else f"u{i}",
                         "text": "written by zed-unique-person" if i % 10 == 0 else "hi"})
             for i in range(3000)]
    events.write_text("\n".join(lines + ['{"id": "bad", "actor": "zed-unique-person"}']) + "\n")
    accounts = tmp_path / "a.jsonl"
    accounts.write_text(json.dumps({"id": "zed-unique-person", "handle": "@zed-handle-x", "name": "Zed Q"}) + "\n")
    run("--store", str(store), "-q", "ingest", str(events), "--accounts", str(accounts), code=3)
    run("--store", str(store), "-q", "analyse")
    run("--store", str(store), "-q", "advocates")  # whatever commands keep beside the data
    # in the database file or its write-ahead log (a small write is not checkpointed)
    kept = b"".join(p.read_bytes() for p in store.glob("womgraph.duckdb*"))
    assert b"zed-unique-person" in kept
    r = run("--store", str(store), "forget", "zed-unique-person", "--format", "json")
    assert json.loads(r.stdout) == [
        {"account": "zed-unique-person", "events": 300, "accounts": 1, "rejects_files_mentioning": 1}
    ]
    rejects = next((store / "rejects").iterdir())
    assert r.stderr == (
        "Forgot 'zed-unique-person': 1 profile(s) and 300 event(s) deleted from "
        f"{store}; analysis results were cleared (run `womgraph analyse` again if you keep them "
        "in the store).\nThe rejects files keep refused records as they were written, and these "
        f"mention 'zed-unique-person'; delete or edit them: {rejects} (1 line(s))\n"
    )
    for path in store.rglob("*"):  # the database file, and anything kept beside it
        if path.is_file() and path.parent.name != "rejects":
            data = path.read_bytes()
            assert b"zed-unique-person" not in data and b"zed-handle-x" not in data, path
    with EmbeddedStore(store, read_only=True) as s:
        assert s.counts() == {"events": 2700, "accounts": 0}
        assert s.ingest_log(1)[0]["inserted"] == 3001  # the rest of the store is as it was
    run("--store", str(store), "-q", "report")


def test_forget_an_unknown_account_exits_1_and_changes_nothing(tmp_path):
    store = str(tmp_path / "s")
    run("--store", store, "-q", "ingest", str(TINY / "events.jsonl"))
    run("--store", store, "-q", "analyse")
    r = run("--store", store, "forget", "Ana", code=1)
    assert (r.stdout, r.stderr) == ("", (
        f"Error: Nothing to forget: the store at {store} holds no account 'Ana' and no event naming "
        "it (ids are matched exactly: case and spaces count).\n"
    ))
    with EmbeddedStore(store, read_only=True) as s:
        tables = set(s.sql("SELECT table_name FROM information_schema.tables").column(0).to_pylist())
    assert "result_advocates" in tables  # a typo does not cost the written-back results


# -- secrets ---------------------------------------------------------------------------------------
SECRET = "Zq9-very-recognisable-s3cret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_password_never_shows_when_the_server_is_not_there(tmp_path, monkeypatch, caplog):
    """A real driver, a port nobody listens on: every command fails clearly, and the password
    (from the environment, a .env file, or inside the URI) is in no output, no log record and
    no file. One run is a real process, to see its whole stderr."""
    import logging

    caplog.set_level(logging.DEBUG)
    uri = f"bolt://127.0.0.1:{_free_port()}"
    (tmp_path / ".env").write_text(f"NEO4J_PASSWORD={SECRET}\n")
    events = tmp_path / "e.jsonl"
    events.write_text('{"id": "e1"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "WOMGRAPH_"))}
    env.update(NEO4J_URI=uri, WOMGRAPH_REJECTS=str(tmp_path / "rej"))
    proc = subprocess.run([sys.executable, "-c", "from womgraph.cli import main; main()", "stats"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == (
        f"Error: Cannot reach Neo4j at {uri}: check NEO4J_URI, or run without --store to use the "
        "local store.\n"
    )
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET)
    monkeypatch.setenv("WOMGRAPH_REJECTS", str(tmp_path / "rej"))
    unreachable = (1, f"Error: Cannot reach Neo4j at {uri}: ")
    commands = [
        (["report", "--format", "json"], unreachable), (["ingest", str(events)], unreachable),
        (["db", "ping"], unreachable), (["advocates", "--redact"], unreachable),
        (["forget", "ann"], unreachable),
        # The driver takes no credentials from the URI, and its own message would print them.
        (["--store", f"bolt://neo4j:{SECRET}@127.0.0.1:7687", "db", "status"],
         (2, ("Error: The Neo4j URI bolt://127.0.0.1:7687 is not usable (it holds a user name "
              "or password, which the driver does not take from the URI: put them in "
              "NEO4J_USERNAME and NEO4J_PASSWORD)"))),
    ]
    for args, (code, start) in commands:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == code, (args, result.output)
        assert result.stderr.startswith(start), result.stderr
        assert SECRET not in result.output, args
    assert not [r for r in caplog.records if SECRET in r.getMessage()]
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != ".env":
            assert SECRET not in path.read_text(errors="replace"), path


def test_forget_without_a_store_makes_none(tmp_path):
    r = run("--store", str(tmp_path / "none"), "forget", "ann", code=1)
    assert r.stderr.startswith(f"Error: No womgraph store at {tmp_path / 'none'}: ")
    assert not (tmp_path / "none").exists()


def test_redacted_report_names_nobody_and_keeps_every_figure(tiny):
    plain = json.loads(run("--store", tiny, "-q", "report", "--format", "json").stdout)
    redacted = json.loads(run("--store", tiny, "-q", "report", "--format", "json", "--redact").stdout)
    assert PERSONAL & set(strings(plain))
    assert not PERSONAL & set(strings(redacted))
    assert redacted["scorecard"] == plain["scorecard"] and redacted["summary"] == plain["summary"]
    assert [a["score"] for a in redacted["top_advocates"]] == [a["score"] for a in plain["top_advocates"]]
    assert all(a["account"].startswith(PREFIX) for a in redacted["top_advocates"])
    adv = json.loads(run("--store", tiny, "-q", "advocates", "--format", "json", "--redact").stdout)
    assert [a["account"] for a in redacted["top_advocates"]] == [a["account"] for a in adv[:len(redacted["top_advocates"])]]
