"""Commands that bring data in: ``ingest``, ``generate``, ``demo``; and ``report``, ``stats``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import EXIT_REJECTS
from ..render import emit, emit_document
from .analysis import redact_option
from .common import State, format_option, pass_state, progress_bar, quiet_option, store_option

__all__ = ["register"]


def _summary_rows(summary) -> list[dict]:
    return [
        {
            "file": s.file,
            "kind": s.kind,
            "format": s.format,
            "read": s.read,
            "inserted": s.inserted,
            "updated": s.updated,
            "duplicates": s.duplicates,
            "rejected": s.rejected,
        }
        for s in summary.sources
    ]


def _ingest(state: State, files, accounts, strict: bool, fmt: str | None) -> int:
    """Run an ingest, print its summary; return the exit code."""
    from ..ingest import ingest as run_ingest

    with state.open_store() as store:
        with progress_bar(state, "ingesting") as progress:
            summary = run_ingest(store, files, accounts, strict=strict, progress=progress)
        store.log_ingest(summary.to_dict())
    if fmt == "json":
        emit_document(summary.to_dict(), "json", sys.stdout)
    elif fmt:
        emit(_summary_rows(summary), fmt, sys.stdout, title="ingest")
    if summary.rejected:
        if summary.stored:
            click.echo(
                f"{summary.rejected} record(s) rejected, {summary.inserted} stored; "
                f"see {summary.rejects_path} for each rejected record with its line and reason.",
                err=True,
            )
        else:
            click.echo(
                f"Nothing was stored (--strict): {summary.rejected} record(s) rejected; "
                f"see {summary.rejects_path}, fix them and ingest again.",
                err=True,
            )
        return EXIT_REJECTS
    return 0


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--accounts", "accounts", multiple=True, type=click.Path(allow_dash=True),
              help="Account profiles file (JSON Lines or CSV); may be repeated.")
@click.option("--strict", is_flag=True, help="Store nothing when any record is rejected.")
@format_option()
@store_option
@quiet_option
@pass_state
def ingest(state: State, files, accounts, strict: bool, fmt: str) -> None:
    """Validate and store event files (JSON Lines or CSV, .gz too, - for stdin).

    Good records are stored, bad ones are written to a rejects file in the store with their
    line and reason. Ingesting the same events again changes nothing.

    Exit status: 0 all stored, 3 some records rejected, 1 failure, 2 usage error.

    \b
    Example:
      womgraph ingest events.jsonl.gz --accounts accounts.csv
    """
    sys.exit(_ingest(state, list(files), list(accounts), strict, fmt))


@click.command()
@click.option("--people", type=click.IntRange(min=10), help="How many people the community has.")
@click.option("--events", type=click.IntRange(min=100), help="Roughly how many events to make instead.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; same seed, same files.")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder to write into.")
@click.option("--file-format", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@format_option()
@quiet_option
@pass_state
def generate(state: State, people, events, seed, out, file_format, fmt) -> None:
    """Write a seeded synthetic community with its ground truth.

    \b
    Example:
      womgraph generate --people 5000 --seed 7 --out data/
      womgraph ingest data/events.jsonl --accounts data/accounts.jsonl
    """
    from ..generate import generate_community

    if (people is None) == (events is None):
        raise click.UsageError("Give exactly one of --people or --events.")
    summary = generate_community(out, people=people, events=events, seed=seed, fmt=file_format)
    d = summary.to_dict()
    if fmt == "json":
        emit_document(d, "json", sys.stdout)
    else:
        emit([{k: v for k, v in d.items() if not isinstance(v, (dict, list))}], fmt, sys.stdout, title="generated")


def _print_report(report: dict, fmt: str) -> None:
    from ..render.report import print_report, report_sections

    if fmt == "table":
        print_report(report, sys.stdout)
    else:
        emit_document(report, fmt, sys.stdout, report_sections(report))


@click.command()
@click.option("--people", type=click.IntRange(min=100), default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@format_option()
@store_option
@quiet_option
@pass_state
def demo(state: State, people: int, seed: int, fmt: str) -> None:
    """Generate a demo community, ingest it into the store and print the report.

    Needs no server and no network. Running it again reuses the data.

    \b
    Example:
      womgraph demo && womgraph advocates --top 10
    """
    from ..generate import generate_community
    from ..report import build_report
    from ..store import is_server_uri

    where = state.settings.store_location(state.store)
    base = Path("womgraph-demo") if is_server_uri(where) else Path(where)
    data = base / "demo-data" / f"people{people}-seed{seed}"
    if not (data / "events.jsonl").exists():
        state.note(f"Generating a demo community of {people} people in {data} ...")
        generate_community(data, people=people, seed=seed)
    state.note(f"Ingesting {data} ...")
    code = _ingest(state, [data / "events.jsonl"], [data / "accounts.jsonl"], False, None)
    if code:
        sys.exit(code)
    with state.open_store(read_only=False) as store:
        _print_report(build_report(store), fmt)


@click.command()
@format_option()
@redact_option
@store_option
@pass_state
def report(state: State, fmt: str, redact: bool) -> None:
    """Print the advocacy report of the store.

    \b
    Example:
      womgraph report --format json > report.json
    """
    from ..report import build_report

    with state.open_store(read_only=True) as store:
        _print_report(build_report(store, redact=redact), fmt)


@click.command()
@format_option()
@store_option
@pass_state
def stats(state: State, fmt: str) -> None:
    """Print what the store holds: events per type and channel, accounts, time span.

    \b
    Example:
      womgraph stats --format csv
    """
    from ..analyse.cache import cached_event_summary

    with state.open_store(read_only=True) as store:
        s = cached_event_summary(store)  # counted where the events are, kept while unchanged
        counts = store.counts()
    rows = [{"measure": "events", "key": "", "value": s["events"]},
            {"measure": "accounts", "key": "", "value": counts["accounts"]},
            {"measure": "actors", "key": "", "value": s["actors"]},
            {"measure": "first", "key": "", "value": s["first"]},
            {"measure": "last", "key": "", "value": s["last"]}]
    rows += [{"measure": "events_per_type", "key": k, "value": v} for k, v in s["per_type"].items()]
    rows += [{"measure": "events_per_channel", "key": k, "value": v} for k, v in s["per_channel"].items()]
    emit(rows, fmt, sys.stdout, title="store")


@click.command()
@click.argument("kind", type=click.Choice(["events", "accounts"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of event or account records (from womgraph's pydantic models).

    \b
    Example:
      womgraph schema events > events.schema.json
    """
    from ..model import json_schema

    emit_document(json_schema(kind), "json", sys.stdout)


def register(main: click.Group) -> None:
    for cmd in (ingest, generate, demo, report, stats, schema):
        main.add_command(cmd)
