"""Recommendation chains: the cascade forest of people, and each cascade's shape.

A person's adoption is their first signup or purchase. Their parent in the forest is the peer
parent of that adoption, kept when time-respecting (the sender was reached before reaching
them; this also rules out cycles). Everything after the SQL that finds edges is NumPy:
:func:`~womgraph.analyse.content.find_roots` gives roots and generations, one pass per level
gives subtree sizes, and the Wiener index of a tree is the sum over its edges of
``s * (n - s)`` (s the size below the edge).

Tables created in the frame: ``cascade_nodes`` (node, root, generation, adopted, adopt_ts),
``cascade_edges`` (root, parent, child, generation, hop_hours, parent_event), ``cascades``.
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

__all__ = ["FIRST_ADOPTION_SQL", "build_cascades", "first_adoptions", "structural_virality", "tree_wiener_index"]


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


def build_cascades(frame: Frame) -> None:
    """Create ``cascade_nodes``, ``cascade_edges`` and ``cascades`` in the frame from
    ``first_adoption`` (:func:`first_adoptions`)."""
    con = frame.con
    # Candidate edges and the time-respect test (the parent's own reaching exposure, if any,
    # came strictly before the exposure that reached the child).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cedge AS
        SELECT c.adopter AS child, c.parent, c.parent_event, c.exposure_ts, c.ts AS child_ts
        FROM first_adoption c
        LEFT JOIN first_adoption p ON p.adopter = c.parent AND p.kind = 'peer'
        WHERE c.kind = 'peer' AND c.parent IS NOT NULL
          AND (p.exposure_ts IS NULL OR p.exposure_ts < c.exposure_ts)
        """
    )
    nodes = arrow(con, """
        WITH n AS (SELECT child AS node FROM cedge UNION SELECT parent FROM cedge)
        SELECT n.node, row_number() OVER (ORDER BY n.node) - 1 AS idx FROM n ORDER BY n.node
        """)
    register(con, "node_idx", nodes)
    par = arrow(con, """
        SELECT coalesce(pi.idx, -1) AS pidx
        FROM node_idx n LEFT JOIN cedge e ON e.child = n.node
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
        """
        CREATE OR REPLACE TEMP TABLE cascade_nodes AS
        SELECT f.node, r.node AS root, f.generation, f.tree_size, f.wiener,
               fa.id IS NOT NULL AS adopted, fa.ts AS adopt_ts, fa.id AS adoption
        FROM forest_in f JOIN node_idx r ON r.idx = f.root_idx
        LEFT JOIN first_adoption fa ON fa.adopter = f.node
        WHERE f.ok
        """
    )
    unregister(con, "forest_in")
    unregister(con, "node_idx")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cascade_edges AS
        SELECT cn.root, e.parent, e.child, cn.generation, e.parent_event, e.exposure_ts,
               e.child_ts,
               (epoch_us(e.child_ts) - epoch_us(
                    CASE WHEN pn.adopt_ts IS NOT NULL AND pn.adopt_ts <= e.child_ts
                         THEN pn.adopt_ts ELSE e.exposure_ts END)) / 3.6e9 AS hop_hours
        FROM cedge e JOIN cascade_nodes cn ON cn.node = e.child
        JOIN cascade_nodes pn ON pn.node = e.parent
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cascades AS
        WITH gen AS (
            SELECT root, generation, count(*) AS people, count(*) FILTER (WHERE adopted) AS adopters
            FROM cascade_nodes GROUP BY root, generation
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
            FROM cascade_edges GROUP BY root
        )
        SELECT n.root, any_value(n.tree_size) AS size, p.depth, p.max_breadth,
               2 * any_value(n.wiener) / (any_value(n.tree_size) * (any_value(n.tree_size) - 1))
                 AS structural_virality,
               count(*) FILTER (WHERE n.generation > 0) AS conversions,
               bool_or(n.adopted AND n.generation = 0) AS root_adopted,
               p.conversions_per_generation, p.people_per_generation,
               h.median_hop_hours, h.first_ts, h.last_ts
        FROM cascade_nodes n JOIN per p USING (root) JOIN hop h USING (root)
        GROUP BY n.root, p.depth, p.max_breadth, p.conversions_per_generation,
                 p.people_per_generation, h.median_hop_hours, h.first_ts, h.last_ts
        """
    )
    con.execute("DROP TABLE cedge")
