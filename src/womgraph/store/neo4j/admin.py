"""Administration of a Neo4j store: schema (``womgraph db init``) and status (``db status``).

The schema is the ``schema_*`` statements in ``cypher/``: uniqueness constraints (available in
Neo4j Community) and range indexes, all named ``womgraph_*`` and created with ``IF NOT EXISTS``,
so applying them again changes nothing. A store applies the missing ones before its first write;
``womgraph db init`` applies them explicitly and waits until every index is online.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cypher import SCHEMA_PREFIX, schema_statements

if TYPE_CHECKING:  # pragma: no cover
    from .store import Neo4jStore

__all__ = ["schema_state", "apply_schema", "init_schema", "status", "INDEX_WAIT_SECONDS"]

#: How long ``db init`` waits for new indexes to come online.
INDEX_WAIT_SECONDS = 300


def schema_state(store: "Neo4jStore") -> dict[str, dict]:
    """womgraph's schema objects on the server: name -> {type, state, constraint}."""
    rows = store.read("show_schema", "reading the schema")
    return {
        name: {"type": t, "state": state, "constraint": c}
        for name, t, state, c in rows
        if name.startswith(SCHEMA_PREFIX)
    }


def apply_schema(store: "Neo4jStore", *, everything: bool = False) -> list[dict]:
    """Create the schema objects that are missing (all of them again with ``everything``).

    Returns one row per object: name, statement, action (``created`` or ``present``).
    """
    present = schema_state(store)
    out = []
    for name, query in schema_statements():
        action = "present"
        if everything or name not in present:
            store.write(query.name, f"creating {name}")
            if name not in present:
                action = "created"
        out.append({"name": name, "statement": query.name, "action": action})
    return out


def init_schema(store: "Neo4jStore", *, wait: int = INDEX_WAIT_SECONDS) -> list[dict]:
    """Apply the whole schema, wait for the indexes; one row per object with its state."""
    rows = apply_schema(store, everything=True)
    store.write("await_indexes", "waiting for indexes to come online", timeout=wait)
    state = schema_state(store)
    store._schema_ready = True
    for row in rows:
        found = state.get(row["name"], {})
        row["type"] = found.get("type")
        row["state"] = found.get("state", "MISSING")
    return rows


def status(store: "Neo4jStore") -> dict:
    """What the store holds and whether its schema is complete."""
    server = store.ping()
    counts = {
        name: store.read(f"count_{name}", f"counting {name}")[0][0]
        for name in ("events", "accounts", "account_nodes", "content", "flags")
    }
    state = schema_state(store)
    schema = []
    for name, _query in schema_statements():
        found = state.get(name)
        schema.append(
            {
                "name": name,
                "type": found["type"] if found else None,
                "state": found["state"] if found else "MISSING",
            }
        )
    log = store.ingest_log(limit=1)
    return {
        "server": server,
        "counts": counts,
        "schema": schema,
        "schema_complete": all(s["state"] == "ONLINE" for s in schema),
        "last_ingest": log[0] if log else None,
    }
