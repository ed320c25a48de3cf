"""What every command shares: the state object, store opening, options, progress on stderr."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

import click

from ..render.formats import FORMATS
from ..settings import DEFAULT_STORE, load_settings, only_defaults

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store import Store

__all__ = ["State", "format_option", "store_option", "pass_state", "progress_bar"]


@dataclass
class State:
    """Options of the ``womgraph`` group, seen by every command.

    The settings are read when the state is made (so an invalid setting fails every command),
    except when nothing in the environment can set one: then they are all defaults and are
    read only if a command asks for them (pydantic costs a fifth of a second to import).
    """

    store: str | None = None
    quiet: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._settings is None and not only_defaults():
            self._settings = load_settings()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def open_store(self, read_only: bool = False) -> Store:
        from ..store import EmbeddedStore, is_server_uri, open_store

        if self._settings is None:  # all defaults: the option, else the default folder
            where = self.store or DEFAULT_STORE
            if not is_server_uri(where):
                return EmbeddedStore(where, read_only=read_only)
        return open_store(self.store, settings=self.settings, read_only=read_only)

    def note(self, message: str) -> None:
        """A line for the person at the terminal, on stderr, unless --quiet."""
        if not self.quiet:
            click.echo(message, err=True)


pass_state = click.make_pass_decorator(State)


def format_option(default: str = "table", choices: tuple[str, ...] = FORMATS):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format on stdout.",
    )


def _set_store(ctx: click.Context, _param, value):
    if value:
        ctx.ensure_object(State).store = value
    return value


def store_option(f):
    """``--store`` on a subcommand too, overriding the group's."""
    return click.option(
        "--store",
        metavar="PATH|URI",
        expose_value=False,
        callback=_set_store,
        help="Store folder or Neo4j URI (overrides the global --store).",
    )(f)


def _set_quiet(ctx: click.Context, _param, value):
    if value:
        ctx.ensure_object(State).quiet = True
    return value


def quiet_option(f):
    return click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet,
        help="No progress bars or notes on stderr.",
    )(f)


@contextmanager
def progress_bar(state: State, description: str, total: int | None = None) -> Iterator[Callable[[str, int], None] | None]:
    """A byte-progress callback drawing on stderr, or None when quiet or stderr is not a terminal."""
    if state.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)

        def advance(name: str, nbytes: int) -> None:
            progress.update(task, advance=nbytes, description=f"{description} {name}")

        yield advance
