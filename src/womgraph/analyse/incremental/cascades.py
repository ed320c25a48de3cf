"""The cascade forest in a refresh: only the trees it touches are built again.

An edge of the forest (``analyse.cascades``) reads the child's first adoption and, for its time
test, the parent's. So the edges that may change are those of the adopters attributed again
(``fa_touched``, left by the attribution step) and of their children. Those nodes, their new
parents, and every node of the old trees any of them was in (their old parents among them) make
the set ``_S``: an edge
from outside ``_S`` into it would have put its child in one of those trees. The forest of the
edges whose child is in ``_S`` replaces their rows of ``st.cascade_nodes``, ``st.cedge`` and
``st.cascade_edges``, and the cascades of their old and new roots are computed again.

A forest with a node on a cycle (possible only when first adoptions without an exposure time
point at each other) is built again in full, as a full analysis builds it.
"""

from __future__ import annotations

from ..cascades import cascades_sql, cedge_sql, edges_sql, forest
from ..frame import Frame
from .common import STATS


def _cascades(frame: Frame) -> None:
    """Bring ``st.cedge``, ``st.cascade_nodes``, ``st.cascade_edges`` and ``st.cascades`` up to
    date with ``st.first_adoption``, whose rows changed only for the adopters in ``fa_touched``."""
    con = frame.con
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _t0 AS
        SELECT adopter AS node FROM fa_touched
        UNION SELECT adopter FROM st.first_adoption
        WHERE kind = 'peer' AND parent IN (SELECT adopter FROM fa_touched)
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ne AS {cedge_sql('st.first_adoption', 'c.adopter IN (SELECT node FROM _t0)')}"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _t AS  -- (their old parents are in their old trees)
        SELECT node FROM _t0 UNION SELECT parent FROM _ne
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _old_roots AS
        SELECT DISTINCT root FROM st.cascade_nodes WHERE node IN (SELECT node FROM _t)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _S AS
        SELECT node FROM _t
        UNION SELECT node FROM st.cascade_nodes WHERE root IN (SELECT root FROM _old_roots)
        """
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _se AS {cedge_sql('st.first_adoption', 'c.adopter IN (SELECT node FROM _S)')}")
    whole = _had_cycle(con) or not forest(con, "_se", "st.first_adoption", "_sn")
    STATS["cascade nodes built again"] = -1 if whole else con.execute("SELECT count(*) FROM _S").fetchone()[0]
    if whole:
        _rebuild(con)
    else:
        con.execute("DELETE FROM st.cascade_nodes WHERE node IN (SELECT node FROM _S)")
        con.execute("INSERT INTO st.cascade_nodes SELECT * FROM _sn")
        con.execute("DELETE FROM st.cedge WHERE child IN (SELECT node FROM _S)")
        con.execute("INSERT INTO st.cedge SELECT * FROM _se")
        con.execute("DELETE FROM st.cascade_edges WHERE child IN (SELECT node FROM _S)")
        con.execute(f"INSERT INTO st.cascade_edges {edges_sql('_se', 'st.cascade_nodes')}")
        roots = "SELECT root FROM _old_roots UNION SELECT root FROM _sn"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _roots AS {roots}")
        con.execute("DELETE FROM st.cascades WHERE root IN (SELECT root FROM _roots)")
        con.execute(f"INSERT INTO st.cascades {cascades_sql('st.cascade_nodes', 'st.cascade_edges', 'SELECT root FROM _roots')}")
        con.execute("DROP TABLE _roots")
        con.execute("DROP TABLE _sn")
    for t in ("_t0", "_ne", "_t", "_old_roots", "_S", "_se", "fa_touched"):
        con.execute(f"DROP TABLE {t}")


def _had_cycle(con) -> bool:
    """Did the kept forest leave out nodes on or below a cycle (every node of an edge is in
    ``cascade_nodes`` otherwise)?"""
    return con.execute(
        """
        SELECT (SELECT count(*) FROM (SELECT child FROM st.cedge UNION SELECT parent FROM st.cedge))
               <> (SELECT count(*) FROM st.cascade_nodes)
        """
    ).fetchone()[0]


def _rebuild(con) -> None:
    """The whole forest from ``st.first_adoption``, as a full analysis builds it."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _all AS {cedge_sql('st.first_adoption')}")
    forest(con, "_all", "st.first_adoption", "_sn")
    con.execute("CREATE OR REPLACE TABLE st.cedge AS SELECT * FROM _all")
    con.execute("CREATE OR REPLACE TABLE st.cascade_nodes AS SELECT * FROM _sn")
    con.execute(f"CREATE OR REPLACE TABLE st.cascade_edges AS {edges_sql('st.cedge', 'st.cascade_nodes')}")
    con.execute(f"CREATE OR REPLACE TABLE st.cascades AS {cascades_sql('st.cascade_nodes', 'st.cascade_edges')}")
    con.execute("DROP TABLE _all")
    con.execute("DROP TABLE _sn")
