// The HTML of the report pages. Text from measurements goes through escapeHtml here, or into the
// JSON block (jsonForScript) for the script to place with textContent. Labels carry data-i18n so
// the language switch can rewrite them; English is the text written in the file.
import { chartJs, csp, escapeHtml as h, jsonForScript, STYLE } from './assets.js';
import { CATEGORY_NAMES } from './categories.js';
import { blockedForPrint, blockedNoscript, EXPLAINER_STYLE, listsSection, methodSection, summarySentence, verdictChart } from './explainer.js';
import { runPageScript } from './client.js';
import { SENTENCES, UI, type UiKey } from './i18n.js';
import { latencyFigures } from '../run-folder/report-json.js';
import type { ReportData } from './model.js';
import { VERDICTS } from './model.js';
import { collateralSection, geoblockSection } from './collateral.js';
import { label } from './label.js';
import { renderOoniSection } from './ooni.js';

export interface Shell {
  titleKey: UiKey;
  subtitle: string;
  body: string;
  data: unknown;
  script: string;
  withChart: boolean;
}

/** The page around a body: CSP, inline style and scripts, the JSON block, the language switch. */
export function shell(p: Shell): string {
  const scripts = p.withChart ? [chartJs(), p.script] : [p.script];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp(scripts))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(`${UI.en[p.titleKey]}: ${p.subtitle}`)}</title>
<style>${STYLE}${EXPLAINER_STYLE}</style>
</head>
<body>
<header>
<div><h1>${label(p.titleKey)}</h1><div class="muted">${h(p.subtitle)}</div></div>
<div class="lang" role="group" aria-label="Language / Γλώσσα"><button type="button" id="lang-en" data-lang="en" aria-pressed="true">English</button><button type="button" id="lang-el" data-lang="el" aria-pressed="false">Ελληνικά</button></div>
</header>
<main>
${p.body}
</main>
<footer>${label('offline')}</footer>
<script type="application/json" id="cp-data">${jsonForScript(p.data)}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}

function facts(pairs: [UiKey, string][]): string {
  return `<dl class="facts">${pairs.map(([k, v]) => `<dt>${label(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

const unknown = () => label('unknown');
const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(1));

function whenWhere(d: ReportData): string {
  const m = d.meta;
  const settings = m?.settings;
  const isp = m?.isp;
  const asn = isp?.asn === undefined || isp?.asn === null || isp.asn === '' ? null : String(isp.asn);
  return `<section id="when-where"><h2>${label('when_where')}</h2>${facts([
    ['run', h(d.run_id)],
    ['started', m?.measurement_start_time ? h(m.measurement_start_time) : unknown()],
    ['ended', m?.measurement_end_time ? h(m.measurement_end_time) : unknown()],
    ['isp', isp?.name ? h(isp.name) : unknown()],
    ['asn', asn ? h(/^as/i.test(asn) ? asn.toUpperCase() : `AS${asn}`) : unknown()],
    ['isp_resolver', settings?.isp_resolver ? h(settings.isp_resolver) : unknown()],
    ['foreign', settings?.foreign?.length ? h(settings.foreign.join(', ')) : unknown()],
    ['control', settings?.control ? h(settings.control) : label('none')],
    ['software', h(`${m?.software_name ?? 'censorprobe'} ${m?.software_version ?? ''}`.trim())],
  ])}${m?.complete === false || m === null ? `<p class="note">${label('incomplete')}</p>` : ''}</section>`;
}

function headline(d: ReportData): string {
  const cards = VERDICTS.map(
    (v) => `<div class="card v-${v}" data-verdict="${v}"><div class="n">${d.counts[v] ?? 0}</div>${label(`v_${v}` as UiKey)}</div>`,
  ).join('');
  const kindRows: string[] = [];
  for (const layer of ['dns', 'ip', 'dpi', 'url']) {
    for (const [kind, n] of Object.entries(d.kinds[layer] ?? {}).sort((a, b) => b[1] - a[1])) {
      const key = `k_${kind}` as UiKey;
      kindRows.push(`<tr><td>${h(layer.toUpperCase())}</td><td>${key in UI.en ? label(key) : h(kind)}</td><td class="num">${n}</td></tr>`);
    }
  }
  const kinds = kindRows.length
    ? `<table id="kinds"><thead><tr><th>${label('layer')}</th><th>${label('kind')}</th><th class="num">${label('count')}</th></tr></thead><tbody>${kindRows.join('')}</tbody></table>`
    : '';
  return `<section id="headline"><h2>${label('headline')}</h2>${summarySentence(d)}<p><strong>${d.rows.length}</strong> ${label('entries')}</p>
<h3>${label('by_verdict')}</h3><div class="cards">${cards}</div>${verdictChart(d, VERDICTS)}${kinds ? `<h3>${label('by_kind')}</h3>${kinds}` : ''}</section>`;
}

function latency(d: ReportData): string {
  const m = d.meta;
  const lat = latencyFigures(m);
  const sentence = lat.penalty !== null && lat.isp_median_ms !== null && lat.foreign_median_ms !== null
    ? `<p id="penalty">${label('latency_penalty', [lat.penalty.toFixed(1), lat.foreign_median_ms.toFixed(1), lat.isp_median_ms.toFixed(1)])}</p>`
    : `<p id="penalty">${label('latency_none')}</p>`;
  const when = lat.measured_on === 'idle_before' || lat.measured_on === 'idle_after' ? `<p>${label('latency_idle')}</p>` : lat.measured_on === 'under_load' ? `<p>${label('latency_load')}</p>` : '';
  const excluded = lat.excluded.length ? `<p>${label('latency_excluded', [lat.excluded.join(', ')])}</p>` : '';
  const resolvers = m?.resolvers?.length
    ? `<h3>${label('resolver_table')}</h3><table id="resolvers"><thead><tr><th>${label('role')}</th><th>${label('address')}</th><th class="num">${label('queries')}</th><th class="num">${label('failures')}</th><th class="num">${label('median')}</th><th class="num">${label('p95')}</th></tr></thead><tbody>${m.resolvers
        .map((r) => `<tr><td>${label(r.role === 'isp' ? 'role_isp' : r.role === 'isp-direct' ? 'role_isp_direct' : 'role_foreign')}</td><td class="addr">${h(r.spec)}</td><td class="num">${r.queries}</td><td class="num">${r.failures}</td><td class="num">${ms(r.rtt_ms.median)}</td><td class="num">${ms(r.rtt_ms.p95)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const interception = m?.dns_interception
    ? `<h3>${label('interception')}</h3><p id="interception">${m.dns_interception.detected ? label('interception_yes', [m.dns_interception.resolvers.join(', ')]) : label('interception_no')}</p>`
    : '';
  const chart = d.rtt.series.length ? `<h3>${label('rtt_chart')}</h3><p class="muted">${label('rtt_during')}</p><div class="chart-box"><canvas id="cp-rtt" role="img"></canvas></div>` : '';
  return `<section id="latency"><h2>${label('latency')}</h2>${sentence}${when}${excluded}${chart}${resolvers}${interception}</section>`;
}

function fingerprints(d: ReportData): string {
  if (d.fingerprints.length === 0) return `<section id="fingerprints"><h2>${label('fingerprints')}</h2><p>${label('fp_none')}</p></section>`;
  const rows = d.fingerprints
    .map((f) => `<tr><td>${h(f.name)}</td><td>${h(f.isp)}</td><td>${label(f.historical ? 'fp_historical' : 'fp_current')}${f.source ? ` <span class="muted">(${h(f.source)})</span>` : ''}</td><td class="num">${f.entries}</td></tr>`)
    .join('');
  return `<section id="fingerprints"><h2>${label('fingerprints')}</h2><table><thead><tr><th>${label('fp_name')}</th><th>${label('fp_isp')}</th><th>${label('fp_source')}</th><th class="num">${label('count')}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function entriesTable(): string {
  const th = (col: string, key: UiKey) => `<th class="sortable" data-col="${col}" aria-sort="none">${label(key)}</th>`;
  return `<section id="entries"><h2>${label('table')}</h2>
<div class="controls">
<label>${label('search')}<input type="search" id="cp-search" data-i18n-placeholder="search_hint" placeholder="${h(UI.en.search_hint)}" autocomplete="off"></label>
<label>${label('verdict')}<select id="cp-verdict"></select></label>
<label>${label('method')}<select id="cp-kind"></select></label>
<label>${label('category')}<select id="cp-category"></select></label>
</div>
<p id="cp-shown" aria-live="polite"></p>
<table id="cp-table"><thead><tr>${th('i', 'entry')}${th('c', 'category')}${th('v', 'verdict')}${th('k', 'method')}${th('a', 'isp_answer')}${th('t', 'truth')}<th>${label('details')}</th></tr></thead><tbody id="cp-rows"></tbody></table>
<div class="pager"><button type="button" id="cp-prev">${label('prev')}</button><span id="cp-page"></span><button type="button" id="cp-next">${label('next')}</button></div>
</section>`;
}

/**
 * Rows as arrays in a fixed order, with empty values as '' and the host left out when it is the
 * entry itself: a third smaller than objects for 15,000 rows. The page's script unpacks them.
 */
export function packRows(rows: ReportData['rows'], t0: number | null = firstMeasured(rows)): unknown[][] {
  // Measurement times as seconds after the first one (DATA.t0): a few digits a row.
  return rows.map((r) => [r.i, r.h === r.i ? '' : r.h, r.c, r.v, r.k.join(' '), r.f.join(' '), r.a, r.t, r.x, r.e, r.m === null || t0 === null ? null : r.m - t0]);
}

function firstMeasured(rows: ReportData['rows']): number | null {
  let t0: number | null = null;
  for (const r of rows) if (r.m !== null && (t0 === null || r.m < t0)) t0 = r.m;
  return t0;
}

/** The names of the categories the rows use (the page carries only those). */
function usedCategories(d: ReportData): Record<string, { en: string; el: string }> {
  const out: Record<string, { en: string; el: string }> = {};
  for (const r of d.rows) {
    const n = CATEGORY_NAMES[r.c];
    if (n && !out[r.c]) out[r.c] = n;
  }
  return out;
}

export function renderRunPage(d: ReportData): string {
  const t0 = firstMeasured(d.rows);
  const body = [headline(d), geoblockSection(d.counts.geoblock ?? 0), collateralSection(d.collateral), whenWhere(d), listsSection(d), renderOoniSection(d.ooni ?? null), latency(d), fingerprints(d), methodSection(), entriesTable(), blockedForPrint(), blockedNoscript(d)].join('\n');
  const subtitle = [d.meta?.isp?.name, d.run_id].filter(Boolean).join(' · ');
  return shell({
    titleKey: 'title',
    subtitle,
    body,
    data: { ui: UI, s: SENTENCES, rows: packRows(d.rows, t0), t0, cats: usedCategories(d), counts: d.counts, kinds: d.kinds, rtt: d.rtt },
    script: runPageScript,
    withChart: true,
  });
}

