"""Draw the advocacy report for a terminal with rich, and flatten it into rows for other formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from .formats import to_jsonable

if TYPE_CHECKING:
    from rich.table import Table

# rich is imported where a table is drawn: ``report --format json`` (its sections only) need not
# pay for it (0.02-0.03 s of every such command).

__all__ = ["print_report", "report_sections"]


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}"


def report_sections(report: dict) -> dict[str, list[dict]]:
    """The report as named row sets (for csv/jsonl/table output)."""
    s = report["summary"]
    sections: dict[str, list[dict]] = {
        "scorecard": [{"measure": k, "value": v} for k, v in report["scorecard"].items()
                      if not isinstance(v, dict)],
        "vanity": [{"measure": k, "value": v} for k, v in report["vanity"].items()],
        "top advocates": report["top_advocates"],
        "longest chains": report["longest_chains"],
        "most valuable chains": report["most_valuable_chains"],
        "flags to review": report["flags"]["to_review"],
        "per channel": report["per_channel"],
        "per week": report["per_week"],
        "events per type": [{"type": k, "events": v} for k, v in s["per_type"].items()],
        "events per channel": [{"channel": k, "events": v} for k, v in s["per_channel"].items()],
    }
    last = report.get("last_ingest")
    if last:
        sections["last ingest"] = [
            {k: last.get(k) for k in ("at", "read", "inserted", "updated", "duplicates", "rejected", "rejects_path")}
        ]
    return sections


def _table(title: str, rows: list[dict], columns: list[str] | None = None) -> Table:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"[b]{title}[/b]", title_justify="left", expand=False)
    if not rows:
        t.add_column("(none)")
        return t
    cols = columns or list(rows[0])
    for col in cols:
        t.add_column(col.replace("_", " "), justify="right" if isinstance(rows[0].get(col), (int, float)) else "left",
                     overflow="fold")
    for r in rows:
        cells = []
        for c in cols:
            v = to_jsonable(r.get(c))
            if isinstance(v, str) and v.endswith("T00:00:00Z"):
                v = v[:10]
            cells.append("" if v is None else escape(str(round(v, 3) if isinstance(v, float) else v)))
        t.add_row(*cells)
    return t


def _scorecards(report: dict) -> Table:
    from rich.table import Table

    sc, va = report["scorecard"], report["vanity"]
    grid = Table.grid(padding=(0, 3))
    grid.add_column()
    grid.add_column()
    by = sc["adopters_by_cause"]
    matters = Table(title="[b]what matters[/b] (word of mouth)", title_justify="left", show_header=False)
    matters.add_column()
    matters.add_column(justify="right")
    for label, value in (
        ("WOM purity (peer-caused adopters)", _pct(sc["wom_purity"])),
        ("peer share of brand-related interactions", _pct(sc["wom_purity_interactions"])),
        ("adopters: peer / incentivized / broadcast / organic",
         f"{by['peer']} / {by['incentivized']} / {by['broadcast']} / {by['organic']}"),
        ("viral k-factor", _num(sc["k_factor"], 3)),
        ("referral conversion rate", _pct(sc["referral_conversion_rate"])),
        ("conversions from chains of depth >= 2", _pct(sc["share_of_conversions_from_deep_chains"])),
        ("recommendation chains / longest depth", f"{sc['cascades']} / {sc['longest_chain_depth'] or 0}"),
        ("say-do gap (promoters who never referred)", _pct(sc["say_do_gap"])),
        ("repeat rate: referred vs other customers",
         f"{_pct(sc['referred_repeat_rate'])} vs {_pct(sc['other_repeat_rate'])}"),
    ):
        matters.add_row(label, value)
    vanity = Table(title="[b]vanity[/b] (and what it yields)", title_justify="left", show_header=False)
    vanity.add_column()
    vanity.add_column(justify="right")
    for label, value in (
        ("brand followers", f"{va['brand_followers']:,}"),
        ("likes of brand posts", f"{va['likes_of_brand_posts']:,}"),
        ("shares + reshares of brand posts", f"{va['shares_of_brand_posts'] + va['reshares_of_brand_content']:,}"),
        ("adopters after broadcast only", f"{va['adopters_after_broadcast']:,}"),
        ("adopters per 1,000 likes", _num(va["broadcast_adopters_per_1000_likes"])),
        ("peer adopters per 1,000 peer interactions", _num(va["peer_adopters_per_1000_peer_interactions"])),
    ):
        vanity.add_row(label, value)
    grid.add_row(matters, vanity)
    return grid


def print_report(report: dict, stream: TextIO) -> None:
    """Draw ``report`` on ``stream``."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    console = Console(file=stream, width=None if stream.isatty() else 140)
    s = report["summary"]
    span = ""
    if s["first"]:
        span = f" from {to_jsonable(s['first'])[:10]} to {to_jsonable(s['last'])[:10]}"
    flags = report["flags"]
    console.print(
        Panel.fit(
            f"[b]{s['events']:,}[/b] events by [b]{s['actors']:,}[/b] accounts{span}; "
            f"[b]{report['counts']['accounts']:,}[/b] account profiles; "
            f"[b]{report['advocates']:,}[/b] genuine advocates; [b]{flags['total']}[/b] flags to review\n"
            f"store: {escape(report['store'])}",
            title="womgraph advocacy report",
        )
    )
    console.print(_scorecards(report))
    console.print(_table("top advocates (followers are not influence)", report["top_advocates"],
                         ["rank", "account", "handle", "followers", "score", "conversions_direct",
                          "conversions_chain", "people_reached", "reason"]))
    chain_cols = ["root", "size", "depth", "structural_virality", "conversions_per_generation", "median_hop_hours"]
    console.print(_table("longest recommendation chains", report["longest_chains"], chain_cols))
    console.print(_table("most valuable chains", report["most_valuable_chains"], chain_cols))
    by_rule = ", ".join(f"{k} {v}" for k, v in flags["by_rule"].items()) or "none"
    console.print(_table(f"flags to review: {flags['total']} ({by_rule})", flags["to_review"]))
    console.print(_table("per channel", report["per_channel"],
                         ["channel", "peer", "broadcast", "incentivized", "suspicious", "adopters", "peer_adopters", "wom_purity"]))
    console.print(_table("per week (last 8)", report["per_week"][-8:],
                         ["week", "peer", "broadcast", "incentivized", "suspicious", "adopters", "peer_adopters", "wom_purity"]))
    last = report.get("last_ingest")
    if last:
        console.print(
            f"last ingest {to_jsonable(last.get('at'))[:19]}: read {last['read']:,}, stored {last['inserted']:,}, "
            f"duplicates {last['duplicates']:,}, rejected {last['rejected']:,}"
            + (f" (see {escape(str(last['rejects_path']))})" if last.get("rejects_path") else "")
        )
