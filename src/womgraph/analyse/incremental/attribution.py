"""Attribution in a refresh: the adoptions whose exposures may have changed, attributed again
from what was kept and the events classified again."""

from __future__ import annotations

from ...duck import literal
from ..attribution import (
    WINDOW_KINDS, attribute_adoptions, exposures_sql, latest_sql, order_key, window_hits_sql, window_us,
)
from ..cascades import FIRST_ADOPTION_SQL
from ..classify import adoption_reason
from ..frame import Frame
from ..metrics import count_change
from ..state import cls_rows_sql, EVENT_COLUMNS, REASON_TYPE
from .common import _hash, _LOOKUP, _redo, _rows_of, STATS


def _attribution(frame: Frame, kept: int) -> None:
    """Attribute again the adoptions that were classified again, whose adopter took part in an
    event classified again (their exposures may have changed), or whose ``via`` names a
    changed invitation; then give them their reasons.

    The latest exposure of each kind inside an adoption's window is the latest of what was
    kept (the adoption's own ``window_hits``; for a new adoption, its adopter's ``latest_x``)
    and the exposures of the events classified again (``addx``). Only when a kept exposure came
    from an event classified again (it may be gone) are the adopter's events read again."""
    con = frame.con
    window = window_us(frame)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _adopt AS
        SELECT id, ts, actor AS adopter, via, type, rid,
               rid > {kept} OR actor IN (SELECT person FROM reached) AS renew
        FROM st.adopt_ev
        WHERE rid IN (SELECT rid FROM redo) OR actor IN (SELECT person FROM reached)
           OR via IN (SELECT k FROM inv_keys)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _base AS
        SELECT a.id, h.kind, h.parent, h.parent_event, h.exposure_ts
        FROM _adopt a JOIN st.window_hits h USING (id) WHERE a.renew AND a.rid <= {kept}
        UNION ALL
        SELECT a.id, l.kind, l.sender, l.event, l.ts
        FROM _adopt a JOIN st.latest_x l ON l.person = a.adopter
        WHERE a.rid > {kept} AND epoch_us(a.ts) - epoch_us(l.ts) <= {window}
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _scan AS SELECT DISTINCT id FROM _base WHERE parent_event IN (SELECT id FROM reids)")
    con.execute("CREATE OR REPLACE TEMP TABLE _lx_bad AS SELECT person, kind FROM st.latest_x WHERE event IN (SELECT id FROM reids)")
    STATS.update(zip(
        ("adoptions attributed again", "their exposures read again", "latest exposures read again"),
        con.execute("SELECT (SELECT count(*) FROM _adopt), (SELECT count(*) FROM _scan), (SELECT count(*) FROM _lx_bad)").fetchone(),
    ))
    scanned = _scan_exposures(frame)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _whits AS
        SELECT id, kind, x.parent, x.parent_event, x.exposure_ts FROM (
            SELECT id, kind, arg_max({{'parent': parent, 'parent_event': parent_event, 'exposure_ts': exposure_ts}},
                                     {order_key('exposure_ts', 'parent_event')}) AS x
            FROM (
                SELECT * FROM _base WHERE id NOT IN (SELECT id FROM _scan)
                UNION ALL
                SELECT a.id, x.kind, x.sender, x.event, x.ts FROM _adopt a JOIN addx x ON x.person = a.adopter
                WHERE a.renew AND a.id NOT IN (SELECT id FROM _scan) AND x.kind IN {WINDOW_KINDS}
                  AND {order_key('x.ts', 'x.event')} < {order_key('a.ts', None)}
                  AND epoch_us(a.ts) - epoch_us(x.ts) <= {window}
            )
            GROUP BY ALL
        )
        """
    )
    if scanned:
        scan_adopt = "(SELECT * FROM _adopt WHERE id IN (SELECT id FROM _scan))"
        con.execute(f"INSERT INTO _whits {window_hits_sql(frame, scan_adopt, '_sx')}")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _wh AS
        SELECT * FROM _whits
        UNION ALL SELECT * FROM st.window_hits WHERE id IN (SELECT id FROM _adopt WHERE NOT renew)
        """
    )
    attribute_adoptions(frame, "_adopt", "st.inv", "_wh", "_attr")
    con.execute("DELETE FROM st.window_hits WHERE id IN (SELECT id FROM _adopt WHERE renew)")
    con.execute("INSERT INTO st.window_hits SELECT * FROM _whits")
    con.execute("DELETE FROM st.attribution WHERE id IN (SELECT id FROM _adopt)")
    con.execute("INSERT INTO st.attribution SELECT * FROM _attr")
    # Only these adopters' attributions changed: their first adoptions anew (and the figures
    # of whoever they credit, before and after).
    con.execute("CREATE OR REPLACE TEMP TABLE fa_touched AS SELECT DISTINCT adopter FROM _adopt")  # for _cascades
    credited = "SELECT parent FROM st.first_adoption WHERE adopter IN (SELECT adopter FROM _adopt) AND kind = 'peer'"
    con.execute(f"INSERT INTO fig_touched {credited}")
    _redo(con, "first_adoption", "adopter", "SELECT DISTINCT adopter FROM _adopt",
          _rows_of(FIRST_ADOPTION_SQL, "st.attribution", "adopter"))
    con.execute(f"INSERT INTO fig_touched {credited}")
    _latest(frame, scanned)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _areason AS
        SELECT d.rid, d.ts, a.channel, d.type, c.reason::VARCHAR AS old_reason,
               {adoption_reason('c.flag_rule::VARCHAR', 'x.kind')} AS reason
        FROM _adopt d
        JOIN (SELECT rowid AS rid, flag_rule, reason FROM st.cls WHERE rowid IN (SELECT rid FROM _adopt)) c
          USING (rid)
        JOIN _attr x ON x.id = d.id JOIN st.adopt_ev a ON a.id = d.id
        """
    )
    count_change(con, "(SELECT * EXCLUDE (reason) RENAME (old_reason AS reason) FROM _areason)", "_areason")
    con.execute(f"UPDATE st.cls SET reason = x.reason::{REASON_TYPE} FROM _areason x WHERE st.cls.rowid = x.rid")
    for t in ("_areason", "_adopt", "_base", "_scan", "_lx_bad", "_whits", "_wh", "_attr", "redo", "reached",
              "inv_keys", "addx", "reids", *(("_sx",) if scanned else ())):
        con.execute(f"DROP TABLE {t}")

def _scan_exposures(frame: Frame) -> bool:
    """Read again the exposures of adopters whose kept latest exposure came from an event
    classified again (``_scan``: inside the adoption's window), and of people whose kept
    latest exposure did (``_lx_bad``: inside the window before the last event); leave them
    in ``_sx`` and return True, or return False when there are none."""
    con = frame.con
    if not con.execute("SELECT (SELECT count(*) FROM _scan) + (SELECT count(*) FROM _lx_bad)").fetchone()[0]:
        return False
    window = window_us(frame)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _need AS
        SELECT adopter AS person, epoch_us(ts) - {window} AS lo, epoch_us(ts) AS hi
        FROM _adopt WHERE id IN (SELECT id FROM _scan)
        UNION ALL
        SELECT DISTINCT person, epoch_us({literal(frame.end)}::TIMESTAMPTZ) - {window}, NULL FROM _lx_bad
        """
    )
    # The events they acted in or were addressed by, inside those windows (found by row id
    # first: see _event_rows).
    inside = "epoch_us(e.ts) >= n.lo AND (n.hi IS NULL OR epoch_us(e.ts) < n.hi)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rids AS SELECT e.rowid AS rid FROM events e JOIN _need n ON e.actor = n.person WHERE {inside}")
    con.execute(f"INSERT INTO _rids SELECT e.rowid FROM events e JOIN _need n ON e.target = n.person WHERE {inside}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pev AS SELECT {EVENT_COLUMNS} FROM events WHERE rowid IN (SELECT rid FROM _rids)")
    rows = cls_rows_sql("st", "_pev")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pbase AS {rows}")
    needed = "SELECT hash(parent) FROM _pbase WHERE parent IS NOT NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _plook AS {_LOOKUP.format(needed=needed)}")
    with_creators = f"""(
        SELECT p.*, l.creator AS parent_creator, l.root_creator
        FROM _pbase p LEFT JOIN _plook l ON l.h = {_hash('p.parent')})"""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _sx AS
        SELECT * FROM ({exposures_sql(with_creators)})
        WHERE kind IN {WINDOW_KINDS} AND person IN (SELECT person FROM _need)
        """
    )
    for t in ("_need", "_rids", "_pev", "_pbase", "_plook"):
        con.execute(f"DROP TABLE {t}")
    return True


def _latest(frame: Frame, scanned: bool) -> None:
    """Bring ``st.latest_x`` up to date: for every person and kind with an exposure classified
    again, the latest of the kept one (unless its event was classified again), the new ones and,
    for those whose kept one was, what was read again; and none older than the window before
    the last event."""
    con = frame.con
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pk AS
        SELECT DISTINCT person, kind FROM addx WHERE kind IN {WINDOW_KINDS}
        UNION SELECT person, kind FROM _lx_bad
        """
    )
    again = "UNION ALL SELECT person, kind, sender, event, ts FROM _sx WHERE (person, kind) IN (SELECT * FROM _lx_bad)" if scanned else ""
    cands = f"""(
        SELECT person, kind, sender, event, ts FROM st.latest_x
        WHERE (person, kind) IN (SELECT * FROM _pk) AND event NOT IN (SELECT id FROM reids)
        UNION ALL SELECT person, kind, sender, event, ts FROM addx WHERE kind IN {WINDOW_KINDS}
        {again})"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _lxn AS {latest_sql(frame, cands, frame.end)}")
    con.execute("DELETE FROM st.latest_x WHERE (person, kind) IN (SELECT * FROM _pk)")
    con.execute("INSERT INTO st.latest_x SELECT * FROM _lxn")
    con.execute(
        f"DELETE FROM st.latest_x WHERE epoch_us(ts) < epoch_us({literal(frame.end)}::TIMESTAMPTZ) - {window_us(frame)}"
    )
    con.execute("DROP TABLE _pk")
    con.execute("DROP TABLE _lxn")
