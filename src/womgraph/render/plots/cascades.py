"""Recommendation chains: size and depth distributions (log-log CCDF) and one chain drawn as a tree.

>>> import pyarrow as pa
>>> cascades = pa.table({"root": ["ana", "pia", "noah"], "size": [5, 4, 2], "depth": [1, 3, 1]})
>>> fig = cascade_distributions(cascades)
>>> [ax.get_xscale() for ax in fig.axes], [len(ax.get_lines()[0].get_xdata()) for ax in fig.axes]
(['log', 'log'], [3, 2])
>>> ccdf([5, 4, 2])
([2, 4, 5], [1.0, 0.6666666666666666, 0.3333333333333333])

>>> edges = pa.table({"root": ["pia"] * 3, "parent": ["pia", "quin", "rosa"],
...                   "child": ["quin", "rosa", "sol"], "generation": [1, 2, 3]})
>>> fig = chain_tree(edges)
>>> ax = fig.axes[0]
>>> ax.get_ylabel(), len(ax.collections[0].get_offsets())
('generation (0 = where the chain starts)', 4)
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ...errors import AnalysisError
from ._common import CLASS_COLORS, label_of, new_figure, no_data_figure

__all__ = ["cascade_distributions", "ccdf", "chain_members", "chain_tree", "tree_layout"]

DIST_TITLE = "How far recommendations travel"


def ccdf(values) -> tuple[list, list[float]]:
    """The complementary CDF: each distinct value x and the share of values >= x."""
    v = np.sort(np.asarray([x for x in values if x is not None]))
    if v.size == 0:
        return [], []
    xs, first = np.unique(v, return_index=True)
    return [x.item() for x in xs], [float((v.size - i) / v.size) for i in first]


def cascade_distributions(cascades: pa.Table) -> Figure:
    """Two log-log CCDFs: cascade size (people) and depth (generations), one point per value."""
    if cascades is None or cascades.num_rows == 0:
        return no_data_figure(DIST_TITLE, "no recommendation chains of two or more people")
    fig = new_figure(11, 4.8)
    axes = fig.subplots(1, 2)
    n = cascades.num_rows
    for ax, col, what, color in (
        (axes[0], "size", "cascade size (people in the chain)", CLASS_COLORS["peer"]),
        (axes[1], "depth", "cascade depth (generations)", "#1f77b4"),
    ):
        xs, ys = ccdf(cascades.column(col).to_pylist())
        ax.step(xs, ys, where="post", color=color, alpha=0.35, linewidth=1)
        ax.plot(
            xs,
            ys,
            marker="o",
            linestyle="none",
            color=color,
            markersize=6,
            label=f"{n:,} chains; max {max(xs):,}",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(what)
        ax.set_ylabel(f"share of chains with {col} ≥ x")
        ax.set_title(f"Chain {col} (CCDF)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="lower left", fontsize=9)
        lo, hi = min(xs), max(xs)
        ax.set_xlim(lo / 1.3, hi * 1.3)
        ax.set_ylim(min(ys) / 1.6, 1.4)
        _plain_log_ticks(ax, lo, hi)
    fig.suptitle(f"{DIST_TITLE}: recommendation chain size and depth", fontsize=13)
    return fig


def _plain_log_ticks(ax, lo: float, hi: float) -> None:
    """Log axes labelled 2, 5, 10, 20 ... and 100%, 50%, 20% ... instead of 2x10^0."""
    if hi - lo <= 7:
        ax.set_xticks(list(range(int(lo), int(hi) + 1)))
    else:
        ax.xaxis.set_major_locator(
            LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0) if hi / lo < 100 else (1.0, 2.0, 5.0))
        )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ymin = ax.get_ylim()[0]
    ax.yaxis.set_major_locator(
        LogLocator(base=10, subs=(1.0, 2.0, 5.0) if ymin < 0.01 else (1.0, 2.0, 3.0, 5.0))
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g}%"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _rows(table) -> list[dict]:
    if table is None:
        return []
    return table.to_pylist() if isinstance(table, pa.Table) else list(table)


def chain_members(
    cascade_edges, root: str | None = None, cascades: pa.Table | None = None
) -> tuple[str, list[dict]]:
    """The root and edges of the chain to draw: ``root``'s chain (``root`` may be any member),
    else the largest chain (first row of ``cascades``, else the root with the most edges)."""
    edges = _rows(cascade_edges)
    if not edges:
        raise AnalysisError(
            "There are no recommendation chains to draw: no peer-caused adoption "
            "follows another one."
        )
    by_root: dict[str, list[dict]] = defaultdict(list)
    for e in edges:
        by_root[e["root"]].append(e)
    if root is None:
        if cascades is not None and cascades.num_rows:
            root = cascades.column("root")[0].as_py()
        else:
            root = max(by_root, key=lambda r: (len(by_root[r]), r))
    elif root not in by_root:
        member = next((e["root"] for e in edges if e["child"] == root), None)
        if member is None:
            largest = max(by_root, key=lambda r: (len(by_root[r]), r))
            raise AnalysisError(
                f"No recommendation chain contains {root!r}: pick a root from `womgraph chains` "
                f"(the largest chain starts at {largest!r})."
            )
        root = member
    return root, by_root[root]


def tree_layout(root: str, edges: list[dict]) -> dict[str, tuple[float, int]]:
    """x (leaves side by side, parents centred over their children) and generation of each node.

    >>> tree_layout("a", [{"parent": "a", "child": "b"}, {"parent": "a", "child": "c"}])
    {'b': (0.0, 1), 'c': (1.0, 1), 'a': (0.5, 0)}
    """
    children: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        children[e["parent"]].append(e["child"])
    pos: dict[str, tuple[float, int]] = {}
    next_leaf = [0.0]

    def place(node: str, gen: int, seen: frozenset) -> float:
        kids = [k for k in children.get(node, []) if k not in seen]
        if not kids:
            x = next_leaf[0]
            next_leaf[0] += 1
        else:
            xs = [place(k, gen + 1, seen | {k}) for k in kids]
            x = (xs[0] + xs[-1]) / 2
        pos[node] = (x, gen)
        return x

    import sys  # the recursion is as deep as the chain; long paths need more than the default

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * len(edges) + 100))
    try:
        place(root, 0, frozenset({root}))
    finally:
        sys.setrecursionlimit(limit)
    return pos


def _hours(h) -> str:
    if h is None:
        return ""
    return f"{h:.0f} h" if h < 48 else f"{h / 24:.1f} d"


def chain_tree(
    cascade_edges,
    root: str | None = None,
    *,
    cascades: pa.Table | None = None,
    handles: dict[str, str | None] | None = None,
    max_labels: int = 40,
) -> Figure:
    """One recommendation chain as a tree, generation by generation, with who converted whom.

    ``root`` may be any member of the chain (default: the largest chain). Edges carry the time
    from the parent's adoption to the child's when the chain is small enough to read.
    """
    title = "Recommendation chain"
    try:
        root, edges = chain_members(cascade_edges, root, cascades)
    except AnalysisError:
        if root is not None and _rows(cascade_edges):
            raise
        return no_data_figure(title, "no recommendation chains of two or more people")
    edges = sorted(
        edges, key=lambda e: (e.get("generation") or 0, str(e.get("child_ts") or ""), e["child"])
    )
    pos = tree_layout(root, edges)
    n = len(pos)
    depth = max(g for _, g in pos.values())
    leaves = max(x for x, _ in pos.values()) + 1
    longest = max(len(label_of(v, handles, 18)) for v in pos)
    per_leaf = max(
        0.7, 0.075 * longest * (0.55 if leaves > 6 else 1.0)
    )  # staggered labels share room
    width = float(np.clip(4.5 + per_leaf * leaves, 9, 26))
    height = float(np.clip(2.2 + 1.3 * (depth + 1), 4, 14))
    fig = new_figure(width, height)
    ax = fig.add_subplot()

    info = None
    if cascades is not None and cascades.num_rows:
        info = next((r for r in cascades.to_pylist() if r["root"] == root), None)
    root_adopted = info["root_adopted"] if info else True
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["parent"]], pos[e["child"]]
        ax.plot(
            [x0, x0, x1, x1],
            [y0, (y0 + y1) / 2, (y0 + y1) / 2, y1],
            color="#888888",
            linewidth=1.2,
            zorder=1,
        )
        if n <= 25 and e.get("hop_hours") is not None:
            ax.text(
                x1,
                y1 - 0.3,
                _hours(e["hop_hours"]),
                fontsize=7.5,
                color="#666666",
                ha="center",
                va="center",
                zorder=3,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            )
    nodes = [root] + [e["child"] for e in edges]
    colors = [("#1f77b4" if root_adopted else "#bbbbbb")] + [CLASS_COLORS["peer"]] * len(edges)
    size = float(np.clip(2400 / max(n, 1), 30, 320))
    ax.scatter(
        [pos[v][0] for v in nodes],
        [pos[v][1] for v in nodes],
        s=size,
        c=colors,
        edgecolors="white",
        linewidths=1.2,
        zorder=2,
    )
    labelled = (
        nodes
        if n <= max_labels
        else list(dict.fromkeys([root] + [e["parent"] for e in edges]))[:max_labels]
    )
    fontsize = 10 if n <= 12 else 8.5 if n <= 25 else 7
    stagger = {}  # neighbours in a generation alternate between two label rows
    for g in range(depth + 1):
        row = sorted((pos[v][0], v) for v in pos if pos[v][1] == g)
        stagger.update({v: i % 2 for i, (_, v) in enumerate(row)})
    for v in dict.fromkeys(labelled):
        x, g = pos[v]
        above = v == root
        dy = -0.17 if above else 0.15 + (0.2 if stagger[v] else 0)
        ax.text(
            x,
            g + dy,
            label_of(v, handles, 18),
            fontsize=fontsize,
            ha="center",
            va="bottom" if above else "top",
            zorder=4,
            fontweight="bold" if above else "normal",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    per_gen = defaultdict(int)
    for _, g in pos.values():
        per_gen[g] += 1
    ax.set_yticks(
        range(depth + 1),
        [
            f"{g}  ({per_gen[g]} {'person' if per_gen[g] == 1 else 'people'})"
            for g in range(depth + 1)
        ],
    )
    ax.set_ylim(depth + 0.75, -0.75)
    ax.set_xlim(-0.8, leaves - 0.2)
    ax.set_xticks([])
    ax.set_ylabel("generation (0 = where the chain starts)")
    ax.set_xlabel(
        "people, each under the person who converted them"
        + ("" if n <= max_labels else f" (labels on the {len(set(labelled))} recommenders)")
    )
    conv = info["conversions"] if info else len(edges)
    ax.set_title(
        f"{title} started by {label_of(root, handles, 30)}\n"
        f"{n} people, depth {depth}, {conv} conversion{'' if conv == 1 else 's'}"
    )
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markersize=9,
                color="#1f77b4" if root_adopted else "#bbbbbb",
                label="where the chain starts" + ("" if root_adopted else " (never bought)"),
            ),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markersize=9,
                color=CLASS_COLORS["peer"],
                label="converted by the person above",
            ),
        ]
        + (
            [
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    label="on each link: time from the\nparent's to the child's adoption",
                )
            ]
            if n <= 25
            else []
        ),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8.5,
        frameon=False,
    )
    return fig
