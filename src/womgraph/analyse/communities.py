"""Communities of the peer graph (Louvain, igraph) and their word-of-mouth health.

The peer graph links two people when one reached the other through a peer exposure (weights
count the exposures, direction ignored). igraph's multilevel (Louvain) algorithm is used because
networkx's is too slow at this size (see ``../shared/MEASURED.md``); the result is made
deterministic by seeding igraph's random source with ``Options.seed`` and numbering communities
by size, then by their smallest member.
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa

from ..duck import arrow, register, unregister
from .frame import Frame
from .louvain import Worker, louvain, waiting

__all__ = ["PROCESS_EDGES", "Pending", "detect_communities", "louvain", "start"]

#: Peer graphs with at least this many edges (Louvain ~0.2 s and more) are divided into
#: communities in a worker process (~0.12 s to start, on the other core) beside the analysis.
PROCESS_EDGES = 50_000


class Pending:
    """Louvain on the peer graph, started by :func:`start` and taken by
    :func:`detect_communities`. A graph of at least :data:`PROCESS_EDGES` edges goes to a
    worker process at once (:class:`~womgraph.analyse.louvain.Worker`) and the caller goes on
    beside it, and so does any graph when a worker process started ahead is waiting (see
    :func:`~womgraph.analyse.louvain.worker_ready`); a smaller one is done here when its labels
    are asked for. An error in the worker is raised by :meth:`labels`."""

    def __init__(self, nodes: pa.Table, edges: pa.Table, seed: int, *, process: bool | None = None) -> None:
        self.nodes = nodes
        graph = (edges.column("s").to_numpy(), edges.column("t").to_numpy(),
                 edges.column("w").to_numpy().astype(float), nodes.num_rows, seed)
        if process is None:
            process = (edges.num_rows >= PROCESS_EDGES or waiting()) and bool(sys.executable)
        self._worker = Worker(*graph) if process else None
        self._graph = None if process else graph

    def labels(self) -> np.ndarray:
        if self._worker is not None:
            return self._worker.labels()
        return louvain(*self._graph)


def start(frame: Frame) -> Pending:
    """Read the peer graph from ``exposures`` and start Louvain on it (see :class:`Pending`)."""
    nodes, edges = _peer_graph(frame.con)
    return Pending(nodes, edges, frame.options.seed)


def _peer_graph(con) -> tuple[pa.Table, pa.Table]:
    edges = arrow(con, """
        WITH e AS (
            SELECT least(sender, person) AS a, greatest(sender, person) AS b, count(*) AS w
            FROM exposures WHERE kind = 'peer' GROUP BY ALL
        ),
        n AS (SELECT a AS node FROM e UNION SELECT b FROM e),
        ix AS (SELECT node, row_number() OVER (ORDER BY node) - 1 AS i FROM n)
        SELECT ia.i AS s, ib.i AS t, e.w FROM e JOIN ix ia ON ia.node = e.a JOIN ix ib ON ib.node = e.b
        ORDER BY s, t
        """)
    nodes = arrow(con, """
        WITH e AS (SELECT sender AS node FROM exposures WHERE kind = 'peer'
                   UNION SELECT person FROM exposures WHERE kind = 'peer')
        SELECT node FROM e ORDER BY node
        """)
    return nodes, edges


def detect_communities(frame: Frame, pending: Pending | None = None) -> tuple[pa.Table, pa.Table]:
    """Create ``communities`` (account, community) and ``community_health``; return both.
    ``pending``: Louvain already started by :func:`start` (on the same ``exposures``)."""
    con = frame.con
    if pending is None:
        pending = start(frame)
    nodes, labels = pending.nodes, pending.labels()
    register(con, "comm_in", pa.table({"account": nodes.column("node"), "community": pa.array(labels)}))
    con.execute("CREATE OR REPLACE TEMP TABLE communities AS SELECT * FROM comm_in")
    unregister(con, "comm_in")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE community_health AS
        WITH members AS (SELECT community, count(*) AS members FROM communities GROUP BY 1),
        inner_x AS (
            SELECT cs.community, count(*) AS peer_exposures,
                   count(*) FILTER (WHERE cs.community = cp.community) AS internal_exposures
            FROM exposures x JOIN communities cs ON cs.account = x.sender
            JOIN communities cp ON cp.account = x.person
            WHERE x.kind = 'peer' GROUP BY 1
        ),
        adopt AS (
            SELECT c.community, count(*) AS adopters,
                   count(*) FILTER (WHERE f.kind = 'peer') AS peer_adopters
            FROM first_adoption f JOIN communities c ON c.account = f.adopter GROUP BY 1
        ),
        top AS (
            SELECT c.community, arg_min(a.account, a.rank) AS top_advocate,
                   count(*) AS advocates
            FROM advocates a JOIN communities c USING (account) GROUP BY 1
        )
        SELECT m.community, m.members, coalesce(t.advocates, 0) AS advocates, t.top_advocate,
               coalesce(i.peer_exposures, 0) AS peer_exposures,
               coalesce(i.internal_exposures, 0) AS internal_exposures,
               coalesce(a.adopters, 0) AS adopters, coalesce(a.peer_adopters, 0) AS peer_adopters,
               CASE WHEN coalesce(a.adopters, 0) > 0 THEN a.peer_adopters / a.adopters END AS wom_purity
        FROM members m LEFT JOIN inner_x i USING (community) LEFT JOIN adopt a USING (community)
        LEFT JOIN top t USING (community)
        ORDER BY m.community
        """
    )
    return (
        arrow(con, "SELECT * FROM communities ORDER BY account"),
        arrow(con, "SELECT * FROM community_health ORDER BY community"),
    )
