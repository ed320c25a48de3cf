"""The advocacy report as one self-contained HTML file: no network, no files beside it.

Styles and the small script are inline, plots are PNG ``data:`` images, the advocate network is
an inline SVG, and a Content-Security-Policy forbids the page to load anything at all. Every
piece of user-provided text (ids, handles, texts, reasons, channels, flag evidence) goes through
:func:`html.escape`; the script only reads the page (``textContent``, ``data-*`` attributes),
never writes markup.

The script leaves marks on ``<html>`` for tests and monitors: ``data-rendered="ok"`` once every
table is sortable and the network is live, ``data-sortable`` and ``data-network-nodes`` (how
many of each), and ``data-errors`` with any script error or anything the page tried to load.

>>> from womgraph.analyse.pipeline import analyse
>>> from womgraph.schema import EVENTS_SCHEMA, ACCOUNTS_SCHEMA
>>> a = analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table())
>>> page = render_html(minimal_report(a), a, plots=())
>>> page.startswith("<!doctype html>"), "id='scorecard'" in page
(True, True)
>>> "http" in page.replace("http-equiv", "")  # nothing to fetch
False
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from .formats import to_jsonable
from .html_assets import CSS, ERROR_HOOK, SCRIPT
from .html_parts import _e, _scorecard, _table

if TYPE_CHECKING:
    from ..analyse.pipeline import Analysis

__all__ = ["PLOT_CAPTIONS", "minimal_report", "render_html", "write_html"]

#: What each plot in the report shows, in plain words.
PLOT_CAPTIONS: dict[str, str] = {
    "wom-vs-broadcast": "Interactions per class and new adopters per cause, week by week.",
    "channels": "Where word of mouth happens, where adopters come from, and how pure each "
    "channel's growth is.",
    "followers-vs-influence": "Followers against advocate score: a big audience is not influence.",
    "cascades": "How far recommendation chains travel: the share of chains at least this big "
    "or deep.",
    "chain": "The largest recommendation chain, generation by generation.",
    "advocate-network": "Peer word of mouth around the top advocates, coloured by community.",
}

def _png(fig, dpi: int = 96) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(a: Analysis, accounts: pa.Table | None, kinds: Iterable[str], dpi: int) -> str:
    from .plots import plot

    parts = []
    for kind in kinds:
        fig = plot(kind, a, accounts)
        title = fig.axes[0].get_title() or kind
        parts.append(
            f"<figure id='plot-{kind}'><img alt='{_e(title)}' "
            f"src='data:image/png;base64,{_png(fig, dpi)}'>"
            f"<figcaption>{_e(PLOT_CAPTIONS.get(kind, ''))}</figcaption></figure>"
        )
    return "<section id='plots'><h2>Plots</h2>" + "".join(parts) + "</section>" if parts else ""


def _network(a: Analysis, accounts: pa.Table | None, top: int) -> str:
    from .plots import advocate_subgraph, handles_of
    from .plots.interactive import network_svg

    g = advocate_subgraph(
        a.exposures,
        a.advocates,
        a.communities,
        top=top,
        attribution=a.attribution,
        handles=handles_of(a, accounts),
    )
    default = (
        "Hover or tab to a person to see who they told; click to pin; scroll to zoom, drag to pan. "
        "Dark arrows are recommendations that converted."
    )
    return (
        "<section id='network'><h2>Advocate network<span class='count'>"
        f"{g.number_of_nodes()} people around "
        f"the top {min(top, a.advocates.num_rows)} advocates</span></h2><div class='netwrap'>"
        f"{network_svg(g)}<p id='net-info' data-default='{_e(default)}'>{_e(default)}</p>"
        "</div></section>"
    )


def _flag_rows(flags: list[dict]) -> list[dict]:
    out = []
    for f in flags:
        ev = f.get("evidence") or {}
        accounts = list(f.get("accounts") or [])
        out.append(
            {
                "flag_id": f.get("flag_id"),
                "kind": f.get("kind"),
                "rule": f.get("rule"),
                "severity": f.get("severity"),
                "accounts": len(accounts),
                "who": ", ".join(map(str, accounts[:12]))
                + (f" and {len(accounts) - 12} more" if len(accounts) > 12 else ""),
                "events": len(ev.get("events") or []),
                "evidence": ev.get("values") or {},
                "reclassifies": bool(f.get("affects_class")),
            }
        )
    return out


def minimal_report(a: Analysis) -> dict:
    """What this page needs of :func:`womgraph.report.report_from_analysis`, without a store."""
    from ..report import scorecard_summary  # the report module imports the analysis; import late

    m = a.metrics
    return {
        "store": "",
        "counts": {},
        "summary": {},
        "scorecard": scorecard_summary(m),
        "vanity": m["vanity"],
    }


def render_html(
    report: dict,
    a: Analysis,
    accounts: pa.Table | None = None,
    *,
    plots: Iterable[str] | None = None,
    top_advocates: int = 500,
    network_top: int = 20,
    dpi: int = 96,
    title: str = "womgraph advocacy report",
) -> str:
    """The whole report page as a string.

    ``report`` is :func:`womgraph.report.report_from_analysis` (or :func:`minimal_report`), ``a``
    the analysis behind it, ``accounts`` the store's account profiles (handles and followers of
    people who are not advocates). ``plots`` are kinds of :data:`~womgraph.render.plots.PLOT_KINDS`
    (default all); tables list at most ``top_advocates`` advocates and 500 chains.
    """
    from .plots import PLOT_KINDS

    s = report.get("summary") or {}
    counts = report.get("counts") or {}
    lead = []
    if s.get("events") is not None:
        span = ""
        if s.get("first"):
            span = f" from {_e(to_jsonable(s['first']))[:10]} to {_e(to_jsonable(s['last']))[:10]}"
        lead.append(f"{s['events']:,} events by {s.get('actors', 0):,} accounts{span}")
    if counts.get("accounts") is not None:
        lead.append(f"{counts['accounts']:,} account profiles")
    lead.append(f"{a.advocates.num_rows:,} genuine advocates")
    lead.append(f"{len(a.flags):,} flags to review")
    adv_cols = [
        "rank",
        "handle",
        "account",
        "score",
        "reason",
        "conversions_direct",
        "conversions_chain",
        "people_reached",
        "followers",
        "channel",
        "first_advocacy",
        "last_advocacy",
    ]
    advocates = a.advocates.slice(0, top_advocates).to_pylist() if a.advocates.num_rows else []
    chain_cols = [
        "root",
        "size",
        "depth",
        "max_breadth",
        "structural_virality",
        "conversions",
        "conversions_per_generation",
        "median_hop_hours",
        "first",
        "last",
    ]
    chains = [{**c, "first": c["first_ts"], "last": c["last_ts"]} for c in a.chains(top=500)]
    flag_cols = [
        "flag_id",
        "kind",
        "rule",
        "severity",
        "accounts",
        "who",
        "events",
        "evidence",
        "reclassifies",
    ]
    series_cols = [
        "peer",
        "broadcast",
        "incentivized",
        "suspicious",
        "adopters",
        "peer_adopters",
        "broadcast_adopters",
        "wom_purity",
    ]
    kinds = PLOT_KINDS if plots is None else tuple(plots)
    nav = [
        ("scorecard", "Scorecard"),
        ("plots", "Plots"),
        ("network", "Network"),
        ("advocates", "Advocates"),
        ("chains", "Chains"),
        ("flags", "Flags"),
        ("channels", "Channels"),
        ("weeks", "Weeks"),
    ]
    body = [
        f"<header><h1>{_e(title)}</h1><p class='lead'>{'; '.join(lead)}.</p>"
        + ("<p class='lead'>store: " + _e(report["store"]) + "</p>" if report.get("store") else "")
        + "<nav>"
        + "".join(f"<a href='#{k}'>{v}</a>" for k, v in nav if k != "plots" or kinds)
        + "</nav></header><main>",
        _scorecard(report),
        _plots(a, accounts, kinds, dpi),
        _network(a, accounts, network_top),
        _table(
            "advocates",
            "Advocates",
            advocates,
            adv_cols,
            f"{a.advocates.num_rows:,} ranked by conversions caused; followers play no part"
            + (
                f"; the first {top_advocates:,} shown"
                if a.advocates.num_rows > top_advocates
                else ""
            ),
        ),
        _table(
            "chains", "Recommendation chains", chains, chain_cols, f"{len(chains):,} largest first"
        ),
        _table(
            "flags",
            "Flags to review",
            _flag_rows(a.flags),
            flag_cols,
            "bought engagement, referral fraud, undisclosed sponsorship",
        ),
        _table("channels", "Per channel", a.channels, ["channel"] + series_cols),
        _table("weeks", "Per week", a.weekly, ["week"] + series_cols),
        _table(
            "communities",
            "Communities",
            a.community_health.to_pylist() if a.community_health.num_rows else [],
            a.community_health.column_names,
        ),
        (
            "</main><footer>Made by womgraph from the data in this report only; "
            "the page loads nothing from the "
            "network.</footer>"
        ),
    ]
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        "<!doctype html>\n<html lang='en' data-rendered='no' data-errors=''>\n"
        "<head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><script>{ERROR_HOOK}</script><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(p for p in body if p)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_html(
    path: str | Path, report: dict, a: Analysis, accounts: pa.Table | None = None, **options
) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8)."""
    path = Path(path)
    path.write_text(render_html(report, a, accounts, **options), encoding="utf-8")
    return path
