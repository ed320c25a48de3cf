"""Classes in a refresh: the events that may have changed, classified again, with their peer
exposures and invitations."""

from __future__ import annotations

from ..advocates import ACTS_SQL
from ..attribution import exposures_sql, inv_sql
from ..classify import BASE, cls_sql
from ..metrics import count_change, PEER_EV_SQL
from ..state import cls_rows_sql, REASON_TYPE
from .common import _event_rows, _hash, _LOOKUP, _redo, _rows_of


def _classes(con, kept: int) -> None:
    """Classify again the dirty events and those pointing at changed content; update their rows
    in ``st.cls`` and replace their peer exposures and invitations. Leaves ``redo`` (rid),
    ``reached`` (person: everyone those events involve, whose exposures may have changed),
    ``inv_keys`` (k: ids and codes of changed invitations), ``addx`` (their exposures) and
    ``reids`` (id: the kept events among them)."""
    con.execute("CREATE OR REPLACE TEMP TABLE redo AS SELECT DISTINCT rid FROM dirty")
    # Kept events point only at kept content (new content was checked for that), and new
    # events are all in ``redo`` already.
    if con.execute("SELECT count(*) FROM changed_content WHERE NOT new").fetchone()[0]:
        con.execute(
            f"""
            INSERT INTO redo
            SELECT rowid FROM events
            WHERE ({_hash('parent')} IN (SELECT h FROM changed_content WHERE NOT new)
                   OR (type = 'mention'
                       AND {_hash('post')} IN (SELECT h FROM changed_content WHERE NOT new)))
              AND rowid NOT IN (SELECT rid FROM redo)
            """
        )
    _event_rows(con, "_rev", "rowid IN (SELECT rid FROM redo)")
    rows = cls_rows_sql("st", "_rev")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rbase AS SELECT *, {BASE} AS base FROM ({rows})")
    needed = (
        "SELECT hash(parent) FROM _rbase WHERE parent IS NOT NULL "
        "UNION SELECT hash(post) FROM _rbase WHERE type = 'mention' AND post IS NOT NULL"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _look AS {_LOOKUP.format(needed=needed)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE rcls AS {cls_sql('_rbase', '_look', hashed=True)}")
    count_change(con, "_rbase", "rcls")
    con.execute(f"UPDATE st.cls SET reason = r.reason::{REASON_TYPE} FROM rcls r WHERE st.cls.rowid = r.rid")
    con.execute("DELETE FROM st.peer_ev WHERE id IN (SELECT id FROM rcls)")
    con.execute(f"INSERT INTO st.peer_ev {PEER_EV_SQL.format(src='rcls')}")
    # Only the actors of these events have peer events that changed: their word of mouth anew.
    _redo(con, "adv_acts", "account", "SELECT DISTINCT actor FROM rcls", _rows_of(ACTS_SQL, "st.peer_ev", "actor"))
    # New events come after every kept adoption, so their exposures explain new adoptions only
    # (all of them attributed again); kept events classified again may explain kept ones.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE reached AS
        SELECT actor AS person FROM rcls WHERE rid <= {kept}
        UNION SELECT target FROM rcls WHERE rid <= {kept} AND target IS NOT NULL
        """
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE addx AS {exposures_sql('rcls')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE reids AS SELECT id FROM rcls WHERE rid <= {kept}")
    # Whose advocates' figures may change (``_figures``): the actors of these events, and the
    # senders of the peer exposures they had and have.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE fig_touched AS
        SELECT DISTINCT actor AS account FROM rcls
        UNION ALL SELECT sender FROM st.peer_x WHERE event IN (SELECT id FROM rcls)
        UNION ALL SELECT sender FROM addx WHERE kind = 'peer'
        """
    )
    con.execute("DELETE FROM st.peer_x WHERE event IN (SELECT id FROM rcls)")
    con.execute("INSERT INTO st.peer_x SELECT person, sender, ts, event FROM addx WHERE kind = 'peer'")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE inv_keys AS
        SELECT id AS k FROM st.inv WHERE id IN (SELECT id FROM rcls)
        UNION SELECT via FROM st.inv WHERE id IN (SELECT id FROM rcls) AND via IS NOT NULL
        """
    )
    con.execute("DELETE FROM st.inv WHERE id IN (SELECT id FROM rcls)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ni AS {inv_sql('rcls')}")
    con.execute("INSERT INTO st.inv SELECT * FROM _ni")
    con.execute("INSERT INTO inv_keys SELECT id FROM _ni UNION SELECT via FROM _ni WHERE via IS NOT NULL")
    for t in ("_ni", "_rev", "_rbase", "_look", "dirty", "changed_content", "nbase", "rcls"):
        con.execute(f"DROP TABLE {t}")

