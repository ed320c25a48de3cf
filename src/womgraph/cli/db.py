"""``womgraph db ping|init|status``: look after a Neo4j store."""

from __future__ import annotations

import sys

import click

from ..errors import ConfigError
from ..render import emit, emit_document
from .common import State, format_option, pass_state, store_option

__all__ = ["register", "db"]


def _open(state: State):
    """The Neo4j store the options and environment name (the local store needs no `db`)."""
    from ..store import is_server_uri
    from ..store.neo4j import Neo4jStore

    where = state.settings.store_location(state.store)
    if not is_server_uri(where):
        raise ConfigError(
            f"`womgraph db` looks after a Neo4j store, and the store here is the local folder "
            f"{where}: give --store bolt://HOST:7687 (or neo4j+s://...) or set NEO4J_URI."
        )
    return Neo4jStore(where, settings=state.settings)


@click.group()
def db() -> None:
    """Look after a Neo4j store: reach it, create its schema, see what it holds.

    The server comes from --store or NEO4J_URI, with NEO4J_USERNAME, NEO4J_PASSWORD and
    NEO4J_DATABASE (the password is never printed).

    \b
    Example:
      export NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=...
      womgraph db ping && womgraph db init && womgraph db status
    """


@db.command()
@format_option()
@store_option
@pass_state
def ping(state: State, fmt: str) -> None:
    """Check that the server answers, accepts the credentials and has the database.

    \b
    Example:
      womgraph db ping --store neo4j+s://xxxx.databases.neo4j.io
    """
    with _open(state) as store:
        info = store.ping()
    emit([info], fmt, sys.stdout, title="neo4j")


@db.command()
@format_option()
@store_option
@pass_state
def init(state: State, fmt: str) -> None:
    """Create womgraph's constraints and indexes (safe to run again) and wait for them.

    Ingesting creates what is missing too; run this after `neo4j-admin database import`,
    or to see the schema's state.

    \b
    Example:
      womgraph db init --format json
    """
    from ..store.neo4j.admin import init_schema

    with _open(state) as store:
        rows = init_schema(store)
    created = sum(r["action"] == "created" for r in rows)
    state.note(f"{created} schema object(s) created, {len(rows) - created} already there.")
    emit(rows, fmt, sys.stdout, title="schema", columns=["name", "type", "state", "action"])


@db.command()
@format_option()
@store_option
@pass_state
def status(state: State, fmt: str) -> None:
    """Show the server, what the store holds, and whether its schema is complete.

    \b
    Example:
      womgraph db status --format json
    """
    from ..store.neo4j.admin import status as store_status

    with _open(state) as store:
        doc = store_status(store)
    if fmt == "json":
        emit_document(doc, "json", sys.stdout)
        return
    last = doc["last_ingest"] or {}
    sections = {
        "server": [doc["server"]],
        "counts": [{"what": k, "count": v} for k, v in doc["counts"].items()],
        "schema": doc["schema"],
        "last ingest": [
            {
                k: last.get(k)
                for k in ("at", "read", "inserted", "updated", "duplicates", "rejected")
            }
        ]
        if last
        else [],
    }
    emit_document(doc, fmt, sys.stdout, sections)


def register(main: click.Group) -> None:
    main.add_command(db)
