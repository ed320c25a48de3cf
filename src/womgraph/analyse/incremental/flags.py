"""Flags in a refresh: the tallies merged, the detectors run again, and the events whose flag
changed marked dirty."""

from __future__ import annotations

from functools import partial

from ...store.base import Store
from ..authenticity import detect
from ..authenticity.engagement import EngagementThresholds, lockstep_pairs_update
from ..authenticity.referral import referral_flags, REFERRAL_TALLIES
from ..classify import BASE, FLAG_JOIN, FLAG_RULE, flag_tables
from ..frame import Frame
from ..state import REASON_TYPE, RULE_TYPE
from ..tallies import merge_tallies, TALLY_TABLES
from .common import _beside, _event_rows, _step


def _flags(store: Store, frame: Frame) -> list[dict]:
    """Merge the tallies, run the detectors, and leave ``fl_acc``/``fl_ev`` (new hooks).

    The referral detectors read only kept tallies, which the other detectors do not write:
    they run on a connection of their own, beside the lockstep pairs and the other detectors
    (0.15 s at 10M events, a third of it Python)."""
    con = frame.con
    with _step("flags: tallies"):
        merge_tallies(con, "nfeat", "st")
        for name in TALLY_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM st.{name}")
    with _beside(store, partial(_referral_flags, frame)) as referral:
        with _step("flags: lockstep pairs"):
            pairs = lockstep_pairs_update(con, EngagementThresholds(), "st.ls_pairs", "st.ls_like", "ls_touched")
        with _step("flags: detectors"):
            flags, hooks = detect(frame, pairs=pairs, examples=("st.examples", "nev"), referral=referral)
            flag_tables(frame, hooks)
    return flags


def _referral_flags(frame: Frame, con) -> list[dict]:
    """The referral detectors on ``con``, over views of the kept tallies they read."""
    for name in REFERRAL_TALLIES:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM st.{name}")
    return referral_flags(Frame(None, None, frame.options, con=con, end=frame.end))


def _dirty(con, kept: int) -> None:
    """Append the rows of the new events to ``st.cls`` and update the flag rule of kept events
    whose account or own flag changed; leave ``dirty`` (rid, type, post): every event to
    classify again for that, and ``nbase`` (the new events with flags and base reasons)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _fa AS
        SELECT account FROM fl_acc n FULL JOIN st.fl_acc o USING (account)
        WHERE n.rule IS DISTINCT FROM o.rule
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _fe AS
        SELECT event FROM fl_ev n FULL JOIN st.fl_ev o USING (event)
        WHERE n.rule IS DISTINCT FROM o.rule
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE dirty (rid BIGINT, type VARCHAR, post VARCHAR)")
    if con.execute("SELECT (SELECT count(*) FROM _fa) + (SELECT count(*) FROM _fe)").fetchone()[0]:
        _event_rows(con, "_dev", f"rowid <= {kept} AND actor IN (SELECT account FROM _fa)",
                    f"rowid <= {kept} AND id IN (SELECT event FROM _fe)")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _d AS
            SELECT e.rid, e.type, e.post, {FLAG_RULE} AS rule FROM _dev e {FLAG_JOIN}
            """
        )
        con.execute(f"UPDATE st.cls SET flag_rule = d.rule::{RULE_TYPE} FROM _d d WHERE st.cls.rowid = d.rid")
        con.execute("INSERT INTO dirty SELECT rid, type, post FROM _d")
        con.execute("DROP TABLE _d")
        con.execute("DROP TABLE _dev")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE nbase AS
        SELECT *, {BASE} AS base FROM (SELECT e.*, {FLAG_RULE} AS flag_rule FROM nfeat e {FLAG_JOIN})
        """
    )
    con.execute(
        f"""
        INSERT INTO st.cls
        SELECT by_brand, to_brand, names_brand, base_nf::{REASON_TYPE}, flag_rule::{RULE_TYPE},
               NULL::{REASON_TYPE}
        FROM nbase ORDER BY rid
        """
    )
    con.execute("INSERT INTO dirty SELECT rid, type, post FROM nbase")
    for t in ("_fa", "_fe", "nfeat"):
        con.execute(f"DROP TABLE {t}")
