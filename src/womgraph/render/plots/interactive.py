"""The advocate network as an inline SVG for the HTML report: hover titles, no script needed to
read it (the report's small inline script adds highlighting, zoom and pan).

Every piece of user text (ids, handles) is escaped; the SVG references nothing outside itself.

>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_edge("a", "<b>", weight=1, converted=True)
>>> for v, rank in (("a", 1), ("<b>", 0)):
...     g.nodes[v].update(label=v, rank=rank, score=float(rank), top=rank == 1, community=-1)
>>> svg = network_svg(g)
>>> svg.count('data-nbrs='), "&lt;b&gt;" in svg, "<b>" in svg
(2, True, False)
"""

from __future__ import annotations

from html import escape

import networkx as nx

from ._common import NO_COMMUNITY_COLOR
from .network import community_colors, network_layout

__all__ = ["network_svg"]


def _num(x: float) -> str:
    return f"{x:.1f}"


def network_svg(
    g: nx.DiGraph, *, seed: int = 7, width: int = 960, height: int = 640, labels: int = 20
) -> str:
    """``g`` (:func:`~womgraph.render.plots.network.advocate_subgraph`) as an ``<svg>`` element.

    Nodes are ``<g class="node">`` with ``data-i`` (their index), ``data-nbrs`` (neighbour
    indexes), ``data-info`` (one line about them, escaped) and a ``<title>`` shown on hover; edges
    are ``<line class="edge">`` with ``data-u``/``data-v``; the ``labels`` best-ranked advocates
    are named on the drawing.
    """
    if g.number_of_nodes() == 0:
        return (
            '<svg class="network" role="img" viewBox="0 0 600 80" width="600" height="80">'
            '<text x="300" y="45" text-anchor="middle">No data: no genuine advocates yet</text>'
            "</svg>"
        )
    pos = network_layout(g, seed, aspect=width / height)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad_x, pad_y = 110, 36  # room for labels beside the outermost nodes
    sx = (width - 2 * pad_x) / max(x1 - x0, 1e-9)
    sy = (height - 2 * pad_y) / max(y1 - y0, 1e-9)
    # fill the box, stretching one way by at most 1.4 times the other
    kx, ky = min(sx, 1.4 * min(sx, sy)), min(sy, 1.4 * min(sx, sy))
    ox = (width - kx * (x1 - x0)) / 2
    oy = (height - ky * (y1 - y0)) / 2

    def xy(v):
        x, y = pos[v]
        return ox + kx * (x - x0), height - (oy + ky * (y - y0))

    nodes = sorted(g.nodes, key=lambda v: (not g.nodes[v]["top"], g.nodes[v]["rank"] or 10**9, v))
    index = {v: i for i, v in enumerate(nodes)}
    colors = community_colors(g)
    max_score = max((g.nodes[v]["score"] for v in nodes), default=0) or 1.0
    und = g.to_undirected(as_view=True)
    out = [
        (
            f'<svg class="network" id="network-svg" role="img" aria-label="advocate network" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'data-nodes="{len(nodes)}" data-edges="{g.number_of_edges()}">'
        ),
        (
            '<defs><marker id="wg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>'
        ),
        '<g class="edges">',
    ]
    radius = {
        v: 4 + 14 * (g.nodes[v]["score"] / max_score) ** 0.5 if g.nodes[v]["score"] else 3.5
        for v in nodes
    }
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (index[e[0]], index[e[1]])):
        (ax_, ay), (bx, by) = xy(u), xy(v)
        dx, dy = bx - ax_, by - ay
        dist = max((dx * dx + dy * dy) ** 0.5, 1e-9)
        bx, by = (
            bx - dx / dist * (radius[v] + 1.5),
            by - dy / dist * (radius[v] + 1.5),
        )  # stop at the circle
        cls = "edge converted" if d.get("converted") else "edge"
        marker = ' marker-end="url(#wg-arrow)"' if d.get("converted") else ""
        out.append(
            f'<line class="{cls}" data-u="{index[u]}" data-v="{index[v]}" x1="{_num(ax_)}" '
            f'y1="{_num(ay)}" x2="{_num(bx)}" y2="{_num(by)}"{marker}>'
            f"<title>{escape(g.nodes[u]['label'])} → {escape(g.nodes[v]['label'])}: "
            f"{d.get('weight', 1)} peer exposure(s)"
            f"{', converted' if d.get('converted') else ''}</title></line>"
        )
    out.append('</g><g class="nodes">')
    for v in nodes:
        d = g.nodes[v]
        x, y = xy(v)
        color = colors.get(
            d["community"], "#8c8c8c" if d["community"] != -1 else NO_COMMUNITY_COLOR
        )
        who = f"#{d['rank']} {d['label']}" if d["rank"] else d["label"]
        info = (
            f"{who} (account {v}): "
            + (f"advocate score {d['score']:.2f}; " if d["score"] else "not an advocate; ")
            + (f"community {d['community']}; " if d["community"] != -1 else "no community; ")
            + f"{und.degree(v)} tie(s)"
        )
        nbrs = " ".join(str(index[n]) for n in sorted(und.neighbors(v), key=index.get))
        out.append(
            f'<g class="node{" top" if d["top"] else ""}" data-i="{index[v]}" data-nbrs="{nbrs}" '
            f'data-info="{escape(info)}" tabindex="0"><title>{escape(info)}</title>'
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(radius[v])}" fill="{color}"/></g>'
        )
    out.append('</g><g class="labels">')
    for v in [v for v in nodes if g.nodes[v]["top"]][
        : labels if len(nodes) <= 60 else min(labels, 12)
    ]:
        x, y = xy(v)
        out.append(
            f'<text x="{_num(x)}" y="{_num(y - radius[v] - 4)}" text-anchor="middle" '
            f'data-i="{index[v]}">#{g.nodes[v]["rank"]} {escape(g.nodes[v]["label"])}</text>'
        )
    if len(nodes) <= 60:  # small enough to name everyone else too, quietly
        for v in nodes:
            if not g.nodes[v]["top"]:
                x, y = xy(v)
                out.append(
                    f'<text class="minor" x="{_num(x)}" y="{_num(y + radius[v] + 11)}" '
                    f'text-anchor="middle" data-i="{index[v]}">{escape(g.nodes[v]["label"])}</text>'
                )
    out.append("</g></svg>")
    return "".join(out)
