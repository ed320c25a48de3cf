"""The graph model, defined once: labels, relationship types, and the two conversion points
(Arrow rows -> statement parameters, statement results -> Arrow tables).

See ``docs/neo4j.md`` for the picture. In short::

    (:Account {id, role, ...})-[:ACTED]->(:Event {id, type, ts, ...})-[:TARGETS]->(:Account)
    (:Event)-[:CREATES]->(:Content {id})      (:Event)-[:REACTS_TO]->(:Content)
    (:Account)-[:REFERRED {event, ts, type}]->(:Account)     referral, recommendation
    (:Account)-[:MENTIONED {event, ts, post}]->(:Account)    mention
    (:Flag {id, kind, ...})-[:CONCERNS]->(:Account)          write-back
    (:Account)-[:CONVERTED {cascade}]->(:Account)            write-back
    (:IngestLog {at, summary})
    (:RedactionKey {name, value})                            the key of --redact pseudonyms

Every event keeps all its fields as properties (``actor``, ``target``, ``post`` and ``parent``
too), so a projection is one index-ordered scan; the relationships are made from them once, when
the event is created. Accounts that come from an accounts file also carry the label
``Profiled``; accounts only named by events are bare ``(:Account {id})`` nodes.

Conversions: timestamps travel as epoch seconds and nanoseconds and are stored as Neo4j
``DateTime`` values in UTC; ``digest`` (an unsigned 64-bit hash) is stored as the signed 64-bit
integer with the same bits, because Neo4j integers are signed; null fields are not stored.

>>> split_epoch_us(-1)
(-1, 999999000)
>>> to_signed(2**64 - 1), to_unsigned(-1) == 2**64 - 1
(-1, True)
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ...schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA, INVITE_TYPES

__all__ = [
    "LABELS",
    "RELATIONSHIP_TYPES",
    "EVENT_TS",
    "ACCOUNT_TS",
    "LINKS",
    "split_epoch_us",
    "to_signed",
    "to_unsigned",
    "event_rows",
    "link_rows",
    "ACCOUNT_KEYS",
    "account_records",
    "account_record",
    "account_param",
    "page_batch",
    "assemble",
    "property_value",
]

#: Every node label womgraph writes.
LABELS: tuple[str, ...] = (
    "Account", "Profiled", "Event", "Content", "Flag", "IngestLog", "RedactionKey",
)
#: Every relationship type womgraph writes.
RELATIONSHIP_TYPES: tuple[str, ...] = (
    "ACTED",
    "TARGETS",
    "CREATES",
    "REACTS_TO",
    "REFERRED",
    "MENTIONED",
    "CONCERNS",
    "CONVERTED",
)
#: The temporal column of each record kind (stored as DateTime, paged as microseconds).
EVENT_TS = "ts"
ACCOUNT_TS = "created"

#: Link statements run for newly created events, in this order (shortcuts last: they follow
#: ACTED and TARGETS), with the event field each one needs.
LINKS: tuple[tuple[str, str], ...] = (
    ("event_link_actor", "actor"),
    ("event_link_target", "target"),
    ("event_link_post", "post"),
    ("event_link_parent", "parent"),
    ("event_link_referred", "target"),
    ("event_link_mentioned", "target"),
)

_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1


def split_epoch_us(us: int) -> tuple[int, int]:
    """Microseconds since the epoch as (seconds, nanoseconds), flooring like Neo4j does."""
    s, rest = divmod(us, 1_000_000)
    return s, rest * 1000


def to_signed(u: int | None) -> int | None:
    """An unsigned 64-bit integer as the signed one with the same bits."""
    if u is None:
        return None
    return u - _U64 if u > _I64_MAX else u


def to_unsigned(i: int | None) -> int | None:
    if i is None:
        return None
    return i + _U64 if i < 0 else i


def _signed_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return pa.chunked_array([c.view(pa.int64()) for c in col.chunks], pa.int64())


def _unsigned_array(values: list) -> pa.Array:
    return pa.array(values, pa.int64()).view(pa.uint64())


def event_rows(table: pa.Table) -> list[dict]:
    """Parameters of ``event_merge`` for events in :data:`~womgraph.schema.EVENTS_SCHEMA`:
    ``{id, ts_s, ts_ns, props}`` per row, props holding the non-null fields but id and ts."""
    table = table.select(EVENTS_SCHEMA.names).cast(EVENTS_SCHEMA)
    us = pc.cast(table[EVENT_TS], pa.int64()).to_pylist()
    digest = table.schema.get_field_index("digest")
    table = table.set_column(digest, "digest", _signed_column(table["digest"])).drop_columns(
        [EVENT_TS]
    )
    out = []
    for row, t in zip(table.to_pylist(), us):
        s, ns = split_epoch_us(t)
        rid = row.pop("id")
        out.append(
            {
                "id": rid,
                "ts_s": s,
                "ts_ns": ns,
                "props": {k: v for k, v in row.items() if v is not None},
            }
        )
    return out


#: Account properties read back by ``account_page`` / ``account_lookup`` (``vals``), in order.
ACCOUNT_KEYS: tuple[str, ...] = tuple(
    n for n in ACCOUNTS_SCHEMA.names if n not in ("id", ACCOUNT_TS)
)


def account_records(table: pa.Table) -> list[dict]:
    """Accounts as dicts of every field (``created`` in microseconds, ``digest`` signed)."""
    table = table.select(ACCOUNTS_SCHEMA.names).cast(ACCOUNTS_SCHEMA)
    table = table.set_column(
        table.schema.get_field_index(ACCOUNT_TS), ACCOUNT_TS, pc.cast(table[ACCOUNT_TS], pa.int64())
    )
    digest = table.schema.get_field_index("digest")
    return table.set_column(digest, "digest", _signed_column(table["digest"])).to_pylist()


def account_record(row: Sequence[Any]) -> dict:
    """An ``account_lookup`` result row (id, created_us, vals) as an account dict."""
    return {"id": row[0], ACCOUNT_TS: row[1], **dict(zip(ACCOUNT_KEYS, row[2]))}


def account_param(props: dict) -> dict:
    """Parameters of ``account_upsert`` for one account: ``{id, created_s, created_ns, props}``."""
    props = dict(props)
    aid = props.pop("id")
    created = props.pop(ACCOUNT_TS, None)
    s, ns = split_epoch_us(created) if created is not None else (None, None)
    return {"id": aid, "created_s": s, "created_ns": ns, "props": props}


def link_rows(created: Iterable[dict]) -> dict[str, list[dict]]:
    """Parameters of each link statement (:data:`LINKS`) for events just created."""
    out: dict[str, list[dict]] = {name: [] for name, _ in LINKS}
    for row in created:
        p = row["props"]
        out["event_link_actor"].append({"id": row["id"], "actor": p["actor"]})
        if p.get("target") is not None:
            out["event_link_target"].append({"id": row["id"], "target": p["target"]})
            if p.get("type") in INVITE_TYPES:
                out["event_link_referred"].append({"id": row["id"]})
            elif p.get("type") == "mention":
                out["event_link_mentioned"].append({"id": row["id"]})
        if p.get("post") is not None:
            out["event_link_post"].append({"id": row["id"], "post": p["post"]})
        if p.get("parent") is not None:
            out["event_link_parent"].append({"id": row["id"], "parent": p["parent"]})
    return out


def page_batch(
    rows: Sequence[Sequence[Any]], keys: Sequence[str], schema: pa.Schema, ts: str
) -> pa.RecordBatch:
    """One page of ``event_page`` / ``account_page`` results (id, <ts>_us, vals) as Arrow.

    Returns the columns ``id``, ``ts`` and ``keys`` with the types of ``schema``.
    """
    ids = [r[0] for r in rows]
    times = [r[1] for r in rows]
    columns = list(zip(*(r[2] for r in rows))) if rows else [() for _ in keys]
    arrays = [pa.array(ids, pa.string()), pa.array(times, pa.int64()).cast(schema.field(ts).type)]
    for key, values in zip(keys, columns):
        values = list(values)
        if key == "digest":
            arrays.append(_unsigned_array(values))
        else:
            arrays.append(pa.array(values, schema.field(key).type))
    return pa.RecordBatch.from_arrays(arrays, names=["id", ts, *keys])


def assemble(
    batches: list[pa.RecordBatch],
    keys: Sequence[str],
    names: Sequence[str],
    schema: pa.Schema,
    ts: str,
    sort: Sequence[str],
) -> pa.Table:
    """Pages -> one table with the columns ``names`` in schema order, sorted by ``sort``."""
    full = pa.schema(
        [pa.field("id", pa.string()), schema.field(ts)] + [schema.field(k) for k in keys]
    )
    table = pa.Table.from_batches(batches, schema=full) if batches else full.empty_table()
    table = table.sort_by([(c, "ascending") for c in sort])
    return table.select(list(names)).cast(pa.schema([schema.field(n) for n in names]))


def property_value(value: Any) -> Any:
    """A value Neo4j can keep as a property: maps become JSON text, lists keep their scalars."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return json.dumps(list(value), ensure_ascii=False, default=str)
        return [v for v in value if v is not None]
    return value
