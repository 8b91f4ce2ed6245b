// The history page: one self-contained file (Chart.js inline, no request leaves it, scripts allowed
// by hash only) for journalists: blocked entries per kind per ISP over time, and each entry's own
// timeline per ISP behind its "why" button. Greek and English side by side.
import { chartJs, csp, escapeHtml as h, jsonForScript, STYLE } from './assets.js';
import type { HistoryPageData } from './history-model.js';

const HISTORY_STYLE = `
.isp-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
.isp-charts figure{margin:0}
.isp-charts .chart-box{height:240px}
.tl{display:flex;height:16px;min-width:240px;border:1px solid var(--line);background:var(--soft)}
.tl span{display:block;height:100%;background:var(--c,#bbb)}
.v-geoblock{--c:#5d6d7e}
td.isp{white-space:nowrap}
`;

const SCRIPT = `(function () {
'use strict';
var data = JSON.parse(document.getElementById('cp-history').textContent);
var COLORS = { dns: '#b3261e', ip: '#8a3ffc', dpi: '#d0610f', url: '#a36b00', ok: '#1e7b34', down: '#6b6b6b', inconclusive: '#0b5cad', geoblock: '#5d6d7e' };
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
var charts = document.getElementById('cp-charts');
data.isps.forEach(function (isp, i) {
  var fig = el('figure'); fig.appendChild(el('figcaption', null, isp.isp));
  var box = el('div', 'chart-box'); var canvas = document.createElement('canvas'); canvas.id = 'cp-chart-' + i;
  box.appendChild(canvas); fig.appendChild(box); charts.appendChild(fig);
  new Chart(canvas, {
    type: 'bar',
    data: { labels: isp.runs.map(function (r) { return r.at.slice(0, 10); }), datasets: ['dns', 'ip', 'dpi', 'url'].map(function (k) { return { label: k.toUpperCase(), data: isp.runs.map(function (r) { return r[k]; }), backgroundColor: COLORS[k] }; }) },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
});
var rows = document.getElementById('cp-rows'); var search = document.getElementById('cp-search'); var count = document.getElementById('cp-count');
var PAGE = 200;
function timeline(spans) {
  var bar = el('div', 'tl'); var total = spans.reduce(function (s, x) { return s + x.n; }, 0) || 1;
  spans.forEach(function (s) { var seg = el('span', 'v-' + s.v); seg.style.width = (100 * s.n / total) + '%'; seg.title = s.s + ': ' + s.a.slice(0, 10) + ' .. ' + s.b.slice(0, 10) + ' (' + s.n + ')'; bar.appendChild(seg); });
  return bar;
}
function render() {
  var q = search.value.trim().toLowerCase();
  var shown = data.entries.filter(function (e) { return !q || e.input.toLowerCase().indexOf(q) >= 0 || e.url.toLowerCase().indexOf(q) >= 0; });
  count.textContent = shown.length + ' / ' + data.entries.length;
  rows.textContent = '';
  shown.slice(0, PAGE).forEach(function (e) {
    var tr = el('tr'); tr.setAttribute('data-row', '');
    tr.appendChild(el('td', 'entry', e.input)); tr.appendChild(el('td', null, e.category));
    var cell = el('td'); data.isps.forEach(function (isp, i) { if (e.spans[i] && e.spans[i].length) { var line = el('div'); line.appendChild(el('span', 'muted', isp.isp + ' ')); line.appendChild(timeline(e.spans[i])); cell.appendChild(line); } });
    tr.appendChild(cell);
    var btn = el('button', 'why', 'γιατί / why'); btn.type = 'button'; var td = el('td'); td.appendChild(btn); tr.appendChild(td);
    rows.appendChild(tr);
    btn.addEventListener('click', function () {
      var next = tr.nextSibling;
      if (next && next.classList && next.classList.contains('detail')) { next.remove(); return; }
      var d = el('tr', 'detail'); var c = el('td'); c.colSpan = 4; c.appendChild(el('div', 'tech', e.url));
      data.isps.forEach(function (isp, i) {
        if (!e.spans[i] || !e.spans[i].length) return;
        c.appendChild(el('strong', null, isp.isp)); var ul = el('ul');
        e.spans[i].forEach(function (s) { var li = el('li'); li.appendChild(el('span', 'badge v-' + s.v, s.s)); li.appendChild(document.createTextNode(' ' + s.a.slice(0, 10) + ' .. ' + s.b.slice(0, 10) + ', ' + s.n + ' run(s)')); ul.appendChild(li); });
        c.appendChild(ul);
      });
      d.appendChild(c); tr.after(d);
    });
  });
}
search.addEventListener('input', render);
render();
})();`;

export function historyPage(d: HistoryPageData): string {
  const scripts = [chartJs(), SCRIPT];
  const runs = d.isps.reduce((s, i) => s + i.runs.length, 0);
  return `<!DOCTYPE html>
<html lang="el">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp(scripts))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ιστορικό αποκλεισμών / Blocking history</title>
<style>${STYLE}${HISTORY_STYLE}</style>
</head>
<body>
<header><div><h1>Ιστορικό αποκλεισμών / Blocking history</h1><div class="muted">${h(`${d.isps.length} ISP(s), ${runs} run(s), ${d.entries.length} entries blocked or changing; ${d.generated.slice(0, 16).replace('T', ' ')} UTC`)}</div></div></header>
<main>
<section><h2>Αποκλεισμένα ανά τρόπο και πάροχο / Blocked entries per method, per ISP</h2>
<p class="muted">Κάθε στήλη είναι μία μέτρηση· χρώμα ο τρόπος αποκλεισμού. / Each bar is one run, coloured by how the entries were blocked.</p>
<div class="isp-charts" id="cp-charts"></div></section>
<section><h2>Χρονολόγιο ανά ιστότοπο / Timeline per entry</h2>
<div class="controls"><label>Αναζήτηση / Search<input type="search" id="cp-search" placeholder="bet365"></label><span class="muted" id="cp-count"></span></div>
<table><thead><tr><th>Καταχώριση / Entry</th><th>Κατηγορία / Category</th><th>Πάροχοι / ISPs (παλαιότερο αριστερά / oldest left)</th><th></th></tr></thead><tbody id="cp-rows"></tbody></table>
</section>
</main>
<footer>Η σελίδα δεν φορτώνει τίποτα από το δίκτυο. / This page loads nothing from the network.</footer>
<script type="application/json" id="cp-history">${jsonForScript(d)}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}
