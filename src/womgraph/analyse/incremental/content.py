"""Content in a refresh: what new and dirty events change of the kept content (kind, creator,
root), and whether kept events point at content that only arrived now."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ...duck import register, unregister
from ..classify import BASE, content_sql, CONTENT_TYPES
from ..content import find_roots
from ..state import cls_rows_sql, KIND_TYPE
from .common import _event_rows, _hash


def _points_at_new_content(con, kept: int) -> bool:
    """Do kept events point at content (or brand posts) that only the new events create?

    The tallies and content kinds of kept events would then change, which a refresh does not
    follow (events arriving before what they answer)."""
    _known_content(con, f"SELECT hash(post) FROM nfeat WHERE post IS NOT NULL AND type IN {CONTENT_TYPES}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _late AS
        SELECT DISTINCT post FROM nfeat
        WHERE post IS NOT NULL AND (
              (type IN {CONTENT_TYPES} AND hash(post) NOT IN (SELECT h FROM _known))
           OR (by_brand AND post NOT IN (SELECT post FROM st.brand_posts)))
        """
    )
    if con.execute("SELECT count(*) FROM _late").fetchone()[0] == 0:
        return False
    return con.execute(
        f"SELECT EXISTS (SELECT 1 FROM events WHERE rowid <= {kept} AND parent IN (SELECT post FROM _late))"
    ).fetchone()[0]


def _known_content(con, hashes: str) -> None:
    """Leave ``_known`` (h): which of the content hashes of query ``hashes`` are kept content.
    (The few hashes are looked up in the kept ones, not the other way round: an ``IN`` over
    ``st.content`` would build a hash table of every content id.)"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _known AS SELECT h FROM st.content WHERE h IN ({hashes})")


def _content(con) -> bool:
    """Bring ``st.content`` up to date for the content of dirty events; leave ``changed_content``
    (h, new) with every content id whose row, or root, changed, or that is new. False when the parent of kept
    content changed (its root would move: not followed)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _k0 AS
        SELECT DISTINCT post AS cid FROM dirty WHERE post IS NOT NULL AND type IN {CONTENT_TYPES}
        """
    )
    _known_content(con, "SELECT hash(cid) FROM _k0")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _k AS SELECT cid, hash(cid) IN (SELECT h FROM _known) AS kept FROM _k0"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _k_new AS SELECT cid FROM _k WHERE NOT kept")
    con.execute("CREATE OR REPLACE TEMP TABLE _k_old AS SELECT cid FROM _k WHERE kept")
    # New content has events among the new ones only; kept content is aggregated again over all.
    con.execute(f"CREATE OR REPLACE TEMP TABLE _kc AS {content_sql('nbase', '_k_new')}")
    if con.execute("SELECT count(*) FROM _k_old").fetchone()[0]:
        _event_rows(con, "_kev", "post IN (SELECT cid FROM _k_old)")
        rows = cls_rows_sql("st", "_kev")
        con.execute(f"INSERT INTO _kc {content_sql(f'(SELECT *, {BASE} AS base FROM ({rows}))', '_k_old')}")
        con.execute("DROP TABLE _kev")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _chg AS
        SELECT o.h, hash(n.creator) AS creator_h, n.kind::{KIND_TYPE} AS kind,
               n.mentions_brand, n.mentions_peer, n.names_brand,
               n.kind IS DISTINCT FROM o.kind::VARCHAR OR hash(n.creator) <> o.creator_h AS as_root,
               {_hash('n.parent')} IS DISTINCT FROM o.parent_h AS moved
        FROM _kc n JOIN st.content o ON o.h = hash(n.cid)
        WHERE n.kind IS DISTINCT FROM o.kind::VARCHAR OR hash(n.creator) <> o.creator_h
           OR n.mentions_brand IS DISTINCT FROM o.mentions_brand
           OR n.mentions_peer IS DISTINCT FROM o.mentions_peer
           OR n.names_brand IS DISTINCT FROM o.names_brand
           OR {_hash('n.parent')} IS DISTINCT FROM o.parent_h
        """
    )
    if con.execute("SELECT count(*) FROM _chg WHERE moved").fetchone()[0]:
        return False
    con.execute(
        """
        UPDATE st.content SET creator_h = c.creator_h, kind = c.kind, mentions_brand = c.mentions_brand,
               mentions_peer = c.mentions_peer, names_brand = c.names_brand
        FROM _chg c WHERE st.content.h = c.h
        """
    )
    # Content below a root whose kind or creator changed reads them through its root.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE changed_content AS
        SELECT h, false AS new FROM _chg
        UNION SELECT h, false FROM st.content WHERE root_h IN (SELECT h FROM _chg WHERE as_root)
        """
    )
    _new_content(con)
    for t in ("_k0", "_k", "_k_new", "_k_old", "_kc", "_chg"):
        con.execute(f"DROP TABLE {t}")
    return True


def _new_content(con) -> None:
    """Insert the content ids seen for the first time (rows of ``_kc`` not kept yet), with roots
    as a full analysis finds them.

    Their parents are kept content (with a root already) or other new content; pointer jumping
    over the new ids alone leads each to its top, whose parent (if kept) gives the root."""
    con.execute(  # numbered once: a CTE referenced twice could be numbered twice
        f"""
        CREATE OR REPLACE TEMP TABLE _n AS
        WITH n AS MATERIALIZED (
            SELECT *, row_number() OVER () - 1 AS rn FROM _kc WHERE hash(cid) NOT IN (SELECT h FROM _known)
        )
        SELECT n.*, o.h IS NOT NULL AS kept_parent, o.root_h AS kept_root, o.hops AS kept_hops
        FROM n LEFT JOIN (SELECT h, root_h, hops FROM st.content
                          WHERE h IN (SELECT hash(parent) FROM n WHERE parent IS NOT NULL)) o
          ON o.h = {_hash('n.parent')}
        """
    )
    t = con.execute(
        "SELECT n.rn, coalesce(p.rn, -1) AS pidx FROM _n n LEFT JOIN _n p ON p.cid = n.parent ORDER BY n.rn"
    ).fetchnumpy()
    if len(t["rn"]):
        top, hops = find_roots(np.asarray(t["pidx"], dtype=np.int64))
        register(con, "_roots_in", pa.table({"rn": np.arange(len(top), dtype=np.int64), "top": top, "hops": hops}))
        # On a cycle among the new content: no root; below kept content: its root (none when
        # that is on or below a cycle); else the top is the root.
        con.execute(
            f"""
            INSERT INTO st.content
            SELECT hash(n.cid), hash(n.creator), {_hash('n.parent')}, n.kind::{KIND_TYPE},
                   n.mentions_brand, n.mentions_peer, n.names_brand,
                   CASE WHEN r.top < 0 THEN NULL WHEN t.kept_parent THEN t.kept_root
                        ELSE hash(t.cid) END,
                   CASE WHEN r.top < 0 OR (t.kept_parent AND t.kept_root IS NULL) THEN -1
                        WHEN t.kept_parent THEN t.kept_hops + 1 + r.hops ELSE r.hops END
            FROM _n n JOIN _roots_in r USING (rn) LEFT JOIN _n t ON t.rn = r.top
            """
        )
        unregister(con, "_roots_in")
        con.execute("INSERT INTO changed_content SELECT hash(cid), true FROM _n")
    con.execute("DROP TABLE _n")

