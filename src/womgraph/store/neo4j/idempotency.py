"""Idempotency and conflicts, decided the way the embedded store decides them, without a server.

An ingest call is planned first (:func:`plan_events`): the first row of each id is sent to the
server, later rows of the same id stay here. The server says, per id, whether it created the
event or what it already holds; :func:`settle` then counts inserted rows and duplicates and lists
conflicts exactly as :class:`~womgraph.store.embedded.EmbeddedStore` does:

- each row is compared with one reference: the stored event when there is one, else the first
  row of the call with that id; the same digest is a duplicate, another one a conflict.

>>> import pyarrow as pa
>>> t = pa.table({"id": ["a", "b", "a"], "digest": pa.array([1, 2, 3], pa.uint64()),
...               "src": ["f"] * 3, "line": [1, 2, 3]})
>>> plan = plan_events(t)
>>> plan.firsts.column("id").to_pylist()
['a', 'b']
>>> r = settle(plan, {"a": Outcome(True, 1, "f", 1), "b": Outcome(False, 2, "old", 9)})
>>> r.inserted, r.duplicates, r.conflicts.to_pylist()
(1, 1, [{'id': 'a', 'src': 'f', 'line': 3, 'stored_src': 'f', 'stored_line': 1}])
>>> settle(plan, {"a": Outcome(False, 3, "old", 7), "b": Outcome(False, 2, "old", 9)}).conflicts.to_pylist()
[{'id': 'a', 'src': 'f', 'line': 1, 'stored_src': 'old', 'stored_line': 7}]
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Any, Iterable, Mapping, NamedTuple

import pyarrow as pa

from ..base import CONFLICT_SCHEMA, AddResult
from .model import to_signed

__all__ = [
    "Outcome",
    "EventPlan",
    "plan_events",
    "settle",
    "merge_patch",
    "fold_accounts",
    "account_changes",
]


class Outcome(NamedTuple):
    """What the server did with (or holds for) one event id."""

    created: bool
    digest: int | None  # signed, as stored
    src: str | None
    line: int | None


@dataclass
class EventPlan:
    """The rows of one call split into first occurrences (sent) and repeats (kept here)."""

    firsts: pa.Table
    #: (id, signed digest, src, line) of each row, in input order.
    keys: list[tuple[str, int, str | None, int | None]]
    #: For each row, the index of the first row with its id.
    first_of: list[int]


def plan_events(events: pa.Table) -> EventPlan:
    """Split ``events`` into the first row of each id and the later rows."""
    ids = events.column("id").to_pylist()
    digests = [to_signed(d) for d in events.column("digest").to_pylist()]
    srcs = events.column("src").to_pylist()
    lines = events.column("line").to_pylist()
    seen: dict[str, int] = {}
    first_of = [seen.setdefault(eid, i) for i, eid in enumerate(ids)]
    firsts = (
        events
        if len(seen) == len(ids)
        else events.take(pa.array(sorted(seen.values()), pa.int64()))
    )
    return EventPlan(firsts, list(zip(ids, digests, srcs, lines)), first_of)


def settle(plan: EventPlan, outcome: Mapping[str, Outcome]) -> AddResult:
    """Counts and conflicts of a planned call, given what the server did for each first row.

    Each row is compared with one reference: the stored event when the id was stored before the
    call, else the first row of the call with that id; a row whose digest differs is a conflict
    (listed in input order). Ids missing from ``outcome`` were not stored (what
    :meth:`find_conflicts` needs).
    """
    inserted = 0
    conflicts: list[tuple] = []
    for i, (eid, digest, src, line) in enumerate(plan.keys):
        j = plan.first_of[i]
        o = outcome.get(eid)
        if o is None or o.created:  # not stored before this call: the first row is the reference
            if i == j:
                inserted += 1
                continue
            _, ref_digest, ref_src, ref_line = plan.keys[j]
        else:
            ref_digest, ref_src, ref_line = o.digest, o.src, o.line
        if digest != ref_digest:
            conflicts.append((eid, src, line, ref_src, ref_line))
    table = pa.Table.from_pylist(
        [dict(zip(CONFLICT_SCHEMA.names, c)) for c in conflicts], schema=CONFLICT_SCHEMA
    )
    total = len(plan.keys)
    return AddResult(
        inserted=inserted, duplicates=total - inserted - len(conflicts), conflicts=table
    )


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386) with DuckDB's key order: kept keys first, then the patch's.

    >>> merge_patch({"b": 1, "a": 2, "z": {"x": 1, "y": 2}}, {"c": 3, "a": 5, "b": None, "z": {"x": None, "w": 4}})
    {'c': 3, 'a': 5, 'z': {'y': 2, 'w': 4}}
    """
    if not isinstance(patch, dict):
        return patch
    base = target if isinstance(target, dict) else {}
    out = {k: v for k, v in base.items() if k not in patch}
    for k, v in patch.items():
        if v is not None:
            out[k] = merge_patch(base.get(k), v)
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _merge_extra(stored: str | None, incoming: str | None) -> str | None:
    if incoming is None:
        return stored
    if stored is None:
        return incoming
    return _json(merge_patch(json.loads(stored), json.loads(incoming)))


def fold_accounts(records: Iterable[dict]) -> dict[str, dict]:
    """One snapshot per account id from the rows of one call, in order of first appearance.

    For every profile field the latest non-null value wins; unknown fields (``extra``) merge key
    by key; ``digest``, ``src`` and ``line`` are those of the last row.

    >>> fold_accounts([{"id": "a", "role": "customer", "handle": None, "extra": None, "digest": 1},
    ...                {"id": "a", "role": None, "handle": "@a", "extra": None, "digest": 2}])["a"]
    {'id': 'a', 'role': 'customer', 'handle': '@a', 'extra': None, 'digest': 2}
    """
    out: dict[str, dict] = {}
    for rec in records:
        cur = out.get(rec["id"])
        if cur is None:
            out[rec["id"]] = dict(rec)
            continue
        for k, v in rec.items():
            if k in _LAST_ROW:
                cur[k] = v
            elif k == "extra":
                cur[k] = _merge_extra(cur[k], v)
            elif v is not None:
                cur[k] = v
    return out


_LAST_ROW = ("digest", "src", "line")


def account_changes(latest: dict, stored: dict | None) -> dict | None:
    """The properties to write for one account snapshot, or None when nothing changes.

    New accounts get every non-null field. A stored one is updated when a non-null incoming
    field differs from what is stored, or the incoming ``extra`` adds or changes a key; then
    every non-null incoming field is written (the rest stays as stored), ``extra`` is the merged
    object, and ``digest``, ``src`` and ``line`` are the incoming ones.

    >>> account_changes({"id": "a", "role": None, "extra": None, "digest": 2}, {"id": "a", "role": "x", "extra": None, "digest": 1}) is None
    True
    """
    if stored is None:
        return {k: v for k, v in latest.items() if v is not None}
    fields = [k for k in latest if k not in _LAST_ROW and k not in ("id", "extra")]
    changed = any(latest[k] is not None and latest[k] != stored.get(k) for k in fields)
    extra = _merge_extra(stored.get("extra"), latest.get("extra"))
    if latest.get("extra") is not None and extra != stored.get("extra"):
        changed = True
    if not changed:
        return None
    props = {k: v for k, v in latest.items() if v is not None and k != "extra"}
    if extra is not None:
        props["extra"] = extra
    return props
