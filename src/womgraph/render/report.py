"""Draw the advocacy report for a terminal with rich, and flatten it into rows for other formats."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from .formats import to_jsonable

__all__ = ["print_report", "report_sections"]


def report_sections(report: dict) -> dict[str, list[dict]]:
    """The report as named row sets (for csv/jsonl/table output)."""
    s = report["summary"]
    sections: dict[str, list[dict]] = {
        "events per type": [{"type": k, "events": v} for k, v in s["per_type"].items()],
        "events per channel": [{"channel": k, "events": v} for k, v in s["per_channel"].items()],
    }
    last = report.get("last_ingest")
    if last:
        sections["last ingest"] = [
            {k: last.get(k) for k in ("at", "read", "inserted", "updated", "duplicates", "rejected", "rejects_path")}
        ]
    return sections


def _table(title: str, rows: list[dict]) -> Table:
    t = Table(title=title, title_justify="left", expand=False)
    if not rows:
        t.add_column("(none)")
        return t
    for col in rows[0]:
        t.add_column(col, justify="right" if isinstance(rows[0][col], (int, float)) else "left")
    for r in rows:
        t.add_row(*["" if v is None else escape(str(to_jsonable(v))) for v in r.values()])
    return t


def print_report(report: dict, stream: TextIO) -> None:
    """Draw ``report`` on ``stream``."""
    console = Console(file=stream, width=None if stream.isatty() else 110)
    s = report["summary"]
    span = ""
    if s["first"]:
        span = f" from {to_jsonable(s['first'])[:10]} to {to_jsonable(s['last'])[:10]}"
    console.print(
        Panel.fit(
            f"[b]{s['events']:,}[/b] events by [b]{s['actors']:,}[/b] accounts{span}; "
            f"[b]{report['counts']['accounts']:,}[/b] account profiles\n"
            f"store: {escape(report['store'])}",
            title="womgraph advocacy report",
        )
    )
    for name, rows in report_sections(report).items():
        console.print(_table(name, rows))
