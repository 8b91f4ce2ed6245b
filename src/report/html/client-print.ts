// Added to the run page's script: category names instead of codes, each entry's measurement time,
// and, for print, every blocked entry with its one-line reason in the reader's language (the table
// shows 100 rows a page; paper needs them all). Built after the first paint so opening stays fast.
export const RUN_PAGE_EXTRAS = String.raw`
function catName(c) { var n = DATA.cats && DATA.cats[c]; return n ? (n[LANG] || n.en) + ' (' + c + ')' : c; }
function measuredAt(x) { return x.m == null || DATA.t0 == null ? '' : new Date((DATA.t0 + x.m) * 1000).toISOString().slice(0, 19).replace('T', ' ') + ' UTC'; }
var BLOCKED = { dns: 1, ip: 1, dpi: 1, url: 1 };
function renderPrintList() {
  var ol = document.getElementById('cp-print');
  if (!ol) return;
  var frag = document.createDocumentFragment(); var n = 0;
  for (var i = 0; i < rows.length; i++) {
    var x = rows[i];
    if (!BLOCKED[x.v]) continue;
    n++;
    var li = el('li');
    li.appendChild(el('span', 'entry', x.i));
    var why = x.x.length ? sentence(x.x[0]) : x.k.map(kindLabel).join('; ');
    li.appendChild(document.createTextNode(' '));
    li.appendChild(el('span', 'why', catName(x.c) + '; ' + t('v_' + x.v) + ': ' + why));
    frag.appendChild(li);
  }
  ol.replaceChildren(frag);
  document.getElementById('cp-print-count').textContent = String(n);
}
// Built when printing starts (beforeprint; a print media query for emulators), and once the page
// has loaded and is idle, never in the way of opening it.
var printBuilt = false;
function ensurePrintList() { printBuilt = true; renderPrintList(); }
window.addEventListener('beforeprint', ensurePrintList);
if (window.matchMedia) { var mq = window.matchMedia('print'); if (mq.addEventListener) mq.addEventListener('change', function (e) { if (e.matches) ensurePrintList(); }); }
window.addEventListener('load', function () { setTimeout(function () { if (!printBuilt) ensurePrintList(); }, 300); });
onLang.push(function () { if (printBuilt) renderPrintList(); });
`;
