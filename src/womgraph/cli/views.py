"""Views for people and other tools: ``plot``, ``html`` and ``export graph``.

Each command runs the analysis once, hands its tables to one library function in
:mod:`womgraph.render` and writes the file it returns; a line on stderr says what was written.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .analysis import redact_option, window_option
from .common import State, pass_state, quiet_option, store_option

if TYPE_CHECKING:
    import pyarrow as pa

    from ..analyse.result import Analysis

__all__ = ["graph", "html", "plot", "register"]

#: The kinds of :data:`womgraph.render.plots.PLOT_KINDS`, named here so that ``--help`` does not
#: import matplotlib (a test checks both lists agree).
PLOT_KINDS = (
    "wom-vs-broadcast",
    "cascades",
    "followers-vs-influence",
    "advocate-network",
    "chain",
    "channels",
)
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")


@dataclass
class Loaded:
    analysis: Analysis
    accounts: pa.Table
    report: dict | None = None
    #: Set with --redact: what replaced the account ids (to find one the user names).
    redactor: object | None = None


def _load(state: State, window_days: float, report: bool = False, redact: bool = False) -> Loaded:
    from ..analyse.cache import cached_analysis
    from ..analyse.frame import Options

    with state.open_store(read_only=True) as store:
        state.note(f"Analysing {store.counts()['events']:,} events in {store.location} ...")
        a = cached_analysis(store, Options(window_days=window_days))
        accounts = store.accounts()
        redactor = None
        if redact:
            from ..render.redact import Redactor

            redactor = Redactor.for_store(store)
            a, accounts = redactor.analysis(a), redactor.accounts(accounts)
        doc = None
        if report:
            from ..report import report_from_analysis

            doc = report_from_analysis(store, a)
        return Loaded(a, accounts, doc, redactor)


@click.command()
@click.argument("kind", type=click.Choice(PLOT_KINDS))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Image file to write: .png, .svg or .pdf.",
)
@click.option(
    "--root",
    metavar="ACCOUNT",
    help="chain: the chain that holds this account (default: the largest).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="advocate-network: how many of the best advocates to centre on.",
)
@click.option(
    "--period",
    type=click.Choice(["week", "month"]),
    default="week",
    show_default=True,
    help="wom-vs-broadcast: time step.",
)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="advocate-network: layout seed."
)
@click.option(
    "--dpi",
    type=click.IntRange(min=30, max=600),
    default=150,
    show_default=True,
    help="Resolution of .png files.",
)
@window_option
@redact_option
@store_option
@quiet_option
@pass_state
def plot(state: State, kind, output, root, top, period, seed, dpi, window_days, redact) -> None:
    """Draw one plot of the analysis into an image file.

    \b
    KIND is one of:
      wom-vs-broadcast        interactions per class and adopters per cause, per week
      cascades                chain size and depth distributions (log-log CCDF)
      followers-vs-influence  followers against advocate score: audience is not influence
      advocate-network        peer word of mouth around the top advocates, by community
      chain                   one recommendation chain as a tree (--root ACCOUNT)
      channels                peer, broadcast, adopters and WOM purity per channel

    \b
    Example:
      womgraph plot followers-vs-influence -o influence.png
      womgraph plot chain --root ana -o chain.svg
    """
    from ..render.plots import plot as draw
    from ..render.plots import save_figure

    suffix = Path(output).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise click.UsageError(
            f"Cannot tell the image format from {output!r}: name it .png, .svg or .pdf."
        )
    loaded = _load(state, window_days, redact=redact)
    if root and loaded.redactor is not None:
        root = loaded.redactor.account(root)
    fig = draw(kind, loaded.analysis, loaded.accounts, root=root, top=top, period=period, seed=seed)
    save_figure(fig, output, dpi=dpi)
    state.note(f"Wrote {kind} to {output}")


@click.command()
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file to write."
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Advocates listed in the table.",
)
@click.option(
    "--network-top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Advocates at the centre of the interactive network.",
)
@click.option("--no-plots", is_flag=True, help="Leave the plots out (a smaller, faster page).")
@window_option
@redact_option
@store_option
@quiet_option
@pass_state
def html(state: State, output, top, network_top, no_plots, window_days, redact) -> None:
    """Write the advocacy report as one self-contained HTML file.

    The scorecard beside the vanity metrics, every plot, sortable tables of advocates, chains
    and flags, and an interactive advocate network. The page loads nothing from the network:
    send it by e-mail or open it offline.

    \b
    Example:
      womgraph html -o report.html
    """
    from ..render.html import write_html

    loaded = _load(state, window_days, report=True, redact=redact)
    write_html(
        output,
        loaded.report,
        loaded.analysis,
        loaded.accounts,
        plots=() if no_plots else None,
        top_advocates=top,
        network_top=network_top,
    )
    state.note(f"Wrote the report to {output}")


@click.command("graph")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "gexf"]),
    help="File format (default: from the file name).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write (.graphml or .gexf; - for stdout with --format).",
)
@window_option
@redact_option
@store_option
@quiet_option
@pass_state
def graph(state: State, fmt, output, window_days, redact) -> None:
    """Write the account graph for Gephi or NodeXL (GraphML or GEXF).

    Accounts are nodes (role, followers, advocate rank and score, community, flagged); peer,
    broadcast, incentivized and suspicious interactions between two accounts are one weighted
    edge with a count per class. See docs/reports.md for every attribute.

    \b
    Example:
      womgraph export graph --format gexf -o wom.gexf
    """
    from ..errors import InputError
    from ..render.graph_export import account_graph, graph_format, write_graph

    if output == "-" and not fmt:
        raise click.UsageError("Writing to stdout needs --format graphml or --format gexf.")
    try:
        fmt = graph_format(output, fmt) if output != "-" else fmt
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    loaded = _load(state, window_days, redact=redact)
    g = account_graph(loaded.analysis, loaded.accounts)
    write_graph(g, sys.stdout.buffer if output == "-" else output, fmt)
    state.note(
        f"Wrote {g.number_of_nodes():,} accounts and {g.number_of_edges():,} interaction edges "
        f"as {fmt} to {output}"
    )


@click.group("export")
def _export_group() -> None:
    """Write the store's data or results for other tools."""


def register(main: click.Group) -> None:
    """Add ``plot`` and ``html`` to ``main``, and ``graph`` to its ``export`` group.

    The ``export`` group is the one already on ``main``, else the one of :mod:`womgraph.cli.export`
    (so registering that module later keeps ``graph``), else a group of our own.
    """
    main.add_command(plot)
    main.add_command(html)
    group = main.commands.get("export")
    if not isinstance(group, click.Group):
        try:
            from .export import export as group
        except ImportError:
            group = _export_group
        main.add_command(group, "export")
    group.add_command(graph)
