"""The account graph for Gephi and NodeXL: GraphML or GEXF with classes, scores and communities.

One node per account (every account profile, and every actor or target of an interaction), one
directed edge per (actor, target) pair that had at least one peer, broadcast, incentivized or
suspicious interaction, weighted by how many. Social chatter (class ``social``) is left out: it
says nothing about the brand. Attribute names are defined once, in :data:`NODE_ATTRIBUTES` and
:data:`EDGE_ATTRIBUTES` (GraphML and GEXF have no null: absent values are written as the
defaults listed there).

>>> import pyarrow as pa
>>> from womgraph.analyse.pipeline import analyse
>>> from womgraph.schema import EVENTS_SCHEMA, ACCOUNTS_SCHEMA
>>> a = analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table())
>>> g = account_graph(a, pa.table({"id": ["ana"], "role": ["customer"], "followers": [140]}))
>>> dict(g.nodes["ana"])["followers"], dict(g.nodes["ana"])["advocate_rank"], g.number_of_edges()
(140, 0, 0)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import networkx as nx
import pyarrow as pa

from ..errors import InputError

if TYPE_CHECKING:
    from ..analyse.pipeline import Analysis

__all__ = [
    "EDGE_ATTRIBUTES",
    "EDGE_CLASSES",
    "GRAPH_FORMATS",
    "NODE_ATTRIBUTES",
    "account_graph",
    "graph_format",
    "write_graph",
    "xml_safe",
]

GRAPH_FORMATS: tuple[str, ...] = ("graphml", "gexf")
#: Interaction classes that become edges (``social`` is not about the brand).
EDGE_CLASSES: tuple[str, ...] = ("peer", "broadcast", "incentivized", "suspicious")

#: Node attribute -> (default, meaning). Every node has every attribute.
NODE_ATTRIBUTES: dict[str, tuple[object, str]] = {
    "label": ("", "handle, else the account id"),
    "handle": ("", "the account's handle"),
    "role": ("", "brand, customer, prospect, employee, partner; empty when unknown"),
    "followers": (-1, "follower count; -1 when unknown"),
    "is_advocate": (False, "a genuine advocate (womgraph advocates)"),
    "advocate_rank": (0, "rank among advocates, 1 = best; 0 when not an advocate"),
    "advocate_score": (0.0, "advocate score; 0 when not an advocate"),
    "conversions": (0, "people converted, directly and down their chains"),
    "people_reached": (0, "distinct people reached with peer word of mouth"),
    "community": (-1, "community of the peer graph; -1 when in none"),
    "flagged": (False, "named by an authenticity flag that changes classes"),
    "flag_rules": ("", "the rules of every flag naming the account, comma-separated"),
    "adopted": (False, "signed up or bought"),
    "adoption_cause": (
        "",
        "cause of the first adoption: peer, incentivized, broadcast, suspicious, organic",
    ),
}
#: Edge attribute -> (default, meaning).
EDGE_ATTRIBUTES: dict[str, tuple[object, str]] = {
    "weight": (0, "interactions from source to target in the four classes"),
    "class": (
        "",
        "the class with most interactions (ties: peer, broadcast, incentivized, suspicious)",
    ),
    "peer": (0, "peer word-of-mouth interactions"),
    "broadcast": (0, "broadcast interactions (brand messages, engagement with brand content)"),
    "incentivized": (0, "incentivized interactions (paid, partner, employee, contest)"),
    "suspicious": (0, "interactions by flagged accounts"),
    "conversions": (0, "adoptions of the target attributed to the source"),
    "first": ("", "first interaction, RFC 3339 UTC"),
    "last": ("", "last interaction, RFC 3339 UTC"),
}


def _iso(ts) -> str:
    return "" if ts is None else ts.isoformat().replace("+00:00", "Z")


def account_graph(a: Analysis, accounts: pa.Table | None = None) -> nx.DiGraph:
    """The directed account graph of analysis ``a``, with the store's ``accounts`` profiles."""
    g = nx.DiGraph(name="womgraph accounts")

    def node(v: str) -> dict:
        if v not in g:
            g.add_node(v, **{k: default for k, (default, _) in NODE_ATTRIBUTES.items()})
            g.nodes[v]["label"] = v
        return g.nodes[v]

    if accounts is not None and accounts.num_rows:
        cols = set(accounts.column_names)
        for r in accounts.select(
            [c for c in ("id", "handle", "role", "followers") if c in cols]
        ).to_pylist():
            d = node(r["id"])
            if r.get("handle"):
                d["handle"] = d["label"] = r["handle"]
            d["role"] = r.get("role") or ""
            if r.get("followers") is not None:
                d["followers"] = int(r["followers"])

    edges: dict[tuple[str, str], dict] = {}
    cls = (
        a.classes.select(["actor", "target", "class", "ts"]).to_pylist()
        if a.classes.num_rows
        else []
    )
    for r in cls:
        actor, target, klass = r["actor"], r["target"], r["class"]
        if actor:
            node(actor)
        if target:
            node(target)
        if not actor or not target or actor == target or klass not in EDGE_CLASSES:
            continue
        e = edges.get((actor, target))
        if e is None:
            e = edges[(actor, target)] = {k: default for k, (default, _) in EDGE_ATTRIBUTES.items()}
            e["first"] = e["last"] = r["ts"]
        e[klass] += 1
        e["weight"] += 1
        e["first"], e["last"] = min(e["first"], r["ts"]), max(e["last"], r["ts"])
    if a.attribution.num_rows:
        for r in a.attribution.select(["adopter", "parent", "kind"]).to_pylist():
            d = node(r["adopter"])
            if not d["adopted"]:  # the first adoption (the table is in time order) gives the cause
                d["adopted"], d["adoption_cause"] = True, r["kind"] or ""
            if r["parent"] and r["parent"] != r["adopter"] and (r["parent"], r["adopter"]) in edges:
                edges[(r["parent"], r["adopter"])]["conversions"] += 1
    for (u, v), e in edges.items():
        e["class"] = max(EDGE_CLASSES, key=lambda k: (e[k], -EDGE_CLASSES.index(k)))
        e["first"], e["last"] = _iso(e["first"]), _iso(e["last"])
        g.add_edge(u, v, **e)

    for r in a.advocates.to_pylist() if a.advocates.num_rows else []:
        d = node(r["account"])
        d.update(
            is_advocate=True,
            advocate_rank=int(r["rank"]),
            advocate_score=round(float(r["score"]), 6),
            conversions=int(r.get("conversions_total") or 0),
            people_reached=int(r.get("people_reached") or 0),
        )
        if r.get("handle") and not d["handle"]:
            d["handle"] = d["label"] = r["handle"]
        if d["followers"] == -1 and r.get("followers") is not None:
            d["followers"] = int(r["followers"])
    if a.communities.num_rows:
        for acc, c in zip(
            a.communities.column("account").to_pylist(),
            a.communities.column("community").to_pylist(),
        ):
            if c is not None:
                node(acc)["community"] = int(c)
    for f in a.flags:
        for acc in f["accounts"]:
            d = node(acc)
            d["flag_rules"] = ",".join(
                sorted(set(filter(None, d["flag_rules"].split(","))) | {f["rule"]})
            )
            if f.get("affects_class"):
                d["flagged"] = True
    return g


def graph_format(out: str | Path | BinaryIO, fmt: str | None = None) -> str:
    """``fmt``, else the format named by the suffix of path ``out``.

    >>> graph_format("wom.GEXF"), graph_format("x.txt", "graphml")
    ('gexf', 'graphml')
    """
    if fmt is not None:
        if fmt not in GRAPH_FORMATS:
            raise ValueError(f"graph format must be one of {', '.join(GRAPH_FORMATS)}, not {fmt!r}")
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".") if isinstance(out, (str, Path)) else ""
    if suffix not in GRAPH_FORMATS:
        raise InputError(
            f"Cannot tell the graph format from {str(out)!r}: give --format graphml or "
            f"--format gexf, or name the file .graphml or .gexf."
        )
    return suffix


def write_graph(g: nx.DiGraph, out: str | Path | BinaryIO, fmt: str | None = None) -> str:
    """Write ``g`` as GraphML or GEXF to a path or binary stream; ``fmt`` defaults to the path's
    suffix (``.graphml``, ``.gexf``). Returns the format written."""
    fmt = graph_format(out, fmt)
    g = xml_safe(g)
    if fmt == "graphml":
        nx.write_graphml(g, out)
    elif fmt == "gexf":
        nx.write_gexf(g, out)
    return fmt


#: Characters XML 1.0 cannot hold at all (not even escaped): most C0 controls, lone surrogates,
#: U+FFFE and U+FFFF. Ids and texts are any strings, so they may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", value)


def xml_safe(g: nx.DiGraph) -> nx.DiGraph:
    r"""``g`` itself, or a copy whose node ids and string attributes show characters that XML
    cannot hold as ``\xNN`` (``a\x00b``), so GraphML and GEXF files always parse.

    >>> g = nx.DiGraph(); g.add_node("a\x00b", label="@x\x0b")
    >>> dict(xml_safe(g).nodes(data=True))
    {'a\\x00b': {'label': '@x\\x0b'}}
    """

    def bad(v) -> bool:
        return isinstance(v, str) and _NOT_XML.search(v) is not None

    if not any(bad(n) or any(map(bad, d.values())) for n, d in g.nodes(data=True)) and not any(
        any(map(bad, d.values())) for _, _, d in g.edges(data=True)
    ):
        return g

    def fix(d: dict) -> dict:
        return {k: _xml_text(v) if isinstance(v, str) else v for k, v in d.items()}

    h = nx.DiGraph(**fix(g.graph))
    h.add_nodes_from((_xml_text(n), fix(d)) for n, d in g.nodes(data=True))
    h.add_edges_from((_xml_text(u), _xml_text(v), fix(d)) for u, v, d in g.edges(data=True))
    return h
