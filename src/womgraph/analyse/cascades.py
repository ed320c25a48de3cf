"""Recommendation chains: the cascade forest of people, and each cascade's shape.

A person's adoption is their first signup or purchase. Their parent in the forest is the peer
parent of that adoption, kept when time-respecting (the sender was reached before reaching
them; this also rules out cycles). Everything after the SQL that finds edges is NumPy:
:func:`~womgraph.analyse.content.find_roots` gives roots and generations, one pass per level
gives subtree sizes, and the Wiener index of a tree is the sum over its edges of
``s * (n - s)`` (s the size below the edge).

Tables created in the frame: ``cedge`` (the candidate edges), ``cascade_nodes`` (node, root,
generation, adopted, adopt_ts), ``cascade_edges`` (root, parent, child, generation, hop_hours,
parent_event), ``cascades``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
import numpy as np
import pyarrow as pa

from ..duck import arrow, register, unregister
from .content import find_roots
from .frame import Frame

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CEDGE_SQL", "FIRST_ADOPTION_SQL", "build_cascades", "cascades_sql", "cedge_sql", "edges_sql", "first_adoptions",
           "forest", "structural_virality", "tree_wiener_index"]


def structural_virality(tree: "nx.Graph") -> float:
    """Structural virality 2W / (n (n - 1)) of a tree with n > 1 nodes.

    Examples
    --------
    >>> import networkx as nx
    >>> structural_virality(nx.star_graph(4))  # centre and 4 leaves
    1.6
    >>> structural_virality(nx.path_graph(4))  # (n + 1) / 3
    1.6666666666666667
    """
    n = tree.number_of_nodes()
    if n < 2:
        raise ValueError(f"structural virality needs at least 2 nodes, got {n}")
    import networkx as nx  # the reference implementation (the analysis itself uses NumPy)

    return 2 * nx.wiener_index(tree) / (n * (n - 1))


def tree_wiener_index(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-tree Wiener index, size and root of a parent-pointer forest (vectorised).

    Returns ``(root, size_of_tree_for_each_node, wiener_of_tree_for_each_node)``.

    >>> r, n, w = tree_wiener_index(np.array([-1, 0, 1, 2]))  # a path of 4 nodes
    >>> int(w[0]), int(n[0])
    (10, 4)
    >>> r, n, w = tree_wiener_index(np.array([-1, 0, 0, 0, 0]))  # a star with 4 leaves
    >>> int(w[0])
    16
    """
    root, hops = find_roots(parent)
    m = len(parent)
    sub = np.ones(m, dtype=np.int64)
    for level in range(int(hops.max(initial=0)), 0, -1):
        at = np.flatnonzero(hops == level)
        np.add.at(sub, parent[at], sub[at])
    ok = root >= 0
    size = np.zeros(m, dtype=np.int64)
    np.add.at(size, root[ok], 1)
    n_of = np.where(ok, size[np.where(ok, root, 0)], 0)
    edge = ok & (parent >= 0)
    w = np.zeros(m, dtype=np.float64)
    np.add.at(w, root[edge], (sub[edge] * (n_of[edge] - sub[edge])).astype(np.float64))
    return root, n_of, np.where(ok, w[np.where(ok, root, 0)], 0.0)


#: Each adopter's first adoption (by time, then id) with its attribution, from the rows of
#: ``attribution`` in ``{src}``. A refresh computes it again for the adopters it attributed again.
FIRST_ADOPTION_SQL = """
    SELECT * FROM {src}
    QUALIFY row_number() OVER (PARTITION BY adopter ORDER BY ts, id) = 1
"""


def first_adoptions(frame: Frame) -> None:
    """Create ``first_adoption`` (:data:`FIRST_ADOPTION_SQL`) from ``attribution``; kept in the state."""
    frame.con.execute(f"CREATE OR REPLACE TEMP TABLE first_adoption AS {FIRST_ADOPTION_SQL.format(src='attribution')}")


#: Candidate edges of the cascade forest, from the first adoptions in ``{fa}``: a peer parent,
#: kept when time-respecting (the parent's own reaching exposure, if any, came strictly before
#: the exposure that reached the child). ``{only}``: a further condition on the child ``c``.
CEDGE_SQL = """
    SELECT c.adopter AS child, c.parent, c.parent_event, c.exposure_ts, c.ts AS child_ts
    FROM {fa} c
    LEFT JOIN {fa} p ON p.adopter = c.parent AND p.kind = 'peer'
    WHERE c.kind = 'peer' AND c.parent IS NOT NULL
      AND (p.exposure_ts IS NULL OR p.exposure_ts < c.exposure_ts){only}
"""


def cedge_sql(fa: str, only: str | None = None) -> str:
    """:data:`CEDGE_SQL` over ``fa``, for the children ``c`` matching ``only`` (all without)."""
    return CEDGE_SQL.format(fa=fa, only="" if only is None else f" AND ({only})")


def forest(con, cedge: str, fa: str, out: str) -> bool:
    """Create ``out``: the rows of ``cascade_nodes`` (node, root, generation, tree size, Wiener
    index, whether and when the node adopted, from ``fa``) of the forest of the edges in
    ``cedge``, for the nodes in a tree; return True when that is every node (no cycle)."""
    nodes = arrow(con, f"""
        WITH n AS (SELECT child AS node FROM {cedge} UNION SELECT parent FROM {cedge})
        SELECT n.node, row_number() OVER (ORDER BY n.node) - 1 AS idx FROM n ORDER BY n.node
        """)
    register(con, "node_idx", nodes)
    par = arrow(con, f"""
        SELECT coalesce(pi.idx, -1) AS pidx
        FROM node_idx n LEFT JOIN {cedge} e ON e.child = n.node
        LEFT JOIN node_idx pi ON pi.node = e.parent
        ORDER BY n.idx
        """).column("pidx").to_numpy().astype(np.int64)
    root, n_of, wiener = tree_wiener_index(par)
    _, hops = find_roots(par)
    register(
        con,
        "forest_in",
        pa.table(
            {
                "node": nodes.column("node"),
                "root_idx": pa.array(root),  # the root's name is joined in below
                "generation": pa.array(hops),
                "ok": pa.array(root >= 0),
                "tree_size": pa.array(n_of),
                "wiener": pa.array(wiener),
            }
        ),
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT f.node, r.node AS root, f.generation, f.tree_size, f.wiener,
               fa.id IS NOT NULL AS adopted, fa.ts AS adopt_ts, fa.id AS adoption
        FROM forest_in f JOIN node_idx r ON r.idx = f.root_idx
        LEFT JOIN {fa} fa ON fa.adopter = f.node
        WHERE f.ok
        """
    )
    unregister(con, "forest_in")
    unregister(con, "node_idx")
    return bool((root >= 0).all())


def edges_sql(cedge: str, nodes: str) -> str:
    """The rows of ``cascade_edges`` for the edges in ``cedge`` whose nodes are in ``nodes``."""
    return f"""
        SELECT cn.root, e.parent, e.child, cn.generation, e.parent_event, e.exposure_ts,
               e.child_ts,
               (epoch_us(e.child_ts) - epoch_us(
                    CASE WHEN pn.adopt_ts IS NOT NULL AND pn.adopt_ts <= e.child_ts
                         THEN pn.adopt_ts ELSE e.exposure_ts END)) / 3.6e9 AS hop_hours
        FROM {cedge} e JOIN {nodes} cn ON cn.node = e.child
        JOIN {nodes} pn ON pn.node = e.parent
    """


def cascades_sql(nodes: str, edges: str, roots: str | None = None) -> str:
    """The rows of ``cascades`` from ``nodes`` and ``edges`` (``cascade_nodes`` and
    ``cascade_edges``), for the roots of query ``roots`` (all without)."""
    mine = "" if roots is None else f" WHERE root IN ({roots})"
    return f"""
        WITH n AS (SELECT * FROM {nodes}{mine}),
        gen AS (
            SELECT root, generation, count(*) AS people, count(*) FILTER (WHERE adopted) AS adopters
            FROM n GROUP BY root, generation
        ),
        per AS (
            SELECT root, max(generation) AS depth, max(people) AS max_breadth,
                   list(adopters ORDER BY generation) AS conversions_per_generation,
                   list(people ORDER BY generation) AS people_per_generation
            FROM gen GROUP BY root
        ),
        hop AS (
            SELECT root, median(hop_hours) AS median_hop_hours, min(child_ts) AS first_ts,
                   max(child_ts) AS last_ts
            FROM {edges}{mine} GROUP BY root
        )
        SELECT n.root, any_value(n.tree_size) AS size, p.depth, p.max_breadth,
               2 * any_value(n.wiener) / (any_value(n.tree_size) * (any_value(n.tree_size) - 1))
                 AS structural_virality,
               count(*) FILTER (WHERE n.generation > 0) AS conversions,
               bool_or(n.adopted AND n.generation = 0) AS root_adopted,
               p.conversions_per_generation, p.people_per_generation,
               h.median_hop_hours, h.first_ts, h.last_ts
        FROM n JOIN per p USING (root) JOIN hop h USING (root)
        GROUP BY n.root, p.depth, p.max_breadth, p.conversions_per_generation,
                 p.people_per_generation, h.median_hop_hours, h.first_ts, h.last_ts
    """


def build_cascades(frame: Frame) -> None:
    """Create ``cedge`` (the candidate edges), ``cascade_nodes``, ``cascade_edges`` and
    ``cascades`` in the frame from ``first_adoption`` (:func:`first_adoptions`); all four are
    kept in the state, for a refresh to build again only the trees it touches."""
    con = frame.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE cedge AS {cedge_sql('first_adoption')}")
    forest(con, "cedge", "first_adoption", "cascade_nodes")
    con.execute(f"CREATE OR REPLACE TEMP TABLE cascade_edges AS {edges_sql('cedge', 'cascade_nodes')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE cascades AS {cascades_sql('cascade_nodes', 'cascade_edges')}")
