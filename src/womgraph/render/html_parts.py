"""Fragments of the HTML report: escaped text, the scorecard block and sortable tables.

Every value that came from the data goes through :func:`_e` (``html.escape``), so a handle such
as ``<script>`` is shown as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from .formats import to_jsonable

__all__ = ["HEADERS", "RATIO_COLUMNS", "PROSE_COLUMNS"]

def _e(value) -> str:
    """Escaped text of any value (None -> empty)."""
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:,.3f}".rstrip("0").rstrip(".")
    return escape(str(value), quote=True)


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _kv(rows: Iterable[tuple[str, str]]) -> str:
    return (
        "<table class='kv'>"
        + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _scorecard(report: dict) -> str:
    sc, va = report["scorecard"], report["vanity"]
    by = sc["adopters_by_cause"]
    matters = _kv(
        [
            ("WOM purity (peer-caused adopters)", _pct(sc["wom_purity"])),
            ("peer share of brand-related interactions", _pct(sc["wom_purity_interactions"])),
            (
                "adopters: peer / incentivized / broadcast / organic",
                " / ".join(
                    str(by.get(k, 0)) for k in ("peer", "incentivized", "broadcast", "organic")
                ),
            ),
            ("viral k-factor", "n/a" if sc["k_factor"] is None else f"{sc['k_factor']:.3f}"),
            ("referral conversion rate", _pct(sc["referral_conversion_rate"])),
            (
                "conversions from chains of depth ≥ 2",
                _pct(sc["share_of_conversions_from_deep_chains"]),
            ),
            (
                "recommendation chains / longest depth",
                f"{sc['cascades']} / {sc['longest_chain_depth'] or 0}",
            ),
            ("say-do gap (promoters who never referred)", _pct(sc["say_do_gap"])),
            (
                "repeat rate: referred vs other customers",
                f"{_pct(sc['referred_repeat_rate'])} vs {_pct(sc['other_repeat_rate'])}",
            ),
        ]
    )
    per_1000 = va.get("broadcast_adopters_per_1000_likes")
    peer_1000 = va.get("peer_adopters_per_1000_peer_interactions")
    vanity = _kv(
        [
            ("brand followers", f"{va['brand_followers']:,}"),
            ("likes of brand posts", f"{va['likes_of_brand_posts']:,}"),
            (
                "shares + reshares of brand posts",
                f"{va['shares_of_brand_posts'] + va['reshares_of_brand_content']:,}",
            ),
            ("adopters after broadcast only", f"{va['adopters_after_broadcast']:,}"),
            ("adopters per 1,000 likes", "n/a" if per_1000 is None else f"{per_1000:,.2f}"),
            (
                "peer adopters per 1,000 peer interactions",
                "n/a" if peer_1000 is None else f"{peer_1000:,.2f}",
            ),
        ]
    )
    return (
        "<section id='scorecard'><h2>Scorecard</h2><div class='cards'>"
        f"<div class='card matters'><h3>What matters (word of mouth)</h3>{matters}</div>"
        f"<div class='card vanity'><h3>Vanity metrics (and what they yield)</h3>{vanity}</div>"
        "</div></section>"
    )


#: Column headings that read better than the column names.
HEADERS = {
    "conversions_direct": "converted directly",
    "conversions_chain": "converted via chains",
    "people_reached": "reached",
    "structural_virality": "virality",
    "conversions_per_generation": "conversions per generation",
    "median_hop_hours": "median hours per hop",
    "wom_purity": "WOM purity",
}
#: Columns shown as percentages, and columns of prose that need room.
RATIO_COLUMNS = ("wom_purity",)
PROSE_COLUMNS = ("reason", "evidence", "who")


def _cell(value, col: str) -> str:
    value = to_jsonable(value)
    if col in RATIO_COLUMNS:
        if value is None:
            return "<td class='n' data-v=''>n/a</td>"
        return f"<td class='n' data-v='{value!r}'>{100 * value:.1f}%</td>"
    if isinstance(value, bool):
        return f"<td data-v='{int(value)}'>{'yes' if value else 'no'}</td>"
    if isinstance(value, (int, float)):
        shown = f"{value:,}" if isinstance(value, int) else value
        return f"<td class='n' data-v='{value!r}'>{_e(shown)}</td>"
    if isinstance(value, list):
        sep = " → " if col.endswith("per_generation") else ", "
        return f"<td>{_e(sep.join('' if v is None else str(v) for v in value))}</td>"
    if isinstance(value, dict):
        return f"<td>{_e('; '.join(f'{k}={v}' for k, v in value.items()))}</td>"
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value.endswith("Z"):
        shown = value[:10] if value.endswith("T00:00:00Z") else value[:16].replace("T", " ")
        return f"<td class='d' data-v='{_e(value)}'>{_e(shown)}</td>"
    if col in PROSE_COLUMNS:
        return f"<td class='t'>{_e(value)}</td>"
    if col == "severity":
        order = {"high": 0, "medium": 1, "low": 2}.get(str(value), 3)
        return f"<td class='sev-{_e(value)}' data-v='{order}'>{_e(value)}</td>"
    return f"<td>{_e(value)}</td>"


def _table(tid: str, title: str, rows: list[dict], columns: list[str], note: str = "") -> str:
    head = f"<section id='{tid}'><h2>{_e(title)}<span class='count'>{_e(note)}</span></h2>"
    if not rows:
        return head + "<p class='empty'>None.</p></section>"
    numeric = {
        c
        for c in columns
        if any(
            isinstance(to_jsonable(r.get(c)), (int, float)) and not isinstance(r.get(c), bool)
            for r in rows
        )
    }
    num = " data-type='num'"
    ths = "".join(
        f"<th scope='col'{num if c in numeric else ''}>"
        f"{_e(HEADERS.get(c, c.replace('_', ' ')))}</th>"
        for c in columns
    )
    body = "".join("<tr>" + "".join(_cell(r.get(c), c) for c in columns) + "</tr>" for r in rows)
    return (
        head
        + "<input class='filter' type='search' placeholder='filter rows' "
        + f"aria-label='filter {_e(title)}' "
        f"data-table='t-{tid}'><div class='tablewrap'><table class='data sortable' id='t-{tid}'>"
        f"<thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )
