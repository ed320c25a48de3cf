"""``womgraph export ...``: write the store's data for other tools."""

from __future__ import annotations

import sys

import click

from ..render import emit
from .analysis import redact_option
from .common import State, format_option, pass_state, store_option

__all__ = ["register", "export"]


@click.group()
def export() -> None:
    """Write the store's data or results for other tools.

    \b
    Example:
      womgraph export neo4j-import import/
    """


@export.command("neo4j-import")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--database",
    default="neo4j",
    show_default=True,
    help="Database name in the printed neo4j-admin command.",
)
@format_option()
@redact_option
@store_option
@pass_state
def neo4j_import(state: State, folder: str, database: str, fmt: str, redact: bool) -> None:
    """Write node and relationship CSV files for `neo4j-admin database import full`.

    The fast first load of a large history into an empty Neo4j database: ingest into the local
    store, export, import with the printed command (the database stopped), start the database
    and run `womgraph db init`. Lists the files on stdout, the command on stderr.

    \b
    Example:
      womgraph ingest history.jsonl.gz && womgraph export neo4j-import import/
    """
    from ..store.neo4j.admin_import import write_import_files

    with state.open_store(read_only=True) as store:
        redactor = None
        if redact:
            from ..render.redact import Redactor

            redactor = Redactor.for_store(store)
        files = write_import_files(store, folder, database=database, redact=redactor)
    emit(files.rows(), fmt, sys.stdout, title="neo4j-admin import files")
    state.note("Import them (the database stopped) with:\n  " + files.command())
    state.note("then start the database and run `womgraph db init` for constraints and indexes.")


def register(main: click.Group) -> None:
    main.add_command(export)
