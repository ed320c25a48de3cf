"""Every plot, drawn with Agg from datasets/tiny and from hand-made tables, checked for what it
shows: titles, axis labels, legends, and as many points, bars, lines and nodes as the data has."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pyarrow as pa
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from womgraph.analyse.pipeline import analyse, analyse_store
from womgraph.errors import AnalysisError
from womgraph.ingest import ingest
from womgraph.render.plots import (
    PLOT_KINDS,
    advocate_network,
    advocate_subgraph,
    cascade_distributions,
    ccdf,
    chain_tree,
    channel_comparison,
    flagged_accounts,
    followers_vs_influence,
    handles_of,
    plot,
    save_figure,
    wom_vs_broadcast,
)
from womgraph.schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from womgraph.store import EmbeddedStore

matplotlib.use("Agg")  # plots render with Agg (they never touch pyplot's state)

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-plots") / "store"
    with EmbeddedStore(path) as store:
        ingest(store, [TINY / "events.jsonl"], [TINY / "accounts.csv"])
        return analyse_store(store), store.accounts()


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def scatter_points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# --- WOM vs broadcast ------------------------------------------------------------------------


def test_wom_vs_broadcast_on_tiny(tiny):
    a, _ = tiny
    fig = wom_vs_broadcast(a.weekly)
    assert isinstance(fig, Figure)
    top, bottom = fig.axes
    assert top.get_title() == "Word of mouth vs broadcast over time (per week)"
    assert top.get_ylabel() == "interactions per week"
    assert bottom.get_ylabel() == "new adopters per week"
    assert bottom.get_xlabel() == "week starting (UTC)"
    assert legend_texts(top) == [
        "peer word of mouth",
        "broadcast engagement",
        "incentivized (paid, partners, contests)",
        "suspicious (flagged)",
    ]
    assert legend_texts(bottom) == ["peer-caused adopters", "broadcast-only adopters"]
    weeks = len(a.weekly)
    assert weeks == 8  # 2 March to 20 April 2026, every week has events
    lines = top.get_lines()
    assert [len(line.get_ydata()) for line in lines] == [weeks] * 4
    assert list(lines[0].get_ydata()) == [w["peer"] for w in a.weekly]
    assert list(lines[1].get_ydata()) == [w["broadcast"] for w in a.weekly]
    heights = [b.get_height() for b in bars(bottom)]
    assert len(heights) == 2 * weeks
    assert heights[:weeks] == [w["peer_adopters"] for w in a.weekly]
    assert heights[weeks:] == [w["broadcast_adopters"] for w in a.weekly]
    assert sum(heights[:weeks]) == 8  # the 8 peer-caused adopters of the README


def test_wom_vs_broadcast_fills_empty_weeks_and_goes_log_when_classes_differ_a_lot():
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    rows = [
        {
            "week": t0,
            "peer": 3,
            "broadcast": 900,
            "incentivized": 0,
            "suspicious": 0,
            "peer_adopters": 1,
            "broadcast_adopters": 2,
        },
        {
            "week": t0 + timedelta(days=21),
            "peer": 5,
            "broadcast": 1200,
            "incentivized": 2,
            "suspicious": 0,
            "peer_adopters": 0,
            "broadcast_adopters": 1,
        },
    ]
    top, bottom = wom_vs_broadcast(rows).axes
    assert [len(line.get_xdata()) for line in top.get_lines()] == [4, 4, 4, 4]
    assert top.get_yscale() == "log"
    assert top.get_ylabel() == "interactions per week (log scale)"
    assert [b.get_height() for b in bars(bottom)] == [1, 0, 0, 0, 2, 0, 0, 1]


def test_wom_vs_broadcast_per_month(tiny):
    a, _ = tiny
    top, _ = plot("wom-vs-broadcast", a, period="month").axes
    assert top.get_title().endswith("(per month)")
    assert len(top.get_lines()[0].get_xdata()) == len(a.monthly) == 2


# --- cascades --------------------------------------------------------------------------------


def test_ccdf_known_answer():
    assert ccdf([5, 4, 2, 2]) == ([2, 4, 5], [1.0, 0.5, 0.25])
    assert ccdf([]) == ([], [])


def test_cascade_distributions_on_tiny(tiny):
    a, _ = tiny
    fig = cascade_distributions(a.cascades)
    size, depth = fig.axes
    assert fig.get_suptitle().startswith("How far recommendations travel")
    assert (size.get_title(), depth.get_title()) == ("Chain size (CCDF)", "Chain depth (CCDF)")
    assert (size.get_xscale(), size.get_yscale(), depth.get_xscale(), depth.get_yscale()) == (
        "log",
    ) * 4
    assert size.get_xlabel() == "cascade size (people in the chain)"
    assert depth.get_xlabel() == "cascade depth (generations)"
    assert size.get_ylabel() == "share of chains with size ≥ x"
    points = size.get_lines()[-1]  # the markers (the step line comes first)
    assert list(points.get_xdata()) == [2, 4, 5]  # chains of 5 (ana), 4 (pia), 2 (noah)
    assert list(points.get_ydata()) == pytest.approx([1, 2 / 3, 1 / 3])
    assert list(depth.get_lines()[-1].get_xdata()) == [1, 3]
    assert legend_texts(size) == ["3 chains; max 5"]
    assert [t.get_text() for t in size.get_xticklabels()] == ["2", "3", "4", "5"]


# --- followers vs influence ------------------------------------------------------------------


def test_followers_vs_influence_on_tiny(tiny):
    a, accounts = tiny
    fig = followers_vs_influence(a.advocates, accounts, flagged=flagged_accounts(a))
    ax = fig.axes[0]
    assert ax.get_title().startswith("Followers are not influence\n")
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "followers (log scale)"
    assert ax.get_ylabel().startswith("advocate score")
    # 30 accounts less the brand: 9 advocates, sam and nova paid, bot77 flagged, 17 others
    assert legend_texts(ax) == [
        "genuine advocates (9)",
        "other people (17)",
        "employees and paid partners (2)",
        "flagged accounts (fake engagement) (1)",
    ]
    assert scatter_points(ax) == 29
    labels = "\n".join(texts(ax))
    assert "@ana.makes\n140 followers, 4 conversions" in labels  # the micro advocate
    assert "@zoe.style\n52,000 followers, 0 conversions" in labels  # the macro customer
    assert "@nova.eats (paid / staff)" in labels
    advocates = next(c for c in ax.collections if c.get_label().startswith("genuine"))
    assert max(y for _, y in advocates.get_offsets()) == pytest.approx(
        a.advocates.column("score")[0].as_py()
    )


def test_followers_vs_influence_without_profiles_shows_the_advocates_only(tiny):
    a, _ = tiny
    ax = plot("followers-vs-influence", a).axes[0]
    assert legend_texts(ax) == ["genuine advocates (9)"]
    assert scatter_points(ax) == 9


# --- advocate network ------------------------------------------------------------------------


def test_advocate_network_on_tiny(tiny):
    a, accounts = tiny
    g = advocate_subgraph(
        a.exposures, a.advocates, a.communities, top=20, attribution=a.attribution
    )
    assert g.number_of_nodes() == 17 and g.number_of_edges() == 14
    fig = advocate_network(
        a.exposures,
        a.advocates,
        a.communities,
        top=20,
        attribution=a.attribution,
        handles=handles_of(a, accounts),
    )
    ax = fig.axes[0]
    assert ax.get_title().startswith(
        "Advocate network: peer word of mouth around the top 9 advocates"
    )
    assert "17 people, 14 ties" in ax.get_title()
    assert ax.get_xlabel().startswith("node size = advocate score")
    assert ax.get_ylabel() == "peer word of mouth: who told whom"
    assert scatter_points(ax) == 17
    communities = [t for t in legend_texts(ax) if t.startswith("community")]
    assert communities == [
        "community 0 (7)",
        "community 1 (5)",
        "community 2 (3)",
        "community 3 (2)",
    ]
    assert "recommendation that converted" in legend_texts(ax)
    converted = sum(1 for _, _, d in g.edges(data=True) if d["converted"])
    assert converted == 8  # ana->ben, cleo, dev, gus; pia->quin->rosa->sol; noah->mia
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == converted
    told = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert sum(len(c.get_segments()) for c in told) == 14 - converted
    labels = texts(ax)
    assert "#1 @ana.makes" in labels and "#9 @gus_outdoors" in labels
    assert "@emma_e" in labels  # small graphs name everyone


def test_advocate_network_top_limits_the_centre(tiny):
    a, _ = tiny
    g = advocate_subgraph(a.exposures, a.advocates, a.communities, top=1)
    assert sorted(g.nodes) == ["ana", "ben", "cleo", "dev", "gus"]
    assert [v for v, d in g.nodes(data=True) if d["top"]] == ["ana"]
    ax = plot("advocate-network", a, top=1).axes[0]
    assert scatter_points(ax) == 5


def test_advocate_network_layout_is_seeded(tiny):
    a, _ = tiny
    one = plot("advocate-network", a, seed=3).axes[0]
    two = plot("advocate-network", a, seed=3).axes[0]
    assert [c.get_offsets().tolist() for c in one.collections] == [
        c.get_offsets().tolist() for c in two.collections
    ]


# --- one chain -------------------------------------------------------------------------------


def test_chain_tree_defaults_to_the_largest_chain(tiny):
    a, accounts = tiny
    ax = plot("chain", a, accounts).axes[0]
    assert (
        ax.get_title()
        == "Recommendation chain started by @ana.makes\n5 people, depth 1, 4 conversions"
    )
    assert ax.get_ylabel() == "generation (0 = where the chain starts)"
    assert ax.get_xlabel() == "people, each under the person who converted them"
    assert scatter_points(ax) == 5
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0  (1 person)", "1  (4 people)"]
    labels = texts(ax)
    for handle in ("@ana.makes", "@benji_b", "@cleo_reads", "@devcodes", "@gus_outdoors"):
        assert handle in labels
    assert "5.4 d" in labels  # ana's referral to ben converted 130.75 hours later
    assert len(ax.get_lines()) == 4  # one elbow per edge


def test_chain_tree_root_may_be_any_member(tiny):
    a, accounts = tiny
    ax = plot("chain", a, accounts, root="sol").axes[0]
    assert ax.get_title().startswith(
        "Recommendation chain started by @pia_bakes\n4 people, depth 3"
    )
    assert scatter_points(ax) == 4
    offsets = next(c for c in ax.collections if isinstance(c, PathCollection)).get_offsets()
    assert sorted(y for _, y in offsets) == [0, 1, 2, 3]  # a path: one person per generation


def test_chain_tree_unknown_root_names_it(tiny):
    a, _ = tiny
    with pytest.raises(
        AnalysisError,
        match=r"No recommendation chain contains 'zoe': pick a root from "
        r"`womgraph chains` \(the largest chain starts at 'ana'\)\.",
    ):
        chain_tree(a.cascade_edges, "zoe", cascades=a.cascades)


def test_chain_tree_of_a_hand_made_star():
    edges = pa.table(
        {"root": ["a"] * 3, "parent": ["a"] * 3, "child": ["b", "c", "d"], "generation": [1, 1, 1]}
    )
    ax = chain_tree(edges).axes[0]
    offsets = ax.collections[0].get_offsets()
    assert sorted(map(tuple, offsets.tolist())) == [
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 1),
    ]  # root centred over 3


# --- channels --------------------------------------------------------------------------------


def test_channel_comparison_on_tiny(tiny):
    a, _ = tiny
    fig = channel_comparison(a.channels)
    counts, purity = fig.axes
    assert counts.get_title().startswith("Channels compared")
    assert counts.get_ylabel() == "interactions / adopters"
    assert purity.get_ylabel() == "WOM purity" and purity.get_xlabel() == "channel"
    assert legend_texts(counts) == ["peer word of mouth", "broadcast engagement", "new adopters"]
    channels = [t.get_text() for t in purity.get_xticklabels()]
    assert sorted(channels) == sorted(r["channel"] for r in a.channels) and len(channels) == 8
    assert channels[0] == "instagram"  # most active first
    assert len(bars(counts)) == 3 * 8
    web = channels.index("web")
    assert bars(purity)[web].get_height() == pytest.approx(0.7)
    assert texts(purity).count("no adopters") == 6  # only web and store had adopters
    assert "70%" in texts(purity)


def test_channel_comparison_groups_the_tail():
    rows = [
        {"channel": f"c{i:02d}", "peer": 20 - i, "broadcast": 0, "adopters": 1, "peer_adopters": 1}
        for i in range(15)
    ]
    _, purity = channel_comparison(rows, limit=5).axes
    assert [t.get_text() for t in purity.get_xticklabels()] == [
        "c00",
        "c01",
        "c02",
        "c03",
        "other (11)",
    ]


# --- all kinds -------------------------------------------------------------------------------


def test_every_kind_draws_without_data_a_readable_no_data_figure():
    a = analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table())
    for kind in PLOT_KINDS:
        fig = plot(kind, a)
        ax = fig.axes[0]
        assert ax.get_title(), kind
        assert ax.texts[0].get_text().startswith("No data: "), kind
        fig.savefig(io.BytesIO(), format="png", dpi=30)


def test_every_kind_saves_png_and_svg_and_leaves_pyplot_alone(tiny, tmp_path):
    a, accounts = tiny
    before = plt.get_fignums()
    for kind in PLOT_KINDS:
        fig = plot(kind, a, accounts)
        png = save_figure(fig, tmp_path / f"{kind}.png", dpi=40)
        svg = save_figure(fig, tmp_path / f"{kind}.svg")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert plt.get_fignums() == before == []


def test_user_text_cannot_break_matplotlib():
    """A `$` in a handle would start mathtext; it must draw as it is."""
    adv = pa.table(
        {
            "account": ["a", "b"],
            "rank": [1, 2],
            "score": [2.0, 1.0],
            "handle": ["$GLOW$ fan", "$x"],
            "followers": [10, 20],
            "conversions_total": [2, 1],
        }
    )
    exposures = pa.table({"person": ["b"], "sender": ["a"], "event": ["e1"], "kind": ["peer"]})
    edges = pa.table({"root": ["a"], "parent": ["a"], "child": ["b"], "generation": [1]})
    for fig in (
        followers_vs_influence(adv),
        advocate_network(exposures, adv),
        chain_tree(edges, handles={"a": "$GLOW$ fan"}),
        channel_comparison([{"channel": "$a$", "peer": 1, "broadcast": 0, "adopters": 0}]),
    ):
        fig.savefig(io.BytesIO(), format="png", dpi=30)
