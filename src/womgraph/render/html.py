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
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from .formats import to_jsonable

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

CSS = """
:root{--peer:#1b9e77;--broadcast:#7570b3;--incent:#e6ab02;--susp:#d95f02;--ink:#222;
--muted:#666;--line:#ddd}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:0;background:#fafafa}header,main,footer{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:24px}h1{margin:0 0 4px;font-size:26px}h2{margin:0 0 10px;font-size:20px}
.lead{color:var(--muted);margin:0 0 16px}
nav a{margin-right:14px;color:#1f5fa8;text-decoration:none}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px;
margin:18px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:18px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card h3{margin:0 0 8px;font-size:16px}
.card.matters{border-top:4px solid var(--peer)}
.card.vanity{border-top:4px solid var(--broadcast)}
.kv{width:100%;border-collapse:collapse}.kv td{padding:4px 0;border-bottom:1px solid #f0f0f0}
.kv td:last-child{text-align:right;font-variant-numeric:tabular-nums;font-weight:600;
padding-left:12px}
figure{margin:0 0 22px}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:var(--muted);font-size:14px;margin-top:4px}
.tablewrap{overflow-x:auto;max-height:560px;overflow-y:auto;border:1px solid var(--line);
border-radius:6px}
table.data{border-collapse:collapse;width:100%;font-size:13.5px}
table.data th,table.data td{padding:5px 8px;border-bottom:1px solid #eee;text-align:left;
vertical-align:top}
table.data td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data td.d{white-space:nowrap}table.data td.t{min-width:22em}
table.data thead th{position:sticky;top:0;background:#f3f3f3;cursor:pointer;user-select:none;
white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
input.filter{margin:0 0 8px;padding:5px 8px;width:260px;border:1px solid #ccc;border-radius:4px}
.count{color:var(--muted);font-size:13px;margin-left:8px}
.netwrap{display:grid;grid-template-columns:1fr 260px;gap:14px}
svg.network{width:100%;height:auto;border:1px solid var(--line);border-radius:6px;
background:#fff;cursor:grab}
svg.network line.edge{stroke:#bbb;stroke-width:1}
svg.network line.edge.converted{stroke:#444;stroke-width:1.6}
svg.network g.node circle{stroke:#fff;stroke-width:1}
svg.network g.node.top circle{stroke:#222;stroke-width:1.6}
svg.network text{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px;
pointer-events:none}
svg.network text.minor{font-size:9.5px;fill:#666}
svg.network.focus .edge,svg.network.focus .node,svg.network.focus text{opacity:.15}
svg.network.focus .hi{opacity:1!important}#net-info{font-size:14px;color:var(--muted)}
.sev-high{color:#b00020;font-weight:600}.sev-medium{color:#a15c00}
footer{color:var(--muted);font-size:13px;padding-bottom:30px}
@media(max-width:800px){.netwrap{grid-template-columns:1fr}}
"""

# Sortable and filterable tables, network highlight/zoom/pan, and the test hook. Reads the page
# only through textContent and data-* attributes: it never builds markup from data.
SCRIPT = r"""
(function () {
  var root = document.documentElement;
  function key(td, num) {
    var v = td.getAttribute('data-v'); if (v === null) v = td.textContent;
    if (!num) return v.toLowerCase();
    var f = parseFloat(v); return isNaN(f) ? -Infinity : f;
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0; th.setAttribute('aria-sort', 'none');
      function sort() {
        var num = th.getAttribute('data-type') === 'num';
        var cur = th.getAttribute('aria-sort');
        var desc = cur === 'none' ? num : cur === 'ascending';  // numbers start largest first
        var dir = desc ? -1 : 1;
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (r, i) { r._i = i; });
        rows.sort(function (a, b) {
          var x = key(a.cells[col], num), y = key(b.cells[col], num);
          return x < y ? -dir : x > y ? dir : a._i - b._i;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('input.filter'), function (input) {
    var table = document.getElementById(input.getAttribute('data-table'));
    input.addEventListener('input', function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== '' && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  var svg = document.getElementById('network-svg'), info = document.getElementById('net-info');
  var live = 0;
  if (svg && svg.querySelector('g.node')) {
    var nodes = svg.querySelectorAll('g.node'), edges = svg.querySelectorAll('line.edge');
    var labels = svg.querySelectorAll('g.labels text'), pinned = null;
    function focus(g) {
      var i = g.getAttribute('data-i'), near = {};
      near[i] = true;
      g.getAttribute('data-nbrs').split(' ').forEach(function (j) { if (j) near[j] = true; });
      svg.classList.add('focus');
      Array.prototype.forEach.call(nodes, function (n) {
        n.classList.toggle('hi', !!near[n.getAttribute('data-i')]);
      });
      Array.prototype.forEach.call(labels, function (t) {
        t.classList.toggle('hi', !!near[t.getAttribute('data-i')]);
      });
      Array.prototype.forEach.call(edges, function (e) {
        e.classList.toggle('hi', e.getAttribute('data-u') === i || e.getAttribute('data-v') === i);
      });
      info.textContent = g.getAttribute('data-info');
    }
    function clear() {
      if (pinned) return;
      svg.classList.remove('focus'); info.textContent = info.getAttribute('data-default');
    }
    Array.prototype.forEach.call(nodes, function (g) {
      g.addEventListener('mouseenter', function () { if (!pinned) focus(g); });
      g.addEventListener('focus', function () { focus(g); });
      g.addEventListener('mouseleave', clear);
      g.addEventListener('click', function (e) {
        e.stopPropagation(); pinned = pinned === g ? null : g; focus(g); if (!pinned) clear();
      });
    });
    var vb = svg.getAttribute('viewBox').split(' ').map(Number), drag = null;
    function setVB() { svg.setAttribute('viewBox', vb.join(' ')); }
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var r = svg.getBoundingClientRect(), k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
      var mx = vb[0] + (e.clientX - r.left) / r.width * vb[2];
      var my = vb[1] + (e.clientY - r.top) / r.height * vb[3];
      vb = [mx - (mx - vb[0]) * k, my - (my - vb[1]) * k, vb[2] * k, vb[3] * k]; setVB();
    }, { passive: false });
    svg.addEventListener('mousedown', function (e) { drag = [e.clientX, e.clientY]; });
    window.addEventListener('mouseup', function () { drag = null; });
    svg.addEventListener('mousemove', function (e) {
      if (!drag) return;
      var r = svg.getBoundingClientRect();
      vb[0] -= (e.clientX - drag[0]) / r.width * vb[2];
      vb[1] -= (e.clientY - drag[1]) / r.height * vb[3];
      drag = [e.clientX, e.clientY]; setVB();
    });
    svg.addEventListener('click', function () { pinned = null; clear(); });
    live = nodes.length;
  }
  root.setAttribute('data-sortable', String(tables.length));
  root.setAttribute('data-network-nodes', String(live));
  root.setAttribute('data-rendered', 'ok');
})();
"""

ERROR_HOOK = (
    "(function(){var r=document.documentElement;function note(m){"
    "r.setAttribute('data-errors',(r.getAttribute('data-errors')||'')+m+'; ');}"
    "window.onerror=function(m,s,l){note(m+' (line '+l+')');};"
    "document.addEventListener('securitypolicyviolation',function(e){"
    "note('blocked '+e.violatedDirective+' '+e.blockedURI);});})();"
)


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
