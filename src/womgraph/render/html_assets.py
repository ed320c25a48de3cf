"""The inline style sheet and scripts of the HTML report (kept apart from the page builder).

Everything the page needs ships inside the one HTML file: no network, no CDN. The scripts never
build markup from data; they only sort, filter and highlight what the server-side page contains.
"""

from __future__ import annotations

__all__ = ["CSS", "SCRIPT", "ERROR_HOOK"]

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
