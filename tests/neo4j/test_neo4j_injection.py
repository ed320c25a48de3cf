"""Hostile ids, handles and texts through the Neo4j store on the recording fake: they travel only
as parameters (the text of every statement sent is a file of cypher/, none holds them), and they
come back verbatim: the same projection as the embedded store, the same analysis through the
CLI, and forget and write-back find them by value.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from injection_data import FRAGMENTS, HOSTILE, write

from womgraph.analyse.pipeline import analyse_store
from womgraph.cli import main
from womgraph.ingest import ingest
from womgraph.store import EmbeddedStore
from womgraph.store.neo4j.cypher import load


def _walk(value):
    """Every string inside a parameter value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def test_hostile_values_travel_only_as_parameters(make_store, server, tmp_path):
    ev, ac = write(tmp_path)
    neo = make_store(batch_size=7)
    summary = ingest(neo, [ev], [ac])
    assert summary.rejected == 0
    neo.write_results(analyse_store(neo).write_back_tables())
    assert neo.forget(HOSTILE[1])["events"] == 2
    sent = [load(c.name).text for c in server.calls]  # the fake refuses any other text
    for text in set(sent):
        for bad in FRAGMENTS + HOSTILE:
            assert bad not in text, (bad, text[:60])
    carried = {s for c in server.calls for s in _walk(c.params)}
    for h in HOSTILE:
        assert h in carried  # ids, texts and handles were sent, as parameter values
        assert "@" + h in carried
    assert HOSTILE[1] not in server.graph.accounts
    assert HOSTILE[0] in server.graph.accounts and len(server.graph.events) == 4 * len(HOSTILE) - 2


def test_projection_and_analysis_equal_the_embedded_store(make_store, tmp_path):
    ev, ac = write(tmp_path)
    neo = make_store(batch_size=5)
    with EmbeddedStore(tmp_path / "emb") as emb:
        for s in (emb, neo):
            ingest(s, [ev], [ac])
        assert neo.events().to_pylist() == emb.events().to_pylist()
        assert neo.accounts().to_pylist() == emb.accounts().to_pylist()
        a, b = analyse_store(neo), analyse_store(emb)
    assert a.advocates.to_pylist() == b.advocates.to_pylist()
    assert sorted(a.advocates.column("account").to_pylist()) == sorted(HOSTILE)


def test_cli_reports_them_verbatim(cli_server, tmp_path):
    ev, ac = write(tmp_path)
    runner = CliRunner()
    r = runner.invoke(main, ["ingest", str(ev), "--accounts", str(ac)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["advocates", "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    adv = json.loads(r.stdout)
    assert {a["account"]: a["handle"] for a in adv} == {h: "@" + h for h in HOSTILE}
