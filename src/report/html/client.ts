// The scripts that run inside the report pages, as text. Plain ES2020 for any current browser; all
// data arrives through one JSON block and every value is put into the page with textContent, never
// innerHTML, so an entry such as `<img src=x onerror=...>` shows as text. The table renders one page
// of rows at a time: filtering 15,000 rows is one pass over precomputed lower-case strings.

import { RUN_PAGE_EXTRAS } from './client-print.js';

/** Shared by both pages: the language switch over [data-i18n] elements. */
const I18N = String.raw`
var DATA = JSON.parse(document.getElementById('cp-data').textContent);
var LANG = (navigator.language || '').toLowerCase().indexOf('el') === 0 ? 'el' : 'en';
try { var saved = localStorage.getItem('censorprobe-lang'); if (saved === 'el' || saved === 'en') LANG = saved; } catch (e) {}
function fill(t, params) { return String(t).replace(/\{(\d+)\}/g, function (m, i) { return params && params[+i] != null ? String(params[+i]) : ''; }); }
function t(key, params) { var d = DATA.ui[LANG]; var v = d && d[key] != null ? d[key] : DATA.ui.en[key]; return fill(v == null ? key : v, params); }
function fold(s) { return String(s).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, ''); }
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
var onLang = [];
function applyLang() {
  document.documentElement.lang = LANG;
  var nodes = document.querySelectorAll('[data-i18n]');
  for (var i = 0; i < nodes.length; i++) {
    var n = nodes[i]; var args = n.getAttribute('data-args');
    n.textContent = t(n.getAttribute('data-i18n'), args ? JSON.parse(args) : null);
  }
  var ph = document.querySelectorAll('[data-i18n-placeholder]');
  for (var j = 0; j < ph.length; j++) ph[j].setAttribute('placeholder', t(ph[j].getAttribute('data-i18n-placeholder')));
  var buttons = document.querySelectorAll('.lang button');
  for (var b = 0; b < buttons.length; b++) buttons[b].setAttribute('aria-pressed', String(buttons[b].getAttribute('data-lang') === LANG));
  for (var k = 0; k < onLang.length; k++) onLang[k]();
}
function setLang(l) { LANG = l; try { localStorage.setItem('censorprobe-lang', l); } catch (e) {} applyLang(); }
document.querySelectorAll('.lang button').forEach(function (b) { b.addEventListener('click', function () { setLang(b.getAttribute('data-lang')); }); });
function pager(state, total, render) {
  var pages = Math.max(1, Math.ceil(total / state.size));
  if (state.page >= pages) state.page = pages - 1;
  document.getElementById('cp-page').textContent = t('page', [state.page + 1, pages]);
  document.getElementById('cp-prev').disabled = state.page === 0;
  document.getElementById('cp-next').disabled = state.page >= pages - 1;
}
`;

/** The run report: summary chart and the table of every entry. */
const RUN = String.raw`
var ORDER = ['dns', 'ip', 'dpi', 'url', 'geoblock', 'ok', 'down', 'inconclusive'];
var rows = DATA.rows.map(function (p) {
  return { i: p[0], h: p[1] || p[0], c: p[2], v: p[3], k: p[4] ? p[4].split(' ') : [], f: p[5] ? p[5].split(' ') : [], a: p[6], t: p[7], x: p[8], e: p[9], m: p[10] };
});
var hay = new Array(rows.length);
for (var r = 0; r < rows.length; r++) {
  var x = rows[r];
  hay[r] = fold([x.i, x.h, x.c, DATA.cats && DATA.cats[x.c] ? DATA.cats[x.c].en + ' ' + DATA.cats[x.c].el : '', x.v, x.a, x.t, x.k.join(' '), x.f.join(' '), x.e.join(' ')].join('\n'));
}
var state = { q: '', v: '', k: '', c: '', sort: 'v', dir: 1, page: 0, size: 100, open: {} };
var view = [];
var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
function kindLabel(k) { var p = k.split(':'); return t('k_' + p[1]) + ' (' + p[0].toUpperCase() + ')'; }
function sentence(s) { var d = DATA.s[LANG] || DATA.s.en; return fill(d[s[0]] || DATA.s.en[s[0]] || s[0], s.slice(1)); }
function keyOf(x, col) {
  if (col === 'v') return ORDER.indexOf(x.v);
  if (col === 'k') return x.k.join(' ');
  return x[col] || '';
}
function compute() {
  var q = fold(state.q.trim());
  var out = [];
  for (var i = 0; i < rows.length; i++) {
    var x = rows[i];
    if (state.v && x.v !== state.v) continue;
    if (state.k && x.k.indexOf(state.k) < 0) continue;
    if (state.c && x.c !== state.c) continue;
    if (q && hay[i].indexOf(q) < 0) continue;
    out.push(i);
  }
  var col = state.sort, dir = state.dir;
  out.sort(function (a, b) {
    var ka = keyOf(rows[a], col), kb = keyOf(rows[b], col);
    var c = typeof ka === 'number' ? ka - kb : collator.compare(ka, kb);
    return c !== 0 ? c * dir : a - b;
  });
  view = out;
}
function renderTable() {
  var body = document.getElementById('cp-rows');
  var frag = document.createDocumentFragment();
  var start = state.page * state.size;
  var end = Math.min(view.length, start + state.size);
  for (var n = start; n < end; n++) {
    var idx = view[n], x = rows[idx];
    var tr = el('tr'); tr.setAttribute('data-row', String(idx));
    tr.appendChild(el('td', 'entry', x.i));
    tr.appendChild(el('td', null, catName(x.c)));
    var vt = el('td'); vt.appendChild(el('span', 'badge v-' + x.v, t('v_' + x.v))); tr.appendChild(vt);
    tr.appendChild(el('td', null, x.k.map(kindLabel).join('; ')));
    tr.appendChild(el('td', 'addr', x.a));
    tr.appendChild(el('td', 'addr', x.t));
    var wt = el('td'); var btn = el('button', 'why', t('details')); btn.type = 'button';
    btn.setAttribute('aria-expanded', String(!!state.open[idx]));
    btn.addEventListener('click', (function (i) { return function () { state.open[i] = !state.open[i]; renderTable(); }; })(idx));
    wt.appendChild(btn); tr.appendChild(wt);
    frag.appendChild(tr);
    if (state.open[idx]) {
      var dtr = el('tr', 'detail'); var td = el('td'); td.colSpan = 7;
      var ul = el('ul', 'plain');
      for (var s = 0; s < x.x.length; s++) ul.appendChild(el('li', null, sentence(x.x[s])));
      td.appendChild(ul);
      if (x.m != null) td.appendChild(el('div', 'muted measured', (LANG === 'el' ? 'Μετρήθηκε: ' : 'Measured: ') + measuredAt(x)));
      if (x.e.length) {
        td.appendChild(el('div', 'tech', t('technical')));
        var tl = el('ul', 'tech');
        for (var e = 0; e < x.e.length; e++) tl.appendChild(el('li', null, x.e[e]));
        td.appendChild(tl);
      }
      dtr.appendChild(td); frag.appendChild(dtr);
    }
  }
  body.replaceChildren(frag);
  var shown = document.getElementById('cp-shown');
  shown.setAttribute('data-args', JSON.stringify([view.length, rows.length]));
  shown.textContent = t('shown', [view.length, rows.length]);
  pager(state, view.length);
  var ths = document.querySelectorAll('th.sortable');
  for (var h = 0; h < ths.length; h++) {
    var c = ths[h].getAttribute('data-col');
    ths[h].setAttribute('aria-sort', c === state.sort ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
}
function refresh() { compute(); renderTable(); }
function fillSelect(id, values, label) {
  var s = document.getElementById(id); var cur = s.value;
  s.replaceChildren();
  var all = el('option', null, t('all')); all.value = ''; s.appendChild(all);
  values.forEach(function (v) { var o = el('option', null, label(v)); o.value = v; s.appendChild(o); });
  s.value = cur;
}
function fillSelects() {
  fillSelect('cp-verdict', ORDER.filter(function (v) { return DATA.counts[v] > 0; }), function (v) { return t('v_' + v) + ' (' + DATA.counts[v] + ')'; });
  var kinds = [];
  ['dns', 'ip', 'dpi', 'url'].forEach(function (l) { Object.keys(DATA.kinds[l] || {}).sort().forEach(function (k) { kinds.push(l + ':' + k); }); });
  fillSelect('cp-kind', kinds, function (k) { var p = k.split(':'); return kindLabel(k) + ' (' + DATA.kinds[p[0]][p[1]] + ')'; });
  var cats = {}; rows.forEach(function (x) { cats[x.c] = (cats[x.c] || 0) + 1; });
  fillSelect('cp-category', Object.keys(cats).sort(), function (c) { return catName(c) + ' ' + cats[c]; });
}
document.getElementById('cp-search').addEventListener('input', function (e) { state.q = e.target.value; state.page = 0; refresh(); });
document.getElementById('cp-verdict').addEventListener('change', function (e) { state.v = e.target.value; state.page = 0; refresh(); });
document.getElementById('cp-kind').addEventListener('change', function (e) { state.k = e.target.value; state.page = 0; refresh(); });
document.getElementById('cp-category').addEventListener('change', function (e) { state.c = e.target.value; state.page = 0; refresh(); });
document.getElementById('cp-prev').addEventListener('click', function () { state.page--; renderTable(); });
document.getElementById('cp-next').addEventListener('click', function () { state.page++; renderTable(); });
document.querySelectorAll('th.sortable').forEach(function (th) {
  th.addEventListener('click', function () {
    var c = th.getAttribute('data-col');
    if (state.sort === c) state.dir = -state.dir; else { state.sort = c; state.dir = 1; }
    state.page = 0; refresh();
  });
});
var chart = null;
function renderChart() {
  var canvas = document.getElementById('cp-rtt');
  if (!canvas || typeof Chart === 'undefined' || !DATA.rtt.series.length) return;
  var colours = ['#b3261e', '#0b5cad', '#1e7b34', '#8a3ffc', '#d0610f', '#a36b00', '#007d79'];
  var sets = DATA.rtt.series.map(function (s, i) {
    return {
      label: (s.role === 'isp' ? t('role_isp') : s.role === 'isp-direct' ? t('role_isp_direct') : t('role_foreign')) + ': ' + s.address + ' (' + s.engine + ', n=' + s.answered + ')',
      data: s.bins.map(function (b) { return s.answered ? Math.round(1000 * b / s.answered) / 10 : 0; }),
      backgroundColor: colours[i % colours.length],
    };
  });
  if (chart) chart.destroy();
  chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: DATA.rtt.labels, datasets: sets },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { title: { display: true, text: t('rtt_axis_x') } }, y: { beginAtZero: true, title: { display: true, text: t('rtt_axis_y') } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}
onLang.push(function () { fillSelects(); renderTable(); renderChart(); });
compute();
applyLang();
window.censorprobeReport = { rows: rows.length, get shown() { return view.length; } };
`;

/** The merged report: a matrix of entries by ISP. */
const MERGE = String.raw`
var rows = DATA.rows;
var isps = DATA.isps;
var hay = rows.map(function (x) { return fold([x.i, x.c].concat(x.r.map(function (c) { return c ? c.join(' ') : ''; })).join('\n')); });
var state = { q: '', only: '', page: 0, size: 100 };
var view = [];
function compute() {
  var q = fold(state.q.trim()); view = [];
  for (var i = 0; i < rows.length; i++) {
    if (q && hay[i].indexOf(q) < 0) continue;
    if (state.only === 'disagree' && !rows[i].d) continue;
    view.push(i);
  }
}
function renderTable() {
  var body = document.getElementById('cp-rows'); var frag = document.createDocumentFragment();
  var start = state.page * state.size; var end = Math.min(view.length, start + state.size);
  for (var n = start; n < end; n++) {
    var x = rows[view[n]]; var tr = el('tr');
    tr.appendChild(el('td', 'entry', x.i)); tr.appendChild(el('td', null, x.c));
    for (var j = 0; j < isps.length; j++) {
      var c = x.r[j]; var td = el('td');
      if (!c) td.appendChild(el('span', 'muted', t('not_measured')));
      else {
        td.appendChild(el('span', 'badge v-' + c[0], t('v_' + c[0])));
        if (c[1]) td.appendChild(el('div', 'muted', c[1].split(' ').map(function (k) { var p = k.split(':'); return t('k_' + p[1]); }).join('; ')));
      }
      tr.appendChild(td);
    }
    frag.appendChild(tr);
  }
  body.replaceChildren(frag);
  var shown = document.getElementById('cp-shown');
  shown.setAttribute('data-args', JSON.stringify([view.length, rows.length]));
  shown.textContent = t('shown', [view.length, rows.length]);
  pager(state, view.length);
}
function refresh() { compute(); renderTable(); }
document.getElementById('cp-search').addEventListener('input', function (e) { state.q = e.target.value; state.page = 0; refresh(); });
document.getElementById('cp-only').addEventListener('change', function (e) { state.only = e.target.value; state.page = 0; refresh(); });
document.getElementById('cp-prev').addEventListener('click', function () { state.page--; renderTable(); });
document.getElementById('cp-next').addEventListener('click', function () { state.page++; renderTable(); });
onLang.push(renderTable);
compute();
applyLang();
window.censorprobeReport = { rows: rows.length, get shown() { return view.length; } };
`;

export const runPageScript = I18N + RUN + RUN_PAGE_EXTRAS;
export const mergePageScript = I18N + MERGE;
