"""Analysis results written back onto the graph, and forgetting an account.

:func:`write_results` accepts the result tables of the analysis by name; other names are
ignored (the embedded store keeps every table, a graph keeps what people browse):

============  ===========================================  =======================================
table         columns used                                 in the graph
============  ===========================================  =======================================
classes       id, class, reason                            ``Event.class``, ``Event.reason``
advocates     account, rank, score                         ``Account.advocate_rank``, ``.advocate_score``
communities   account, community                           ``Account.community``
flags         flag_id, kind, rule, severity, accounts,     ``(:Flag {id, kind, rule, severity,
              evidence                                     evidence, accounts})-[:CONCERNS]->(:Account)``
chains        cascade, parent, child                       ``(parent)-[:CONVERTED {cascade}]->(child)``
============  ===========================================  =======================================

Each table given replaces the results of the same kind written before (they are cleared in
batches first), so writing the same results twice leaves the same graph. A write-back that is
interrupted is completed by writing again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, TYPE_CHECKING

import pyarrow as pa

from ...errors import StoreError
from ..base import batches
from .model import property_value

if TYPE_CHECKING:  # pragma: no cover
    from .store import Neo4jStore

__all__ = ["RESULTS", "ResultKind", "write_results", "forget", "clear_results"]


def _class_rows(rows: list[dict]) -> list[dict]:
    return [
        {"id": r["id"], "class": r["class"], "reason": r.get("reason")}
        for r in rows
        if r["id"] is not None
    ]


def _advocate_rows(rows: list[dict]) -> list[dict]:
    return [
        {
            "account": r["account"],
            "rank": property_value(r["rank"]),
            "score": property_value(r["score"]),
        }
        for r in rows
        if r["account"] is not None
    ]


def _community_rows(rows: list[dict]) -> list[dict]:
    return [
        {"account": r["account"], "community": property_value(r["community"])}
        for r in rows
        if r["account"] is not None
    ]


def _flag_rows(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        if r["flag_id"] is None:
            continue
        accounts = [a for a in (r.get("accounts") or []) if a is not None]
        evidence = r.get("evidence")
        props = {
            "kind": r.get("kind"),
            "rule": r.get("rule"),
            "severity": property_value(r.get("severity")),
            "evidence": evidence
            if evidence is None or isinstance(evidence, str)
            else json.dumps(evidence, ensure_ascii=False, default=str),
            "accounts": accounts,
        }
        props = {k: v for k, v in props.items() if v is not None}
        out.append({"id": str(r["flag_id"]), "props": props, "accounts": accounts})
    return out


def _chain_rows(rows: list[dict]) -> list[dict]:
    return [
        {"cascade": property_value(r["cascade"]), "parent": r["parent"], "child": r["child"]}
        for r in rows
        if r["parent"] is not None and r["child"] is not None
    ]


@dataclass(frozen=True)
class ResultKind:
    """How one result table reaches the graph."""

    required: tuple[str, ...]
    clear: str
    write: str
    rows: Callable[[list[dict]], list[dict]]


#: The result tables written back, by name.
RESULTS: dict[str, ResultKind] = {
    "classes": ResultKind(
        ("id", "class"), "result_clear_classes", "result_set_classes", _class_rows
    ),
    "advocates": ResultKind(
        ("account", "rank", "score"),
        "result_clear_advocates",
        "result_set_advocates",
        _advocate_rows,
    ),
    "communities": ResultKind(
        ("account", "community"),
        "result_clear_communities",
        "result_set_communities",
        _community_rows,
    ),
    "flags": ResultKind(
        ("flag_id", "kind", "rule", "accounts"),
        "result_clear_flags",
        "result_set_flags",
        _flag_rows,
    ),
    "chains": ResultKind(
        ("cascade", "parent", "child"), "result_clear_chains", "result_set_chains", _chain_rows
    ),
}


def write_results(store: "Neo4jStore", tables: dict[str, pa.Table]) -> None:
    """Replace the results of each kind given in ``tables`` (unknown names are ignored)."""
    for name, table in tables.items():
        kind = RESULTS.get(name)
        if kind is None:
            continue
        missing = [c for c in kind.required if c not in table.column_names]
        if missing:
            raise StoreError(
                f"Result table {name!r} lacks the column(s) {', '.join(missing)}; "
                f"it needs {', '.join(kind.required)}."
            )
        doing = f"writing {name} back"
        store._drain(kind.clear, doing)
        for batch in batches(table, store.batch_size):
            rows = kind.rows(batch.to_pylist())
            if rows:
                store.write(kind.write, doing, rows=rows)


def clear_results(store: "Neo4jStore") -> dict[str, int]:
    """Remove every written-back result; how many of each kind."""
    return {name: store._drain(kind.clear, f"clearing {name}") for name, kind in RESULTS.items()}


def _forget_batch(tx, account: str, limit: int) -> int:
    from .cypher import load
    from .store import _run

    rows = _run(tx, load("forget_events"), account=account, limit=limit)
    content = sorted({c for (ids,) in rows for c in ids if c is not None})
    if content:
        _run(tx, load("forget_content"), ids=content)
    return len(rows)


def forget(store: "Neo4jStore", account: str) -> dict[str, int]:
    """Delete an account, every event it acted in or was targeted by, content nothing else
    points at, and (as the embedded store does) every written-back result, which may name it."""
    events = 0
    while True:
        n = store.transaction(
            _forget_batch, account, store.batch_size, doing=f"forgetting {account!r}"
        )
        events += n
        if n < store.batch_size:
            break
    rows = store.write("forget_account", f"forgetting {account!r}", account=account)
    accounts = int(bool(rows and rows[0][0]))
    if events or rows:  # an unknown account leaves the results be
        clear_results(store)
    return {"events": events, "accounts": accounts}
