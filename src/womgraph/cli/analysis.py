"""Analysis commands: ``interactions``, ``advocates``, ``chains``, ``metrics``, ``communities``, ``flags``."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterator, TextIO

import click

from ..render import emit, emit_document
from .common import State, format_option, pass_state, quiet_option, store_option

if TYPE_CHECKING:  # the command bodies import them: --help and other commands do not pay for them
    import pyarrow as pa

    from ..analyse.result import Analysis

__all__ = ["register"]


def window_option(f):
    return click.option(
        "--window-days", type=click.FloatRange(min=0), default=30.0, show_default=True,
        help="Attribution window: how long a peer exposure can explain a later adoption.",
    )(f)


def redact_option(f):
    return click.option(
        "--redact", is_flag=True,
        help="Replace account ids, handles and names with stable pseudonyms (anon-...), keyed "
        "with a secret kept in the store; see docs/privacy.md.",
    )(f)


def output_option(f):
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
        help="Write to this file instead of stdout.",
    )(f)


@contextmanager
def _out(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdout
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            yield fh


def analysis_options(f):
    """The options every analysis command shares: window, redaction, output, store, quiet."""
    for decorate in reversed((window_option, redact_option, output_option, store_option,
                              quiet_option, pass_state)):
        f = decorate(f)
    return f


def run_analysis(state: State, window_days: float = 30.0, redact: bool = False) -> Analysis:
    from ..analyse.cache import cached_analysis
    from ..analyse.frame import Options

    with state.open_store(read_only=True) as store:
        state.note(f"Analysing {store.counts()['events']:,} events in {store.location} ...")
        a = cached_analysis(store, Options(window_days=window_days))
        if redact:
            from ..render.redact import Redactor

            a = Redactor.for_store(store).analysis(a)
        return a


@click.command()
@click.option("--class", "klass", type=click.Choice(["peer", "broadcast", "incentivized", "suspicious", "social"]),
              help="Only events of this class.")
@format_option(default="jsonl")
@analysis_options
def interactions(state: State, klass, fmt, window_days, output, redact) -> None:
    """Print every event with its class and the reason for it.

    \b
    Example:
      womgraph interactions --class peer --format jsonl | head
    """
    import pyarrow.compute as pc

    a = run_analysis(state, window_days, redact)
    t = a.classes
    if klass:
        t = t.filter(pc.equal(t.column("class"), klass))
    with _out(output) as fh:
        emit(t, fmt, fh, title="interactions")


@click.command()
@click.option("--top", type=click.IntRange(min=1), help="Only the N best ranked.")
@click.option("--min-conversions", type=click.IntRange(min=0), default=0, help="At least this many conversions (direct + chain).")
@click.option("--channel", help="Only advocates whose main channel is this one.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only advocates active on or after this date.")
@format_option()
@analysis_options
def advocates(state: State, top, min_conversions, channel, since, fmt, window_days, output, redact) -> None:
    """Rank genuine peer advocates, with the evidence for each rank.

    Brand, employee, partner and flagged accounts are never listed.

    \b
    Example:
      womgraph advocates --top 50 --format csv -o outreach.csv
    """
    a = run_analysis(state, window_days, redact)
    t = advocate_filter(a.advocates, top=top, min_conversions=min_conversions, channel=channel, since=since)
    cols = None
    if fmt == "table":
        import pyarrow.compute as pc

        cols = ["rank", "account", "handle", "score", "conversions_direct", "conversions_chain",
                "people_reached", "followers", "reason"]
        t = t.set_column(t.schema.get_field_index("score"), "score", pc.round(t.column("score"), 3))
    with _out(output) as fh:
        emit(t, fmt, fh, title="advocates", columns=cols)


def advocate_filter(t: pa.Table, *, top=None, min_conversions=0, channel=None, since=None) -> pa.Table:
    """Apply the ``advocates`` command's filters (ranks stay as computed)."""
    if min_conversions or channel or since:
        import pyarrow as pa
        import pyarrow.compute as pc

    if min_conversions:
        t = t.filter(pc.greater_equal(t.column("conversions_total"), min_conversions))
    if channel:
        t = t.filter(pc.equal(t.column("channel"), channel))
    if since:
        since = since.replace(tzinfo=timezone.utc) if isinstance(since, datetime) else since
        t = t.filter(pc.greater_equal(t.column("last_advocacy"), pa.scalar(since, t.schema.field("last_advocacy").type)))
    if top:
        t = t.slice(0, top)
    return t


@click.command()
@click.option("--top", type=click.IntRange(min=1), help="Only the N largest cascades.")
@click.option("--min-size", type=click.IntRange(min=2), default=2, show_default=True)
@format_option(default="json")
@analysis_options
def chains(state: State, top, min_size, fmt, window_days, output, redact) -> None:
    """List recommendation chains (cascades), largest first, with their shape.

    \b
    Example:
      womgraph chains --top 5 --format json
    """
    a = run_analysis(state, window_days, redact)
    rows = a.chains(min_size=min_size, top=top)
    cols = None
    if fmt == "table":
        cols = ["root", "size", "depth", "max_breadth", "structural_virality", "conversions_per_generation", "median_hop_hours"]
    with _out(output) as fh:
        emit(rows, fmt, fh, title="chains", columns=cols)


@click.command()
@click.option("--period", type=click.Choice(["week", "month"]), default="week", show_default=True,
              help="Time series step.")
@format_option(default="json", choices=("table", "json", "jsonl", "csv", "parquet"))
@window_option
@output_option
@store_option
@quiet_option
@pass_state
def metrics(state: State, period, fmt, window_days, output) -> None:
    """The advocacy scorecard: WOM purity, k-factor, chains, vanity metrics and their yield.

    JSON gives the whole scorecard with its time series; csv, jsonl and table give the time
    series, one row per period; parquet (needs -o) writes the series with the scorecard as JSON
    in the file's metadata (key ``womgraph.scorecard``).

    \b
    Example:
      womgraph metrics --format json -o scorecard.json
    """
    if fmt == "parquet" and output == "-":
        raise click.UsageError("--format parquet needs -o FILE.parquet (it is not text).")
    a = run_analysis(state, window_days)
    series = a.weekly if period == "week" else a.monthly
    if fmt == "parquet":
        write_metrics_parquet(a.metrics, series, output)
        return
    with _out(output) as fh:
        if fmt == "json":
            emit_document({"scorecard": a.metrics, "period": period, "series": series,
                           "channels": a.channels}, "json", fh)
        else:
            emit(series, fmt, fh, title=f"per {period}")


def write_metrics_parquet(scorecard: dict, series: list[dict], path: str) -> None:
    """The time series as Parquet rows, the scorecard as JSON metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..render import dumps

    table = pa.Table.from_pylist(series) if series else pa.table({})
    meta = dict(table.schema.metadata or {})
    meta[b"womgraph.scorecard"] = dumps(scorecard).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


@click.command()
@format_option()
@analysis_options
def communities(state: State, fmt, window_days, output, redact) -> None:
    """Communities of the peer graph and their word-of-mouth health.

    \b
    Example:
      womgraph communities --format csv
    """
    a = run_analysis(state, window_days, redact)
    with _out(output) as fh:
        emit(a.community_health, fmt, fh, title="communities")


@click.command()
@click.option("--kind", type=click.Choice(["bought_engagement", "referral_fraud", "sponsorship"]),
              help="Only flags of this kind.")
@format_option()
@analysis_options
def flags(state: State, kind, fmt, window_days, output, redact) -> None:
    """Flags to review: bought engagement, like farms, referral fraud, undisclosed sponsorship.

    Each flag names the rule that fired, the accounts and events behind it and the measured
    values. Flagged accounts are never advocates; their activity is class suspicious.

    \b
    Example:
      womgraph flags --kind referral_fraud --format json
    """
    a = run_analysis(state, window_days, redact)
    rows = [
        {k: f[k] for k in ("flag_id", "kind", "rule", "severity", "accounts", "evidence", "affects_class")}
        for f in a.flags
        if not kind or f["kind"] == kind
    ]
    with _out(output) as fh:
        emit(rows, fmt, fh, title="flags")


@click.command()
@format_option()
@window_option
@store_option
@quiet_option
@pass_state
def analyse(state: State, fmt, window_days) -> None:
    """Run the analysis and write its results back into the store.

    Classes and reasons land on events; advocate ranks and scores and community ids on
    accounts; flags and converted-by links beside them. In Neo4j they are properties people
    can explore in Browser or Bloom; in the embedded store they are tables (result_*).

    \b
    Example:
      womgraph analyse --store neo4j://localhost:7687
    """
    from ..analyse.cache import cached_analysis
    from ..analyse.frame import Options

    with state.open_store() as store:
        state.note(f"Analysing {store.counts()['events']:,} events in {store.location} ...")
        a = cached_analysis(store, Options(window_days=window_days))
        tables = a.write_back_tables()
        store.write_results(tables)
    emit([{"result": name, "rows": t.num_rows} for name, t in tables.items()], fmt, sys.stdout,
         title="written back")


def register(main: click.Group) -> None:
    for cmd in (analyse, interactions, advocates, chains, metrics, communities, flags):
        main.add_command(cmd)
