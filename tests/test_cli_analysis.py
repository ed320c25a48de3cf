"""The analysis commands through the CLI: schemas of every format, filters, exit codes, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from womgraph.cli import main

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"

ADVOCATE_COLUMNS = [
    "account", "rank", "score", "handle", "followers", "conversions_direct", "conversions_chain",
    "conversions_total", "people_reached", "bought_before", "first_advocacy", "last_advocacy",
    "channel", "example_events", "reason",
]
CHAIN_KEYS = {
    "root", "size", "depth", "max_breadth", "structural_virality", "conversions", "root_adopted",
    "conversions_per_generation", "people_per_generation", "median_hop_hours", "first_ts", "last_ts",
    "edges", "hop_hours",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store"
    r = CliRunner().invoke(main, ["--store", str(path), "-q", "ingest", str(TINY / "events.jsonl"),
                                  "--accounts", str(TINY / "accounts.csv")])
    assert r.exit_code == 0, r.output
    return str(path)


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_advocates_csv_schema_and_order(store):
    r = run("--store", store, "advocates", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0].keys()) == ADVOCATE_COLUMNS
    assert [row["account"] for row in rows[:5]] == ["ana", "pia", "quin", "rosa", "noah"]
    assert rows[0]["reason"] == "converted 4 people directly; reached 4 people; bought before recommending"
    assert json.loads(rows[0]["example_events"])  # a JSON list of event ids
    assert [int(row["rank"]) for row in rows] == list(range(1, len(rows) + 1))


def test_advocates_filters_and_output_file(store, tmp_path):
    out = tmp_path / "outreach.csv"
    r = run("--store", store, "advocates", "--top", "2", "--format", "csv", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert [row["account"] for row in csv.DictReader(out.open())] == ["ana", "pia"]
    r = run("--store", store, "advocates", "--min-conversions", "2", "--format", "json")
    assert [a["account"] for a in json.loads(r.stdout)] == ["ana", "pia", "quin"]
    r = run("--store", store, "advocates", "--since", "2026-04-20", "--format", "json")
    assert json.loads(r.stdout) == []


def test_chains_json_schema(store):
    r = run("--store", store, "chains", "--format", "json")
    assert r.exit_code == 0
    chains = json.loads(r.stdout)
    assert [c["root"] for c in chains] == ["ana", "pia", "noah"]
    assert all(set(c) == CHAIN_KEYS for c in chains)
    assert chains[1]["edges"] == [["pia", "quin"], ["quin", "rosa"], ["rosa", "sol"]]
    r = run("--store", store, "chains", "--top", "1", "--min-size", "5", "--format", "jsonl")
    assert [json.loads(line)["root"] for line in r.stdout.splitlines()] == ["ana"]


def test_interactions_jsonl_one_object_per_event(store):
    r = run("--store", store, "interactions", "--format", "jsonl")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 91 and len({x["id"] for x in rows}) == 91
    assert {"id", "class", "reason"} <= set(rows[0])
    r = run("--store", store, "interactions", "--class", "incentivized", "--format", "csv")
    assert len(r.stdout.splitlines()) == 1 + 10


def test_metrics_formats(store, tmp_path):
    r = run("--store", store, "metrics", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["scorecard"]["wom_purity"] == 0.5 and doc["period"] == "week"
    assert {"vanity", "say_do", "repeat_purchase", "k_factor_per_generation"} <= set(doc["scorecard"])
    r = run("--store", store, "metrics", "--format", "csv", "--period", "month")
    header = r.stdout.splitlines()[0].split(",")
    assert header[:3] == ["month", "peer", "broadcast"] and "wom_purity" in header
    out = tmp_path / "m.parquet"
    r = run("--store", store, "metrics", "--format", "parquet", "-o", str(out))
    assert r.exit_code == 0
    t = pq.read_table(out)
    assert t.column_names[0] == "week"
    assert json.loads(t.schema.metadata[b"womgraph.scorecard"])["adopters"] == 16


def test_metrics_parquet_without_output_is_a_usage_error(store):
    r = run("--store", store, "metrics", "--format", "parquet")
    assert r.exit_code == 2
    assert "Error: --format parquet needs -o FILE.parquet (it is not text)." in r.stderr


def test_flags_json(store):
    r = run("--store", store, "flags", "--format", "json")
    flags = json.loads(r.stdout)
    assert {f["rule"] for f in flags} == {"farm_profile", "undisclosed_sponsorship"}
    bot = next(f for f in flags if f["rule"] == "farm_profile")
    assert bot["accounts"] == ["bot77"] and bot["kind"] == "bought_engagement" and bot["affects_class"]
    assert set(bot) == {"flag_id", "kind", "rule", "severity", "accounts", "evidence", "affects_class"}
    assert bot["evidence"]["values"]["following"] == 2000
    r = run("--store", store, "flags", "--kind", "referral_fraud", "--format", "json")
    assert json.loads(r.stdout) == []


def test_report_formats(store):
    r = run("--store", store, "report")
    assert r.exit_code == 0
    for text in ("womgraph advocacy report", "what matters", "vanity", "top advocates", "ana",
                 "longest recommendation chains", "flags to review"):
        assert text in r.stdout
    doc = json.loads(run("--store", store, "report", "--format", "json").stdout)
    assert doc["scorecard"]["wom_purity"] == 0.5
    assert doc["top_advocates"][0]["account"] == "ana"
    assert doc["summary"]["per_type"]["like"] == 24


def test_commands_on_a_missing_store_fail_clearly(tmp_path):
    for cmd in ("report", "advocates", "chains", "metrics", "flags", "interactions", "stats"):
        r = run("--store", str(tmp_path / "nothing"), cmd)
        assert r.exit_code == 1, cmd
        assert r.stderr == (
            f"Error: No womgraph store at {tmp_path / 'nothing'}: run `womgraph ingest FILE` or "
            "`womgraph demo` first, or point --store / WOMGRAPH_STORE at an existing store.\n"
        )
        assert r.stdout == ""


def test_notes_go_to_stderr_and_quiet_silences_them(store):
    r = run("--store", store, "advocates", "--format", "json")
    assert r.stderr.startswith("Analysing 91 events in")
    json.loads(r.stdout)
    r = run("--store", store, "-q", "advocates", "--format", "json")
    assert r.stderr == ""


def test_analyse_writes_results_back_into_the_store(store):
    r = run("--store", store, "-q", "analyse", "--format", "json")
    assert r.exit_code == 0, r.output
    written = {x["result"]: x["rows"] for x in json.loads(r.stdout)}
    assert written == {"classes": 91, "advocates": 9, "communities": written["communities"],
                       "flags": 2, "chains": 8}
    from womgraph.store import EmbeddedStore

    with EmbeddedStore(store, read_only=True) as s:
        top = s.sql("SELECT account, rank FROM result_advocates ORDER BY rank LIMIT 2").to_pylist()
        assert top == [{"account": "ana", "rank": 1}, {"account": "pia", "rank": 2}]
        bot = s.sql("SELECT class FROM result_classes WHERE id = 'e003'").to_pylist()
        assert bot == [{"class": "suspicious"}]
