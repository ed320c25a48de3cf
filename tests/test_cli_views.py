"""``womgraph plot``, ``womgraph html`` and ``womgraph export graph``: exit codes, messages, files,
and the attribute schema of the exported graph read back with networkx."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import matplotlib
import networkx as nx
import pytest
from click.testing import CliRunner

from womgraph.analyse.pipeline import analyse_store
from womgraph.cli import main, views
from womgraph.ingest import ingest
from womgraph.render.graph_export import EDGE_ATTRIBUTES, NODE_ATTRIBUTES, account_graph
from womgraph.render.plots import PLOT_KINDS
from womgraph.store import EmbeddedStore

matplotlib.use("Agg")  # plots render with Agg (they never touch pyplot's state)

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"

if "plot" not in main.commands:  # until womgraph.cli registers the views itself
    views.register(main)

#: The attribute schema of the exported graph: (for, name) -> GraphML type.
GRAPHML_KEYS = {
    ("graph", "name"): "string",
    ("node", "label"): "string",
    ("node", "handle"): "string",
    ("node", "role"): "string",
    ("node", "followers"): "long",
    ("node", "is_advocate"): "boolean",
    ("node", "advocate_rank"): "long",
    ("node", "advocate_score"): "double",
    ("node", "conversions"): "long",
    ("node", "people_reached"): "long",
    ("node", "community"): "long",
    ("node", "flagged"): "boolean",
    ("node", "flag_rules"): "string",
    ("node", "adopted"): "boolean",
    ("node", "adoption_cause"): "string",
    ("edge", "weight"): "long",
    ("edge", "class"): "string",
    ("edge", "peer"): "long",
    ("edge", "broadcast"): "long",
    ("edge", "incentivized"): "long",
    ("edge", "suspicious"): "long",
    ("edge", "conversions"): "long",
    ("edge", "first"): "string",
    ("edge", "last"): "string",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny-views") / "store"
    with EmbeddedStore(path) as s:
        ingest(s, [TINY / "events.jsonl"], [TINY / "accounts.csv"])
    return path


def run(store: Path, *args: str):
    return CliRunner().invoke(main, ["--store", str(store), *args], catch_exceptions=False)


# --- plot ------------------------------------------------------------------------------------


def test_cli_plot_kinds_are_the_library_kinds():
    assert sorted(views.PLOT_KINDS) == sorted(PLOT_KINDS)


@pytest.mark.parametrize("kind", ["wom-vs-broadcast", "followers-vs-influence"])
def test_plot_writes_png_and_svg(store, tmp_path, kind):
    png, svg = tmp_path / f"{kind}.png", tmp_path / f"{kind}.svg"
    result = run(store, "plot", kind, "-o", str(png), "--dpi", "50")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Wrote {kind} to {png}"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(png) as im:
        assert im.size[0] > 300 and im.size[1] > 150
    result = run(store, "-q", "plot", kind, "-o", str(svg))
    assert result.exit_code == 0 and result.stderr == ""
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_plot_chain_and_network_options(store, tmp_path):
    out = tmp_path / "chain.svg"
    assert run(store, "-q", "plot", "chain", "--root", "sol", "-o", str(out)).exit_code == 0
    assert out.stat().st_size > 1000
    out = tmp_path / "net.png"
    assert (
        run(
            store, "-q", "plot", "advocate-network", "--top", "3", "--seed", "1", "-o", str(out)
        ).exit_code
        == 0
    )
    assert out.stat().st_size > 1000


def test_plot_unknown_root_is_an_error_naming_it(store, tmp_path):
    result = run(store, "-q", "plot", "chain", "--root", "zzz", "-o", str(tmp_path / "c.png"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: No recommendation chain contains 'zzz': pick a root from `womgraph chains` "
        "(the largest chain starts at 'ana').\n"
    )
    assert not (tmp_path / "c.png").exists()


def test_plot_usage_errors(store, tmp_path):
    result = run(store, "plot", "cascades", "-o", str(tmp_path / "c.txt"))
    assert result.exit_code == 2
    assert (
        f"Error: Cannot tell the image format from '{tmp_path / 'c.txt'}': name it .png, .svg or .pdf."
        in result.stderr
    )
    result = run(store, "plot", "pie-chart", "-o", str(tmp_path / "c.png"))
    assert result.exit_code == 2 and "'pie-chart' is not one of" in result.stderr
    result = run(store, "plot", "cascades")
    assert result.exit_code == 2 and "Missing option '-o' / '--output'" in result.stderr


# --- html ------------------------------------------------------------------------------------


def test_html_writes_a_self_contained_report(store, tmp_path):
    out = tmp_path / "report.html"
    result = run(store, "html", "-o", str(out), "--network-top", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr.splitlines()[-1] == f"Wrote the report to {out}"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    assert text.count("<figure id='plot-") == len(PLOT_KINDS)
    assert "<span class='count'>9 ranked by conversions caused" in text


def test_html_without_plots_and_with_fewer_advocates(store, tmp_path):
    out = tmp_path / "small.html"
    assert run(store, "-q", "html", "-o", str(out), "--no-plots", "--top", "3").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<figure" not in text and "<section id='plots'>" not in text
    advocates = text[text.index("<section id='advocates'>") : text.index("<section id='chains'>")]
    assert advocates.count("<tr>") == 1 + 3
    assert "the first 3 shown" in advocates


# --- export graph ----------------------------------------------------------------------------


def test_export_graph_is_in_the_export_group():
    group = main.commands["export"]
    assert isinstance(group, click.Group) and "graph" in group.commands


def test_register_attaches_to_an_existing_export_group_or_makes_one():
    fresh = click.Group("fresh")
    views.register(fresh)
    assert {"plot", "html", "export"} <= set(fresh.commands) and "graph" in fresh.commands[
        "export"
    ].commands
    other = click.Group("other")
    mine = click.Group("export")
    other.add_command(mine)
    views.register(other)
    assert other.commands["export"] is mine and "graph" in mine.commands


def _expected(store: Path):
    with EmbeddedStore(store, read_only=True) as s:
        a = analyse_store(s)
    rows = [
        r
        for r in a.classes.to_pylist()
        if r["class"] in ("peer", "broadcast", "incentivized", "suspicious")
        and r["target"]
        and r["actor"]
        and r["actor"] != r["target"]
    ]
    return a, rows


def test_export_graphml_schema_and_contents(store, tmp_path):
    out = tmp_path / "wom.graphml"
    result = run(store, "export", "graph", "--format", "graphml", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (
        result.stderr.splitlines()[-1]
        == f"Wrote 30 accounts and 32 interaction edges as graphml to {out}"
    )
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {
        (k.get("for"), k.get("attr.name")): k.get("attr.type")
        for k in ET.parse(out).getroot().findall("g:key", ns)
    }
    assert keys == GRAPHML_KEYS
    assert {n for f, n in keys if f == "node"} == set(NODE_ATTRIBUTES)
    assert {n for f, n in keys if f == "edge"} == set(EDGE_ATTRIBUTES)

    g = nx.read_graphml(out)
    _, rows = _expected(store)
    assert g.is_directed()
    assert g.number_of_nodes() == 30  # every account profile; every actor and target has one
    assert g.number_of_edges() == len({(r["actor"], r["target"]) for r in rows}) == 32
    assert sum(d["weight"] for _, _, d in g.edges(data=True)) == len(rows)
    for klass in ("peer", "broadcast", "incentivized", "suspicious"):
        assert sum(d[klass] for _, _, d in g.edges(data=True)) == sum(
            r["class"] == klass for r in rows
        ), klass
    ana = g.nodes["ana"]
    assert (
        ana["label"],
        ana["role"],
        ana["followers"],
        ana["advocate_rank"],
        ana["is_advocate"],
        ana["community"],
        ana["flagged"],
    ) == ("@ana.makes", "customer", 140, 1, True, 0, False)
    assert ana["advocate_score"] == pytest.approx(4.6914, abs=1e-4)
    assert g.nodes["zoe"]["followers"] == 52000 and g.nodes["zoe"]["advocate_rank"] == 0
    assert g.nodes["bot77"]["flagged"] is True and g.nodes["bot77"]["flag_rules"] == "farm_profile"
    assert (
        g.nodes["nova"]["flagged"] is False
        and g.nodes["nova"]["flag_rules"] == "undisclosed_sponsorship"
    )
    assert g.nodes["glowbrew"]["role"] == "brand" and g.nodes["glowbrew"]["community"] == -1
    assert dict(g.edges["ana", "ben"]) == {
        "weight": 1,
        "class": "peer",
        "peer": 1,
        "broadcast": 0,
        "incentivized": 0,
        "suspicious": 0,
        "conversions": 1,
        "first": "2026-03-06T17:00:00Z",
        "last": "2026-03-06T17:00:00Z",
    }
    converted = {(u, v) for u, v, d in g.edges(data=True) if d["conversions"]}
    assert {
        ("ana", "ben"),
        ("ana", "cleo"),
        ("ana", "dev"),
        ("ana", "gus"),
        ("pia", "quin"),
        ("quin", "rosa"),
        ("rosa", "sol"),
        ("noah", "mia"),
    } <= converted
    assert g.edges["bot77", "glowbrew"]["class"] == "suspicious"


def test_export_gexf_from_the_file_name(store, tmp_path):
    out = tmp_path / "wom.gexf"
    result = run(store, "-q", "export", "graph", "-o", str(out))
    assert result.exit_code == 0 and result.stderr == ""
    g = nx.read_gexf(out)
    assert (g.number_of_nodes(), g.number_of_edges()) == (30, 32)
    ana = g.nodes["ana"]
    assert ana["label"] == "@ana.makes" and ana["advocate_rank"] == 1 and ana["community"] == 0
    assert g.edges["ana", "ben"]["class"] == "peer" and g.edges["ana", "ben"]["weight"] == 1.0


def test_export_graph_to_stdout(store):
    result = run(store, "-q", "export", "graph", "--format", "graphml", "-o", "-")
    assert result.exit_code == 0
    g = nx.read_graphml(io.BytesIO(result.stdout_bytes))
    assert g.number_of_nodes() == 30


def test_export_graph_usage_errors(store, tmp_path):
    result = run(store, "export", "graph", "-o", "-")
    assert result.exit_code == 2
    assert "Error: Writing to stdout needs --format graphml or --format gexf." in result.stderr
    result = run(store, "export", "graph", "-o", str(tmp_path / "g.xml"))
    assert result.exit_code == 2
    assert (
        f"Error: Cannot tell the graph format from '{tmp_path / 'g.xml'}': give --format graphml or "
        f"--format gexf, or name the file .graphml or .gexf."
    ) in result.stderr
    result = run(store, "export", "graph", "--format", "dot", "-o", str(tmp_path / "g.dot"))
    assert result.exit_code == 2 and "'dot' is not one of 'graphml', 'gexf'" in result.stderr


def test_account_graph_of_an_empty_analysis_has_the_profiles_only(store):
    from womgraph.analyse.pipeline import analyse
    from womgraph.schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA

    with EmbeddedStore(store, read_only=True) as s:
        accounts = s.accounts()
    g = account_graph(analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table()), accounts)
    assert (g.number_of_nodes(), g.number_of_edges()) == (30, 0)
    assert all(set(d) == set(NODE_ATTRIBUTES) for _, d in g.nodes(data=True))
