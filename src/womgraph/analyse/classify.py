"""Give every event exactly one class and reason, by the rules of ``docs/classes.md``.

Two passes: :func:`classify_interactions` labels everything but adoptions (which need the
attribution, itself built on those labels); :func:`classify_adoptions` then labels signups and
purchases from their attribution. Both are single DuckDB queries over the frame's tables; thread
roots come from :func:`womgraph.analyse.content.find_roots`.

Tables created in the frame: ``feat`` (events with text and role features and the base rule
before flags, by :func:`features`: a view in a full analysis; dropped once ``cls`` exists),
``fl_acc`` and ``fl_ev`` (flag hooks), ``content`` (one row per content id: creator, own kind,
parent, root, root kind), ``cls`` (events with their ``reason`` and the helper columns of
:data:`CLS_COLUMNS`; the class is the reason's part before the colon). The SQL is built by
functions of table names, so a refresh (``analyse.incremental``) runs the same rules over new
and changed events only.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..duck import literal, register, unregister
from .content import find_roots
from .frame import Frame

__all__ = ["features", "classify_interactions", "classify_adoptions", "FLAGS_SCHEMA", "cls_sql", "content_sql"]

#: Flag hooks from the authenticity detectors: which accounts and events they name, and why.
FLAGS_SCHEMA = pa.schema([("account", pa.string()), ("event", pa.string()), ("rule", pa.string())])


def features(frame: Frame, src: str = "ev", out: str = "feat", *, view: bool = False) -> None:
    """Create ``out``: the events of ``src`` with role and text features and the base rule
    before flags (``base_nf``), in one pass. Flags are joined later (:func:`classify_interactions`),
    so the features of an event never change once computed.

    With ``view``, ``out`` is a view: each step that reads it computes the features it uses as
    it scans the events. A full analysis reads them in a few passes (the tallies, the content,
    the classes); writing 18 columns of every event once cost more than computing them again
    (10M events: the analysis 2.0-2.4 s faster as a view)."""
    con = frame.con
    brand_re = frame.brand_regex()
    names = f"coalesce(regexp_matches(e.lt, {literal(brand_re)}), false)" if brand_re else "false"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP {"VIEW" if view else "TABLE"} {out} AS
        WITH e AS (
        SELECT e.id, e.ts, e.type, e.actor, e.target, e.post, e.parent, e.channel, e.via,
               e.campaign, e.value, e.rid,
               a.role AS actor_role,
               coalesce(a.role = 'brand', false) AS by_brand,
               coalesce(e.target IN (SELECT id FROM acc WHERE role = 'brand'), false) AS to_brand,
               {names} AS names_brand,
               coalesce(e.paid, false)
                 OR coalesce(regexp_matches(e.lt, {literal(frame.disclosure_regex())}), false) AS disclosed,
               coalesce(regexp_matches(e.lt, {literal(frame.contest_regex())}), false) AS contest_text
        FROM (SELECT *, lower(text) AS lt FROM {src}) e  -- lower-cased once, NULL without text
        LEFT JOIN acc a ON a.id = e.actor
        )
        SELECT e.* EXCLUDE (contest_text), {_BASE_NF} AS base_nf FROM e
        """
    )


def flag_tables(frame: Frame, flags: pa.Table | None) -> None:
    """Create ``fl_acc`` (account, rule) and ``fl_ev`` (event, rule) from the detectors' hooks:
    the first rule (alphabetically) that names each account or event."""
    con = frame.con
    flags = (flags if flags is not None else FLAGS_SCHEMA.empty_table()).select(FLAGS_SCHEMA.names)
    if not flags.schema.equals(FLAGS_SCHEMA):  # a cast imports pyarrow.compute (0.06 s)
        flags = flags.cast(FLAGS_SCHEMA)
    register(con, "flags_in", flags)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE fl_acc AS
        SELECT account, min(rule) AS rule FROM flags_in WHERE account IS NOT NULL GROUP BY account
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE fl_ev AS
        SELECT event, min(rule) AS rule FROM flags_in WHERE event IS NOT NULL GROUP BY event
        """
    )
    unregister(con, "flags_in")


#: The flag rule of an event ``e`` (a flag on the event itself before one on its actor).
FLAG_RULE = "coalesce(fe.rule, fa.rule)"
FLAG_JOIN = """
    LEFT JOIN fl_acc fa ON fa.account = e.actor
    LEFT JOIN fl_ev fe ON fe.event = e.id
"""

#: Rule 1: flagged activity is suspicious, whatever else it is.
BASE = "CASE WHEN flag_rule IS NOT NULL THEN 'suspicious:' || flag_rule ELSE base_nf END"

#: Rules 3-7: what an event is by its actor and its own content (adoptions stay NULL).
_BASE_NF = """
    CASE
      WHEN e.type IN ('signup', 'purchase') THEN NULL
      WHEN e.by_brand AND (e.type IN ('mention', 'referral', 'recommendation')
                           OR (e.type = 'reply' AND e.target IS NOT NULL AND NOT e.to_brand))
        THEN 'broadcast:brand_message'
      WHEN e.by_brand THEN 'broadcast:brand_content'
      WHEN e.actor_role = 'employee' THEN 'incentivized:employee'
      WHEN e.actor_role = 'partner' THEN 'incentivized:partner'
      WHEN e.disclosed THEN 'incentivized:disclosed_ad'
      WHEN e.type IN ('mention', 'post', 'reply', 'share')
           AND (e.campaign IS NOT NULL OR e.contest_text) THEN 'incentivized:contest_entry'
    END
"""


def content_sql(base: str, cids: str | None = None) -> str:
    """One row per content id of ``base`` (events with ``base`` reasons): creator, parent, own
    kind and mentions; only the ids in relation ``cids`` (cid) when given."""
    only = f"AND b.post IN (SELECT cid FROM {cids})" if cids else ""
    return f"""
        WITH mp AS (
            SELECT post, bool_or(to_brand) AS mentions_brand, bool_or(NOT to_brand) AS mentions_peer
            FROM {base} b WHERE type = 'mention' AND post IS NOT NULL {only} GROUP BY post
        )
        SELECT b.post AS cid,
               arg_min(b.actor, (b.ts, b.id)) AS creator,
               arg_min(b.parent, (b.ts, b.id)) FILTER (WHERE b.parent IS NOT NULL) AS parent,
               CASE
                 WHEN bool_or(b.base LIKE 'suspicious:%') THEN 'suspicious'
                 WHEN bool_or(b.by_brand) THEN 'brand'
                 WHEN bool_or(b.base LIKE 'incentivized:%') THEN 'incentivized'
                 WHEN bool_or(b.names_brand) OR bool_or(b.type = 'review')
                      OR coalesce(any_value(mp.mentions_brand), false) THEN 'peer'
                 ELSE 'social'
               END AS kind,
               coalesce(any_value(mp.mentions_brand), false) AS mentions_brand,
               coalesce(any_value(mp.mentions_peer), false) AS mentions_peer,
               bool_or(b.names_brand) AS names_brand
        FROM {base} b LEFT JOIN mp ON mp.post = b.post
        WHERE b.post IS NOT NULL AND b.type IN {CONTENT_TYPES} {only}
        GROUP BY b.post
    """


#: Event types whose ``post`` is a piece of content.
CONTENT_TYPES = "('post', 'reply', 'share', 'review', 'mention')"


def _content(frame: Frame) -> None:
    """One row per content id with its own kind, then roots and root kinds by pointer jumping."""
    con = frame.con
    # Each content id is numbered by its row id in ``content0`` (0 to n-1 in a new table; any
    # order will do: roots do not depend on it), so that pointer jumping runs on integers and
    # nothing is sorted by id. (A ``row_number() OVER ()`` runs on one thread: 0.5 s at 10M.)
    con.execute(f"CREATE OR REPLACE TEMP TABLE content0 AS {content_sql('base')}")
    t = con.execute(
        "SELECT c.rowid AS rn, coalesce(p.rowid, -1) AS pidx "
        "FROM content0 c LEFT JOIN content0 p ON p.cid = c.parent"
    ).fetchnumpy()
    rn = np.asarray(t["rn"], dtype=np.int64)
    if len(rn) and rn.max() != len(rn) - 1:  # pragma: no cover - row ids of a new table are dense
        raise RuntimeError("content rows are not numbered 0 to n-1")
    parent = np.empty(len(rn), dtype=np.int64)
    parent[rn] = np.asarray(t["pidx"], dtype=np.int64)
    root, hops = find_roots(parent)
    roots = pa.table(
        {
            "rn": pa.array(np.arange(len(parent), dtype=np.int64)),
            "root_rn": pa.array(root, pa.int64()),
            "hops": pa.array(hops),
        }
    )
    register(con, "roots_in", roots)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE content AS
        SELECT c.*, rc.cid AS root, r.hops, rc.kind AS root_kind, rc.creator AS root_creator
        FROM content0 c JOIN roots_in r ON r.rn = c.rowid
        LEFT JOIN content0 rc ON rc.rowid = r.root_rn  -- no row for -1: on or below a cycle
        """
    )
    unregister(con, "roots_in")
    con.execute("DROP TABLE content0")


#: Rules 8-19 for events the base rules left open (adoptions stay NULL for the second pass).
_REST = """
    CASE
      WHEN e.base IS NOT NULL THEN e.base
      WHEN e.type IN ('signup', 'purchase') THEN NULL
      WHEN e.type IN ('like', 'share', 'reply') AND pc.kind = 'brand' THEN
        CASE e.type WHEN 'like' THEN 'broadcast:like_of_brand_post'
                    WHEN 'share' THEN 'broadcast:share_of_brand_post'
                    ELSE 'broadcast:reply_to_brand_post' END
      WHEN e.type IN ('like', 'share', 'reply') AND pc.root_kind = 'brand'
        THEN 'broadcast:reshare_of_brand_content'
      WHEN e.type IN ('like', 'share', 'reply') AND pc.root_kind = 'incentivized'
        THEN 'broadcast:engagement_with_paid_content'
      WHEN e.type = 'referral' THEN 'peer:referral'
      WHEN e.type = 'recommendation' THEN 'peer:recommendation'
      WHEN e.type = 'mention' AND e.to_brand AND coalesce(oc.mentions_peer, false)
        THEN 'peer:brand_mention_to_peer'
      WHEN e.type = 'mention' AND NOT e.to_brand
           AND (coalesce(oc.mentions_brand, false) OR coalesce(oc.names_brand, false))
        THEN 'peer:tagged_friend'
      WHEN e.type = 'mention' AND e.to_brand THEN 'peer:customer_story'
      WHEN e.type = 'post' AND e.names_brand THEN 'peer:customer_story'
      WHEN e.type = 'review' THEN 'peer:review'
      WHEN e.type = 'share' AND pc.root_kind = 'peer' THEN 'peer:share_of_peer_story'
      WHEN e.type = 'reply' AND (e.names_brand OR pc.root_kind = 'peer')
        THEN 'peer:conversation_about_brand'
      WHEN e.type = 'like' AND pc.root_kind = 'peer' THEN 'social:like_of_peer_post'
      ELSE 'social:' || e.type
    END
"""


#: The columns of ``cls`` (every event with its reason) besides the reason and the creators of
#: its parent and root. What no step after the classes reads stays out: at 10M events every
#: string column of ``cls`` costs ~0.3 s to write, so ``post``, ``parent`` (the content lookups
#: are done by then) and the class (``split_part(reason, ':', 1)``, wherever it is needed) are
#: not kept: the classes statement went from 5.4-6.5 to 4.1-4.3 s.
CLS_COLUMNS = (
    "id", "ts", "type", "actor", "target", "channel", "via", "rid", "by_brand", "to_brand",
    "names_brand", "base_nf", "flag_rule",
)


def cls_sql(base: str, content: str, hashed: bool = False) -> str:
    """Events of ``base`` (features with ``flag_rule`` and ``base``) with their reason,
    looking up content in ``content`` by ``cid`` (or, ``hashed``, by ``h``: the hash of the
    content id); adoptions keep a NULL reason (see :func:`classify_adoptions`)."""
    cols = ", ".join(f"e.{c}" for c in CLS_COLUMNS)
    key = "h" if hashed else "cid"

    def ref(col: str) -> str:
        return f"CASE WHEN {col} IS NOT NULL THEN hash({col}) END" if hashed else col

    return f"""
        SELECT {cols}, pc.creator AS parent_creator, pc.root_creator, {_REST} AS reason
        FROM {base} e
        LEFT JOIN {content} pc ON pc.{key} = {ref('e.parent')}
        -- a post's own row matters only to mentions (rules 13-14): no lookup for the rest
        LEFT JOIN {content} oc ON oc.{key} = {ref("CASE WHEN e.type = 'mention' THEN e.post END")}
    """


def classify_interactions(frame: Frame, flags: pa.Table | None = None) -> None:
    """Create ``cls``: every event of ``feat`` with its reason (adoptions still open)."""
    con = frame.con
    flag_tables(frame, flags)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW base AS
        SELECT *, {BASE} AS base FROM (SELECT e.*, {FLAG_RULE} AS flag_rule FROM feat e {FLAG_JOIN})
        """
    )
    _content(frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE cls AS {cls_sql('base', 'content')}")
    con.execute("DROP VIEW base")
    _drop(con, "feat")


def _drop(con, name: str) -> None:
    """Drop the temporary table or view ``name`` (DuckDB's DROP names which of the two it is)."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = 'temp' AND table_name = ?",
        [name],
    ).fetchone()[0]
    con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def adoption_reason(flag_rule: str, kind: str) -> str:
    """The reason of a signup or purchase, from its flag and its attribution kind."""
    return f"""
        CASE
          WHEN {flag_rule} IS NOT NULL THEN 'suspicious:' || {flag_rule}
          WHEN {kind} = 'peer' THEN 'peer:adoption_via_peer'
          WHEN {kind} = 'incentivized' THEN 'incentivized:adoption_via_incentive'
          WHEN {kind} = 'broadcast' THEN 'broadcast:adoption_after_broadcast'
          WHEN {kind} = 'suspicious' THEN 'suspicious:adoption_via_flagged'
          ELSE 'social:organic_adoption'
        END
    """


def classify_adoptions(frame: Frame, cls: str = "cls", attribution: str = "attribution") -> None:
    """Fill in the reasons of signups and purchases from ``attribution``.

    Only the adoptions left open (reason NULL) are touched: an update of a few rows, not a
    second copy of every event."""
    frame.con.execute(
        f"""
        UPDATE {cls} SET reason = r.final_reason
        FROM (
            SELECT c.id, {adoption_reason('c.flag_rule', 'a.kind')} AS final_reason
            FROM {cls} c LEFT JOIN {attribution} a ON a.id = c.id
            WHERE c.reason IS NULL
        ) r
        WHERE {cls}.id = r.id AND {cls}.reason IS NULL
        """
    )
