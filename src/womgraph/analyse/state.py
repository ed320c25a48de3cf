"""What an analysis keeps for the next one: its working tables, in a DuckDB file.

A cached analysis (``analyse.cache``) saves ``state.duckdb`` in its entry; a refresh
(``analyse.incremental``) updates it with new events instead of analysing everything again.
Writing it must cost little beside the analysis itself, so nothing the store already holds is
copied, and what is kept is small:

``cls``
    one row per stored event, *in the order of the store's row ids* (row i describes the event
    with ``rowid`` i, so the two are zipped with a ``POSITIONAL JOIN``, not joined on ids): the
    derived features and the reason, as enums. The event's own fields come from the store.
``content``
    one row per content id, keyed by 64-bit hashes (content ids, creators, parents, roots):
    creator, parent, kind, mentions, root and hops. (Hash collisions among a store's content ids
    are not handled; at 10M events, with about 2.5M content ids, their chance is about 1e-7.)
``peer_x``
    peer exposures (who told whom), the only ones used after attribution.
``agg``, ``peer_ev``, ``adv_acts``, ``adv_fig``
    the summaries of the classes that the scorecard, the series and the advocates read
    (``analyse.metrics``, ``analyse.advocates``: every person's own word of mouth, and their
    figures before the cascades and the flags).
``cedge``, ``cascade_nodes``, ``cascade_edges``, ``cascades``
    the cascade forest (``analyse.cascades``): a refresh builds again only the trees it touches.
``inv``, ``attribution``, ``window_hits``, ``latest_x``, ``first_adoption``
    invitations, the attribution of every adoption, every adoption's latest exposure of each
    kind inside its window, and every person's latest exposure of each kind inside the window
    before the last event (``analyse.attribution``): a refresh attributes new adoptions, and
    adoptions whose exposures changed, from these and the events it classified again; and
    every adopter's first adoption (``analyse.cascades``).
the tallies (``analyse.tallies``), ``ls_pairs``, ``fl_acc``, ``fl_ev``, ``examples``
    the detectors' inputs, the lockstep pairs, the flag hooks and the first events of every
    account a flag has shown (``analyse.authenticity.examples``).
``meta``
    which events (count and last row id of the store's ``events``), accounts (a digest),
    options and code the tables describe.

The class of every event, the peer exposures and the attribution of a cached analysis are read
from this file (with the store, for the events' own fields), so they are not written twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from ..duck import arrow

__all__ = ["STATE_FILE", "STATE_PARTS", "position", "saving", "attach", "read_meta", "write_meta", "plain_strings",
           "read_part", "REASON_TYPE", "RULE_TYPE", "KIND_TYPE", "cls_view_sql", "cls_rows_sql", "EVENT_COLUMNS"]

STATE_FILE = "state.duckdb"

#: What a state's ``meta`` must match for a refresh (besides the events, checked apart).
FORMAT = 7

_TYPES = ("post", "reply", "share", "like", "mention", "referral", "recommendation", "signup",
          "purchase", "review")
_RULES = ("brand_only_engagement", "farm_profile", "lockstep", "referral_cycle", "reward_harvesting",
          "shared_identity_referral", "signup_burst", "undisclosed_sponsorship")
#: Every reason the rules of ``docs/classes.md`` give (``analyse.classify``).
_REASONS = (
    *(f"suspicious:{r}" for r in _RULES), "suspicious:adoption_via_flagged",
    "broadcast:adoption_after_broadcast", "broadcast:brand_content", "broadcast:brand_message",
    "broadcast:engagement_with_paid_content", "broadcast:like_of_brand_post",
    "broadcast:reply_to_brand_post", "broadcast:reshare_of_brand_content",
    "broadcast:share_of_brand_post",
    "incentivized:adoption_via_incentive", "incentivized:contest_entry", "incentivized:disclosed_ad",
    "incentivized:employee", "incentivized:partner",
    "peer:adoption_via_peer", "peer:brand_mention_to_peer", "peer:conversation_about_brand",
    "peer:customer_story", "peer:recommendation", "peer:referral", "peer:review",
    "peer:share_of_peer_story", "peer:tagged_friend",
    "social:like_of_peer_post", "social:organic_adoption", *(f"social:{t}" for t in _TYPES),
)


def _enum(values) -> str:
    return "ENUM(" + ", ".join("'" + v + "'" for v in values) + ")"


#: Enum types of the kept reasons, flag rules and content kinds (a value outside them fails the
#: cast: nothing is silently lost).
REASON_TYPE = _enum(_REASONS)
RULE_TYPE = _enum(_RULES)
KIND_TYPE = _enum(("suspicious", "brand", "incentivized", "peer", "social"))


def _hash(col: str) -> str:
    return f"CASE WHEN {col} IS NOT NULL THEN hash({col}) END"


#: How each kept table is made from the frame's tables of a full analysis.
_SAVE = {
    "cls": f"""
        SELECT by_brand, to_brand, names_brand, base_nf::{REASON_TYPE} AS base_nf,
               flag_rule::{RULE_TYPE} AS flag_rule, reason::{REASON_TYPE} AS reason
        FROM cls ORDER BY rid
    """,
    "content": f"""
        SELECT hash(cid) AS h, hash(creator) AS creator_h, {_hash('parent')} AS parent_h,
               kind::{KIND_TYPE} AS kind, mentions_brand, mentions_peer, names_brand,
               {_hash('root')} AS root_h, hops
        FROM content
    """,
    "peer_x": "SELECT person, sender, ts, event FROM exposures WHERE kind = 'peer'",
    "agg": "SELECT * FROM agg",
    "peer_ev": "SELECT * FROM peer_ev",
    "adv_acts": "SELECT * FROM adv_acts",
    "adv_fig": "SELECT * FROM adv_fig",
    **{name: f"SELECT * FROM {name}" for name in ("cedge", "cascade_nodes", "cascade_edges", "cascades")},
    **{name: f"SELECT * FROM {name}" for name in (
        "inv", "attribution", "window_hits", "latest_x", "first_adoption", "actor_stats", "brand_posts", "partner_stats", "fr_inv", "adopt_ev",
        "ls_like", "fr_ids", "ls_pairs", "fl_acc", "fl_ev", "examples")},
}


def cls_view_sql(db: str, events: str = "events") -> str:
    """Every event of ``events`` (the store's table) zipped with its row of ``{db}.cls``: the
    columns of a full analysis' ``cls`` (``parent_creator`` and ``root_creator`` aside)."""
    return f"""
        SELECT e.*, c.by_brand, c.to_brand, c.names_brand, c.base_nf::VARCHAR AS base_nf,
               c.flag_rule::VARCHAR AS flag_rule, c.reason::VARCHAR AS reason,
               split_part(c.reason::VARCHAR, ':', 1) AS class
        FROM (SELECT rowid AS rid, id, ts, type, actor, target, post, parent, channel, via
              FROM {events}) e
        POSITIONAL JOIN {db}.cls c
        WHERE e.rid < (SELECT count(*) FROM {db}.cls)
    """


#: The event columns of :func:`cls_view_sql` (``rid``: the event's row id in the store).
EVENT_COLUMNS = "rowid AS rid, id, ts, type, actor, target, post, parent, channel, via"


def cls_rows_sql(db: str, rows: str) -> str:
    """:func:`cls_view_sql` for some events only: ``rows`` is a relation with the columns of
    :data:`EVENT_COLUMNS` (filtered from the store's events first, which a filter on the zipped
    view cannot be), joined with their rows of ``{db}.cls``."""
    return f"""
        SELECT e.*, c.by_brand, c.to_brand, c.names_brand, c.base_nf::VARCHAR AS base_nf,
               c.flag_rule::VARCHAR AS flag_rule, c.reason::VARCHAR AS reason,
               split_part(c.reason::VARCHAR, ':', 1) AS class
        FROM {rows} e
        JOIN (SELECT rowid AS rid, * FROM {db}.cls WHERE rowid IN (SELECT rid FROM {rows})) c USING (rid)
    """


#: The parts of an analysis read from the state file, and how (``{db}``: the attached state).
STATE_PARTS = {
    "classes": """
        SELECT id, class, reason, type, actor, target, ts, channel FROM ({cls}) ORDER BY ts, id
    """,
    "exposures": "SELECT person, sender, ts, event, 'peer' AS kind FROM {db}.peer_x ORDER BY ts, event",
    "attribution": "SELECT * FROM {db}.attribution ORDER BY ts, id",
}


def position(con: duckdb.DuckDBPyConnection) -> dict:
    """Where the store stands: how many events, the last row id, and a digest of the accounts.

    Events are only ever appended (``forget`` deletes, then clears the cache and rewrites the
    file), so the events after ``max_rowid`` are the new ones while ``count`` rows remain at or
    below it, and row ids run from 0 without gaps."""
    events, max_rowid = con.execute("SELECT count(*), coalesce(max(rowid), -1) FROM events").fetchone()
    accounts, digest = con.execute(
        "SELECT count(*), coalesce(sum(hash(id, digest)), 0)::VARCHAR FROM accounts"
    ).fetchone()
    return {"events": events, "max_rowid": max_rowid, "accounts": [accounts, digest]}


def attach(con: duckdb.DuckDBPyConnection, path: Path, name: str = "st", *, read_only: bool = False) -> None:
    literal = "'" + str(path).replace("'", "''") + "'"
    mode = "READ_ONLY" if read_only else "READ_WRITE"  # the store itself may be open read only
    con.execute(f"ATTACH {literal} AS {name} ({mode})")


#: String compression the state file goes without, most thorough first (``dict_fsst`` is newer
#: than the oldest DuckDB womgraph takes). Its strings are ids, which FSST and dictionaries
#: barely shrink: at 10M events writing the state took 2.8-3.1 s with them and 1.7 s without,
#: for a file of 259 MB instead of 198 MB.
_PLAIN_STRINGS = ("fsst,dictionary,dict_fsst", "fsst,dictionary")


@contextmanager
def plain_strings(con: duckdb.DuckDBPyConnection):
    """While inside, DuckDB writes strings without FSST or dictionary compression (a setting of
    the whole database instance, so it is put back on the way out)."""
    before = con.execute("SELECT current_setting('disabled_compression_methods')").fetchone()[0]
    for methods in _PLAIN_STRINGS:
        try:
            con.execute(f"SET disabled_compression_methods = '{methods}'")
            break
        except duckdb.Error:
            continue
    try:
        yield
    finally:
        con.execute("SET disabled_compression_methods = '" + (before or "").replace("'", "''") + "'")


@contextmanager
def saving(con: duckdb.DuckDBPyConnection, path: Path, meta: dict) -> Iterator[Callable[[], None]]:
    """Attach a new state file at ``path`` and give the function that writes the kept tables of
    the frame on ``con`` and ``meta`` into it; detached on the way out. The function's first
    statement is its longest (the class of every event), so it can run beside Louvain (see
    ``analyse.pipeline.downstream``)."""
    pos = meta.get("position") or {}
    if pos and pos["events"] != pos["max_rowid"] + 1:
        raise ValueError(f"the store's row ids have gaps ({pos}): its state cannot be kept")

    def write() -> None:
        for name, sql in _SAVE.items():
            con.execute(f"CREATE TABLE st.{name} AS {sql}")
        con.execute("CREATE TABLE st.meta (doc VARCHAR)")
        write_meta(con, meta)

    with plain_strings(con):
        attach(con, path)
        try:
            yield write
        finally:
            con.execute("DETACH st")


def write_meta(con: duckdb.DuckDBPyConnection, meta: dict, db: str = "st") -> None:
    con.execute(f"DELETE FROM {db}.meta")
    from ..duck import literal

    con.execute(f"INSERT INTO {db}.meta VALUES ({literal(json.dumps({**meta, 'format': FORMAT}, default=str))})")


def read_meta(con: duckdb.DuckDBPyConnection, db: str = "st") -> dict | None:
    try:
        row = con.execute(f"SELECT doc FROM {db}.meta").fetchone()
    except duckdb.Error:
        return None
    doc = json.loads(row[0]) if row else None
    return doc if doc and doc.get("format") == FORMAT else None


def read_part(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> pa.Table:
    """Part ``name`` of :data:`STATE_PARTS` from the state file at ``path``, on ``con`` (a
    connection to the store's database, whose events the classes need)."""
    attach(con, path, "st_read", read_only=True)
    try:
        sql = STATE_PARTS[name].format(db="st_read", cls=cls_view_sql("st_read"))
        return arrow(con, sql)
    finally:
        con.execute("DETACH st_read")
