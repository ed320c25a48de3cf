"""Hostile ids, handles and texts (quotes, backticks, braces, ``$``, Cypher and SQL fragments,
markup) through the embedded store end to end: stored and reported verbatim, never executed.

The Neo4j side of the same data is tests/neo4j/test_neo4j_injection.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from injection_data import HOSTILE, scenario, write

from womgraph.cli import main
from womgraph.store import EmbeddedStore


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inject")
    ev, ac = write(folder)
    store = folder / "store"
    summary = json.loads(run("--store", str(store), "ingest", str(ev), "--accounts", str(ac), "--format", "json").stdout)
    events, accounts = scenario()
    assert (summary["inserted"], summary["rejected"]) == (len(events) + len(accounts), 0)
    return store


def test_values_are_stored_verbatim_and_the_tables_are_intact(store):
    events, accounts = scenario()
    with EmbeddedStore(store, read_only=True) as s:
        assert s.counts() == {"events": len(events), "accounts": len(accounts)}
        got = {r["id"]: r for r in s.events().to_pylist()}
        for e in events:
            for key in ("actor", "target", "text", "post", "parent", "via"):
                assert got[e["id"]][key] == e.get(key), (e["id"], key)
            if "note" in e:
                assert json.loads(got[e["id"]]["extra"]) == {"note": e["note"]}
        profiles = {r["id"]: r for r in s.accounts().to_pylist()}
        for a in accounts:
            assert {k: profiles[a["id"]][k] for k in ("handle", "name")} == {"handle": a["handle"], "name": a["name"]}
        tables = s.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").column(0).to_pylist()
    assert {"events", "accounts", "meta", "ingest_log"} <= set(tables)


def test_interactions_name_the_accounts_verbatim(store):
    rows = [json.loads(x) for x in run("--store", str(store), "-q", "interactions").stdout.splitlines()]
    by_id = {r["id"]: r for r in rows}
    for i, h in enumerate(HOSTILE):
        assert (by_id[f"rec-{i}"]["actor"], by_id[f"rec-{i}"]["target"]) == (h, h + " friend")
        assert by_id[f"buy-{i}"]["class"] == "peer"  # the attribution followed the hostile ids


def test_advocates_and_report_name_them_verbatim(store):
    adv = json.loads(run("--store", str(store), "-q", "advocates", "--format", "json").stdout)
    assert sorted(a["account"] for a in adv) == sorted(HOSTILE)
    assert {a["account"]: a["handle"] for a in adv} == {h: "@" + h for h in HOSTILE}
    assert all(a["conversions_direct"] == 1 for a in adv)
    report = json.loads(run("--store", str(store), "-q", "report", "--format", "json").stdout)
    assert {a["account"] for a in report["top_advocates"]} <= set(HOSTILE)
    assert {a["account"]: a["handle"] for a in report["top_advocates"]} == {
        a["account"]: "@" + a["account"] for a in report["top_advocates"]
    }
    chains = json.loads(run("--store", str(store), "-q", "chains").stdout)
    assert sorted(c["root"] for c in chains) == sorted(HOSTILE)
    for fmt in ("csv", "table", "jsonl"):
        run("--store", str(store), "-q", "advocates", "--format", fmt)


def test_graph_export_and_html_keep_them_as_data(store, tmp_path):
    out = tmp_path / "g.graphml"
    run("--store", str(store), "-q", "export", "graph", "-o", str(out))
    g = nx.read_graphml(out)
    assert set(HOSTILE) <= set(g.nodes)
    assert {g.nodes[h]["handle"] for h in HOSTILE} == {"@" + h for h in HOSTILE}
    page = tmp_path / "r.html"
    run("--store", str(store), "-q", "html", "--no-plots", "-o", str(page))
    text = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "@&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_forget_a_hostile_id_deletes_exactly_its_data(tmp_path):
    ev, ac = write(tmp_path)
    store = str(tmp_path / "store")
    run("--store", store, "-q", "ingest", str(ev), "--accounts", str(ac))
    victim = HOSTILE[0]
    doc = json.loads(run("--store", store, "-q", "forget", victim, "--format", "json").stdout)
    assert doc == [{"account": victim, "events": 2, "accounts": 1, "rejects_files_mentioning": 0}]
    events, accounts = scenario()
    with EmbeddedStore(store, read_only=True) as s:
        assert s.counts() == {"events": len(events) - 2, "accounts": len(accounts) - 1}
        assert victim not in s.events(["actor"]).column("actor").to_pylist()
