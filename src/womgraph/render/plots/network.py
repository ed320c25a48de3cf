"""The advocate network: the peer word-of-mouth graph around the top advocates, by community.

:func:`advocate_subgraph` builds the graph (also used by the HTML report's interactive view),
:func:`advocate_network` draws it.

>>> import pyarrow as pa
>>> exposures = pa.table({"person": ["b", "c", "d", "x"], "sender": ["a", "a", "b", "brand"],
...                       "event": ["e1", "e2", "e3", "e4"],
...                       "kind": ["peer", "peer", "peer", "broadcast"]})
>>> advocates = pa.table({"account": ["a", "b"], "rank": [1, 2], "score": [2.0, 1.0],
...                       "handle": ["@a", None]})
>>> g = advocate_subgraph(exposures, advocates, top=1)
>>> sorted(g.nodes), sorted(g.edges)
(['a', 'b', 'c'], [('a', 'b'), ('a', 'c')])
>>> fig = advocate_network(exposures, advocates, top=2)
>>> sum(len(c.get_offsets()) for c in fig.axes[0].collections if c.get_label() != "_edges")
4
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pyarrow as pa
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from ._common import (
    COMMUNITY_COLORS,
    NO_COMMUNITY_COLOR,
    label_of,
    new_figure,
    no_data_figure,
    place_labels,
    plain,
)

__all__ = ["advocate_network", "advocate_subgraph", "community_colors", "network_layout"]

TITLE = "Advocate network"


def _peer_graph(exposures: pa.Table, attribution: pa.Table | None) -> nx.DiGraph:
    g = nx.DiGraph()
    if exposures is None or exposures.num_rows == 0:
        return g
    for r in exposures.select(["sender", "person", "kind"]).to_pylist():
        if r["kind"] != "peer" or not r["sender"] or not r["person"] or r["sender"] == r["person"]:
            continue
        if g.has_edge(r["sender"], r["person"]):
            g[r["sender"]][r["person"]]["weight"] += 1
        else:
            g.add_edge(r["sender"], r["person"], weight=1, converted=False)
    if attribution is not None and attribution.num_rows:
        for r in attribution.select(["parent", "adopter", "kind"]).to_pylist():
            if r["kind"] == "peer" and r["parent"] and g.has_edge(r["parent"], r["adopter"]):
                g[r["parent"]][r["adopter"]]["converted"] = True
    return g


def advocate_subgraph(
    exposures: pa.Table,
    advocates: pa.Table,
    communities: pa.Table | None = None,
    *,
    top: int = 20,
    attribution: pa.Table | None = None,
    max_nodes: int = 300,
    handles: dict[str, str | None] | None = None,
) -> nx.DiGraph:
    """Peer exposures (sender -> person) among the ``top`` advocates and their direct contacts.

    Nodes carry ``label`` (handle or id), ``rank`` and ``score`` (0 when not an advocate),
    ``top`` (one of the ``top`` advocates) and ``community`` (-1 when none). Edges carry ``weight``
    (peer exposures) and ``converted`` (the exposure's sender is the attributed parent of the
    person's adoption, when ``attribution`` is given). At most ``max_nodes`` nodes: the contacts
    of better-ranked advocates come first.
    """
    full = _peer_graph(exposures, attribution)
    adv = advocates.to_pylist() if advocates is not None else []
    info = {r["account"]: r for r in adv}
    tops = [r["account"] for r in sorted(adv, key=lambda r: r["rank"])[:top]]
    keep: dict[str, None] = dict.fromkeys(tops)
    for a in tops:
        if a not in full:
            continue
        near = sorted(
            set(full.successors(a)) | set(full.predecessors(a)),
            key=lambda v: (-(info[v]["score"] if v in info else 0), v),
        )
        for v in near:
            if len(keep) >= max_nodes:
                break
            keep.setdefault(v)
    g = nx.DiGraph()  # built in order (a subgraph view would follow set order)
    g.add_nodes_from(keep)
    g.add_edges_from(
        (u, v, dict(d)) for u, v, d in full.edges(data=True) if u in keep and v in keep
    )
    comm = {}
    if communities is not None and communities.num_rows:
        comm = dict(
            zip(
                communities.column("account").to_pylist(),
                communities.column("community").to_pylist(),
            )
        )
    top_set = set(tops)
    for v in g.nodes:
        r = info.get(v, {})
        label = label_of(
            v, {v: r.get("handle") or (handles or {}).get(v)}, 40, for_matplotlib=False
        )
        g.nodes[v].update(
            label=label,
            rank=int(r.get("rank") or 0),
            score=float(r.get("score") or 0.0),
            top=v in top_set,
            community=int(comm[v]) if comm.get(v) is not None else -1,
        )
    return g


def _component_layout(g: nx.Graph, seed: int) -> dict:
    n = g.number_of_nodes()
    nodes = sorted(g.nodes)
    if n == 1:
        return {nodes[0]: np.zeros(2)}
    if n == 2:
        return {nodes[0]: np.array([-1.0, 0.0]), nodes[1]: np.array([1.0, 0.0])}
    if n <= 200:
        pos = nx.kamada_kawai_layout(g)
    else:
        pos = nx.spring_layout(g, k=1.8 / np.sqrt(n), iterations=200, seed=seed)
    xy = np.array([pos[v] for v in nodes], dtype=float)
    xy -= xy.mean(axis=0)
    radius = np.sqrt((xy**2).sum(axis=1)).max() or 1.0
    xy *= 0.55 * np.sqrt(n) / radius
    return dict(zip(nodes, xy))


def _ordered(g: nx.Graph, nodes) -> nx.Graph:
    """The subgraph on ``nodes`` with nodes and edges in sorted order, so layouts do not depend on
    set order (string hashing differs between processes)."""
    sub = nx.Graph()
    sub.add_nodes_from(sorted(nodes))
    sub.add_edges_from(sorted(tuple(sorted(e)) for e in g.subgraph(nodes).edges()))
    return sub


def network_layout(
    g: nx.Graph, seed: int = 7, aspect: float = 1.1
) -> dict[str, tuple[float, float]]:
    """Each connected part laid out on its own (Kamada-Kawai when small, else spring with ``seed``),
    at a size that grows with its node count, and the parts packed in rows, largest first, into
    a box about ``aspect`` times as wide as high."""
    if g.number_of_nodes() == 0:
        return {}
    und = g.to_undirected() if g.is_directed() else g
    parts = sorted(nx.connected_components(und), key=lambda c: (-len(c), min(c)))
    laid = [_component_layout(_ordered(und, c), seed) for c in parts]
    extents = []
    for p in laid:
        xy = np.array(list(p.values()))
        extents.append((xy.min(axis=0), xy.max(axis=0)))
    gap = 1.2
    sizes = [(hi - lo) + gap for lo, hi in extents]
    # the largest part on the left; the others in columns beside it, top to bottom
    height = max(sizes[0][1], np.sqrt(sum(w * h for w, h in sizes) / aspect))
    out: dict[str, tuple[float, float]] = {}
    x = y = col_w = 0.0
    for i, (p, (lo, hi), (w, h)) in enumerate(zip(laid, extents, sizes)):
        if i == 1 or (i > 1 and y > 0 and y + h > height):
            x, y, col_w = x + col_w, 0.0, 0.0
        for v, (vx, vy) in p.items():
            out[v] = (float(x + vx - lo[0]), float(-y - (hi[1] - vy)))
        y += h
        col_w = max(col_w, w)
    return out


def community_colors(g: nx.Graph, limit: int = len(COMMUNITY_COLORS)) -> dict[int, str]:
    """A colour per community, those with most nodes in ``g`` first (-1 and the rest: grey)."""
    counts = Counter(d["community"] for _, d in g.nodes(data=True) if d.get("community", -1) != -1)
    ordered = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {c: COMMUNITY_COLORS[i] for i, c in enumerate(ordered[:limit])}


def advocate_network(
    exposures: pa.Table,
    advocates: pa.Table,
    communities: pa.Table | None = None,
    *,
    top: int = 20,
    attribution: pa.Table | None = None,
    seed: int = 7,
    max_nodes: int = 300,
    handles: dict[str, str | None] | None = None,
) -> Figure:
    """Draw :func:`advocate_subgraph`: nodes sized by advocate score and coloured by community,
    arrows for recommendations that converted, labels on the top advocates."""
    g = advocate_subgraph(
        exposures,
        advocates,
        communities,
        top=top,
        attribution=attribution,
        max_nodes=max_nodes,
        handles=handles,
    )
    if g.number_of_nodes() == 0:
        return no_data_figure(
            TITLE, "no genuine advocates yet (nobody's word of mouth reached anyone)"
        )
    pos = network_layout(g, seed)
    fig = new_figure(11, 8.5)
    ax = fig.add_subplot()
    told = [(pos[u], pos[v]) for u, v, d in g.edges(data=True) if not d.get("converted")]
    conv = [(u, v) for u, v, d in g.edges(data=True) if d.get("converted")]
    if told:
        widths = [
            0.6 + 0.4 * min(d["weight"], 5)
            for _, _, d in g.edges(data=True)
            if not d.get("converted")
        ]
        ax.add_collection(
            LineCollection(told, colors="#b0b0b0", linewidths=widths, zorder=1, label="_edges")
        )

    colors = community_colors(g)
    max_score = max((d["score"] for _, d in g.nodes(data=True)), default=0) or 1.0
    big = 700 if g.number_of_nodes() <= 40 else 350 if g.number_of_nodes() <= 150 else 200
    size_of = {
        v: 30 + big * np.sqrt(d["score"] / max_score) if d["score"] else 22
        for v, d in g.nodes(data=True)
    }
    groups: dict[str, list[str]] = {}
    for v, d in g.nodes(data=True):
        key = (
            f"community {d['community']}"
            if d["community"] in colors
            else "no community"
            if d["community"] == -1
            else "other communities"
        )
        groups.setdefault(key, []).append(v)
    order = [f"community {c}" for c in colors] + ["other communities", "no community"]
    for key in order:
        nodes = groups.get(key)
        if not nodes:
            continue
        color = (
            colors[int(key.split()[1])]
            if key.startswith("community ")
            else ("#8c8c8c" if key == "other communities" else NO_COMMUNITY_COLOR)
        )
        sizes = [size_of[v] for v in nodes]
        ax.scatter(
            [pos[v][0] for v in nodes],
            [pos[v][1] for v in nodes],
            s=sizes,
            c=color,
            edgecolors=["#222222" if g.nodes[v]["top"] else "white" for v in nodes],
            linewidths=[1.4 if g.nodes[v]["top"] else 0.6 for v in nodes],
            zorder=2,
            label=f"{key} ({len(nodes)})",
        )
    for u, v in conv:  # arrows from teller to converted, stopping at the circles
        ax.add_patch(
            FancyArrowPatch(
                pos[u],
                pos[v],
                arrowstyle="-|>",
                mutation_scale=11,
                color="#333333",
                linewidth=1.4,
                alpha=0.85,
                zorder=1.5,
                shrinkA=np.sqrt(size_of[u]) / 2,
                shrinkB=np.sqrt(size_of[v]) / 2 + 1,
                label="_converted",
            )
        )
    tops = sorted((v for v, d in g.nodes(data=True) if d["top"]), key=lambda v: g.nodes[v]["rank"])
    n_labels = min(len(tops), 15 if g.number_of_nodes() > 60 else 25)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad = 0.9
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#dddddd")
    ax.set_xlabel(
        f"node size = advocate score; boxed labels: the top {n_labels} advocates, by rank"
    )
    ax.set_ylabel("peer word of mouth: who told whom")
    n_adv = sum(1 for v in g if g.nodes[v]["top"])
    ax.set_title(
        f"{TITLE}: peer word of mouth around the top {n_adv} advocates\n"
        f"{g.number_of_nodes()} people, {g.number_of_edges()} ties; colour = community"
    )
    legend_handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markersize=8,
            label=c.get_label(),
            color=c.get_facecolor()[0],
        )
        for c in ax.collections
        if c.get_label().startswith(("community", "other", "no "))
    ]
    extra = [
        Line2D([], [], color="#b0b0b0", linewidth=1.5, label="told (peer exposure)"),
        Line2D(
            [],
            [],
            color="#333333",
            marker=">",
            markersize=6,
            linewidth=1.4,
            label="recommendation that converted",
        ),
    ]
    ax.legend(
        handles=legend_handles + (extra if conv else extra[:1]),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8.5,
        title="community",
        title_fontsize=9,
        frameon=False,
    )
    radius = {v: np.sqrt(size_of[v]) / 2 for v in g.nodes}
    avoid = [(*pos[v], radius[v]) for v in g.nodes]
    taken: list = []
    place_labels(
        ax,
        [
            (*pos[v], f"#{g.nodes[v]['rank']} {plain(g.nodes[v]['label'])}", radius[v])
            for v in tops[:n_labels]
        ],
        fontsize=8.5,
        avoid=avoid,
        taken=taken,
    )
    if g.number_of_nodes() <= 60:  # small enough to name everyone else too, quietly
        place_labels(
            ax,
            [
                (*pos[v], plain(d["label"]), radius[v])
                for v, d in g.nodes(data=True)
                if not d["top"]
            ],
            fontsize=7,
            boxed=False,
            taken=taken,
        )
    return fig
