"""The ``womgraph`` command: a thin layer over the library.

Each command parses options, calls one library function and renders its result. Errors of the
package (:class:`womgraph.errors.WomgraphError`) become a message on stderr and an exit code here
and nowhere else: 0 ok, 1 failure, 2 usage error, 3 some input records were rejected.
"""

from __future__ import annotations

import sys

import click

from ..errors import WomgraphError
from .common import State

__all__ = ["main", "run"]


class WomgraphGroup(click.Group):
    """A click group that turns package errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WomgraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    """``--version``, as click's own option prints it; the version is looked up only here."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"womgraph, version {__version__}", color=ctx.color)
    ctx.exit()


@click.group(cls=WomgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
@click.option(
    "--store",
    metavar="PATH|URI",
    help="Store to use: a folder for the embedded store (default .womgraph, or WOMGRAPH_STORE), "
    "or a bolt:// / neo4j:// URI (or NEO4J_URI) for Neo4j.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or notes on stderr.")
@click.pass_context
def main(ctx: click.Context, store: str | None, quiet: bool) -> None:
    """Find the word of mouth that actually grows a business.

    \b
    Start with the demo (no server needed):
      womgraph demo
    Then with your own data:
      womgraph ingest events.jsonl --accounts accounts.csv
      womgraph report
    """
    ctx.obj = State(store=store, quiet=quiet)


# Commands register themselves on main, one module per family.
from . import analysis, data, db, export, privacy, views  # noqa: E402

for _module in (data, analysis, db, export, views, privacy):
    _module.register(main)


class _NoPandas:
    """Refuses to import pandas (an import finder).

    womgraph never uses pandas, but DuckDB imports it, when it is installed, the first time it
    is handed an Arrow table (to check it is not a DataFrame): 0.25-0.3 s of every command in an
    environment that has pandas, most of a cached command's time. DuckDB takes the refusal as
    "pandas is not installed"."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("the womgraph command does not use pandas", name=name)
        return None


def run() -> None:
    """The ``womgraph`` executable: :func:`main`, in a process that does not load pandas.

    (Only the executable: a program that calls the library or :func:`main` keeps its pandas.)"""
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())
    main()
