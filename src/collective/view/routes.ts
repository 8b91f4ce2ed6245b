// The public, read-only view for journalists (server-rendered HTML, no script at all): the overview
// per ISP, a site's timeline per ISP with the latest evidence, and the confirmed changes (also as
// Atom). Every table also as CSV (?format=csv) and JSON (?format=json). Paths in docs/collective.md.
import type http from 'node:http';
import type { Query } from '../db.js';
import { VIEW_CSS } from './assets.js';
import { BLOCKING, findSite, overview, siteLatest, siteSegments, type IspRow, type Segment, type SitePoint } from './data.js';
import { h, toCsv, type Table } from './format.js';
import { langOf, t, verdictWord, type Lang } from './i18n.js';

/** A confirmed change as the history store's change query gives it (src/history/changes.ts). */
export interface ViewChange {
  isp: string;
  asn: number | null;
  input: string;
  url: string;
  category: string;
  /** newly_blocked, unblocked, method_changed, ... (src/report/diff.ts). */
  change: string;
  /** States in one word: "ok", "dns:nxdomain", "dpi:sni+url:path". */
  from: string;
  to: string;
  /** The first run in the new state, and when it started. */
  run: string;
  at: string;
  /** Measured runs, from the change on, that kept the new state. */
  held: number;
}

/** What the changes page shows: the newest `limit` confirmed changes, or "being computed". */
export interface ChangesList {
  /** 'computing': no list was ever computed for this store and the first is under way (seconds to minutes over a year). */
  state: 'ready' | 'computing';
  changes: ViewChange[];
  /** Confirmed changes found in each ISP's last `window` runs; `changes` holds the newest of them. */
  total: number;
  window: number;
}

/** The confirmed changes, newest first (from the history store's change queries). */
export type ChangesSource = (limit: number) => Promise<ChangesList>;

/** The changes page, the feed, CSV and JSON show the newest this many. */
export const CHANGES_SHOWN = 200;

export interface PublicView {
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
}

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer', 'cache-control': 'public, max-age=60', ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export const ispLabel = (name: string | null, asn: number | null): string => (name && asn !== null ? `${name} (AS${asn})` : name ?? (asn !== null ? `AS${asn}` : '?'));

function page(lang: Lang, title: string, path: string, query: string, body: string): string {
  const other: Lang = lang === 'el' ? 'en' : 'el';
  const q = new URLSearchParams(query);
  q.set('lang', other);
  const l = `lang=${lang}`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${h(title)} · censorprobe</title>
<link rel="stylesheet" href="/assets/view.css">
<link rel="alternate" type="application/atom+xml" href="/changes.atom" title="${h(t(lang, 'feed'))}">
</head>
<body>
<header>
<h1>${h(t(lang, 'title'))}</h1>
<nav><a href="/?${l}">${h(t(lang, 'overview'))}</a><a href="/changes?${l}">${h(t(lang, 'changes'))}</a><a class="lang" href="${h(path)}?${h(q.toString())}" hreflang="${other}">${other === 'el' ? 'Ελληνικά' : 'English'}</a></nav>
</header>
<main>
${body}
</main>
<footer class="muted">${h(t(lang, 'about'))}</footer>
</body>
</html>
`;
}

function table(t: Table, numeric: ReadonlySet<number> = new Set(), cell?: (col: number, v: string | number | null, row: Array<string | number | null>) => string): string {
  const head = t.columns.map((c) => `<th scope="col">${h(c)}</th>`).join('');
  const rows = t.rows
    .map((r) => `<tr>${r.map((v, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${cell ? cell(i, v, r) : h(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function downloads(path: string, query: URLSearchParams, lang: Lang, atom = false): string {
  const with_ = (format: string) => {
    const q = new URLSearchParams(query);
    q.delete('lang');
    q.set('format', format);
    return `${path}?${q.toString()}`;
  };
  return `<p class="downloads">${h(t(lang, 'download'))}: <a href="${h(with_('csv'))}">CSV</a><a href="${h(with_('json'))}">JSON</a>${atom ? `<a href="/changes.atom">${h(t(lang, 'feed'))}</a>` : ''}</p>`;
}

function overviewTable(rows: IspRow[], lang: Lang): Table {
  const kinds = new Set<string>();
  for (const r of rows) for (const layer of BLOCKING) for (const k of Object.keys(r.kinds[layer] ?? {})) kinds.add(`${layer}:${k}`);
  const kindCols = [...kinds].sort();
  return {
    columns: ['isp', 'asn', t(lang, 'latest_run'), t(lang, 'runs'), t(lang, 'volunteers'), t(lang, 'entries'), t(lang, 'blocked'),
      ...BLOCKING.map((v) => verdictWord(lang, v)), 'geoblock', 'down', 'inconclusive', t(lang, 'latency_penalty'), ...kindCols],
    rows: rows.map((r) => [
      r.name ?? '', r.asn, r.latest_run, r.runs, r.volunteers, r.entries, BLOCKING.reduce((n, v) => n + (r.verdicts[v] ?? 0), 0),
      ...BLOCKING.map((v) => r.verdicts[v] ?? 0), r.verdicts.geoblock ?? 0, r.verdicts.down ?? 0, r.verdicts.inconclusive ?? 0,
      r.latency_penalty === null ? null : Math.round(r.latency_penalty * 100) / 100,
      ...kindCols.map((k) => {
        const [layer, kind] = k.split(':') as [string, string];
        return r.kinds[layer]?.[kind] ?? 0;
      }),
    ]),
  };
}

const CONTROL_WORDS = ['', 'reachable', 'failing', 'helper failed'];

/** The overview changes only when a run is recorded or replaced: kept until then (one tiny query to know). */
function cachedOverview(db: Query): () => Promise<IspRow[]> {
  let cached: { key: string; rows: IspRow[] } | null = null;
  return async () => {
    const key = JSON.stringify(await db.query('SELECT (SELECT max(id) FROM runs) AS r, (SELECT count(*) FROM runs) AS n, (SELECT count(*) FROM collective_runs WHERE records > 0) AS c'));
    if (cached?.key === key) return cached.rows;
    const rows = await overview(db);
    cached = { key, rows };
    return rows;
  };
}

export function publicView(db: Query, changes: ChangesSource): PublicView {
  const overviewRows = cachedOverview(db);
  async function answer(res: http.ServerResponse, format: string | null, name: string, tbl: Table, json: unknown, html: () => string): Promise<void> {
    if (format === 'csv') return send(res, 200, 'text/csv; charset=utf-8', toCsv(tbl), { 'content-disposition': `attachment; filename="${name}.csv"` });
    if (format === 'json') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(json), { 'access-control-allow-origin': '*' });
    send(res, 200, 'text/html; charset=utf-8', html(), { 'content-security-policy': CSP });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
    const lang = langOf(url.searchParams.get('lang'));
    const format = url.searchParams.get('format');
    const path = url.pathname;
    if (path === '/assets/view.css') {
      send(res, 200, 'text/css; charset=utf-8', VIEW_CSS, { 'cache-control': 'public, max-age=3600' });
      return true;
    }
    if (path === '/') {
      const rows = await overviewRows();
      const tbl = overviewTable(rows, lang);
      await answer(res, format, 'overview', tbl, { isps: rows }, () =>
        page(lang, t(lang, 'overview'), path, url.search.slice(1), `
<h2>${h(t(lang, 'overview'))}</h2>
<form action="/site" method="get"><input type="hidden" name="lang" value="${lang}"><input type="search" name="u" placeholder="${h(t(lang, 'search'))}" aria-label="${h(t(lang, 'search'))}"><button>${h(t(lang, 'go'))}</button></form>
${rows.length === 0 ? `<p>${h(t(lang, 'no_runs'))}</p>` : table(tbl, new Set(tbl.columns.map((_, i) => i).filter((i) => i >= 3)))}
${downloads(path, url.searchParams, lang)}`));
      return true;
    }
    if (path === '/site') {
      const site = url.searchParams.get('u') ?? '';
      const entries = await findSite(db, site);
      const label = (p: { isp_name: string | null; asn: number | null }) => ispLabel(p.isp_name, p.asn);
      const segs: Array<Segment & { input: string }> = [];
      const latest: Array<SitePoint & { input: string }> = [];
      for (const e of entries) {
        for (const s of await siteSegments(db, e.id, label)) segs.push({ input: e.input, ...s });
        for (const p of await siteLatest(db, e.id)) latest.push({ input: e.input, ...p });
      }
      const tbl: Table = {
        columns: ['input', 'isp', t(lang, 'from'), t(lang, 'to'), t(lang, 'runs'), 'verdict', 'kind'],
        rows: segs.map((s) => [s.input, s.isp_label, s.from, s.to, s.runs, s.verdict, s.kind]),
      };
      const ev: Table = {
        columns: ['input', 'isp', t(lang, 'run'), 'verdict', 'kind', t(lang, 'isp_answer'), t(lang, 'truth'), t(lang, 'failure'), t(lang, 'control')],
        rows: latest.map((p) => [p.input, label(p), `${p.run_id} (${p.started})`, p.verdict, [p.dns, p.ip, p.dpi, p.url].filter(Boolean).join('+'), p.isp_answer, p.truth, p.failure, CONTROL_WORDS[p.control] ?? '']),
      };
      const verdictCell = (col: number, v: string | number | null) => (col === 5 || col === 3 ? `<span class="v-${h(String(v))}">${h(verdictWord(lang, String(v)))}</span>` : h(v));
      await answer(res, format, 'site', tbl, { site, entries, timeline: segs, latest }, () =>
        page(lang, `${t(lang, 'site')}: ${site}`, path, url.search.slice(1), `
<h2>${h(t(lang, 'site'))}: <code>${h(site)}</code></h2>
<form action="/site" method="get"><input type="hidden" name="lang" value="${lang}"><input type="search" name="u" value="${h(site)}" aria-label="${h(t(lang, 'search'))}"><button>${h(t(lang, 'go'))}</button></form>
${entries.length === 0 ? `<p>${h(t(lang, 'no_site'))}</p>` : `
<h2>${h(t(lang, 'timeline'))}</h2>
${table(tbl, new Set([4]), verdictCell)}
<h2>${h(t(lang, 'evidence'))}</h2>
${table(ev, new Set(), (col, v) => (col === 3 ? `<span class="v-${h(String(v))}">${h(verdictWord(lang, String(v)))}</span>` : h(v)))}
${downloads(path, url.searchParams, lang)}`}`));
      return true;
    }
    if (path === '/changes' || path === '/changes.atom') {
      const answerList = await changes(CHANGES_SHOWN);
      if (answerList.state === 'computing') {
        // The very first list of a store: a clear "not yet", not a wait of a minute (docs/collective.md).
        const busy = { 'retry-after': '15', 'cache-control': 'no-store' };
        if (format === 'json') send(res, 503, 'application/json; charset=utf-8', JSON.stringify({ state: 'computing', changes: [], retry_after: 15 }), { ...busy, 'access-control-allow-origin': '*' });
        else if (path === '/changes.atom' || format === 'csv') send(res, 503, 'text/plain; charset=utf-8', `${t('en', 'computing')}\n`, busy);
        else send(res, 503, 'text/html; charset=utf-8', page(lang, t(lang, 'changes'), path, url.search.slice(1), `\n<h2>${h(t(lang, 'confirmed_changes'))}</h2>\n<p class="computing">${h(t(lang, 'computing'))}</p>`), { ...busy, 'content-security-policy': CSP });
        return true;
      }
      const list = answerList.changes;
      if (path === '/changes.atom') {
        send(res, 200, 'application/atom+xml; charset=utf-8', atom(list, url));
        return true;
      }
      const tbl: Table = {
        columns: [t(lang, 'since'), t(lang, 'run'), 'isp', 'input', t(lang, 'change'), t(lang, 'before'), t(lang, 'after'), t(lang, 'runs')],
        rows: list.map((c) => [c.at, c.run, c.isp, c.input, c.change, c.from, c.to, c.held]),
      };
      const shown = t(lang, 'shown_of').replace('{shown}', String(list.length)).replace('{total}', String(answerList.total)).replace('{window}', String(answerList.window));
      await answer(res, format, 'changes', tbl, { state: 'ready', total: answerList.total, window_runs: answerList.window, changes: list }, () =>
        page(lang, t(lang, 'changes'), path, url.search.slice(1), `
<h2>${h(t(lang, 'confirmed_changes'))}</h2>
${list.length === 0 ? '' : `<p class="muted">${h(shown)}</p>`}
${list.length === 0 ? `<p>${h(t(lang, 'no_changes'))}</p>` : table(tbl, new Set([7]), (col, v, row) => (col === 3 ? `<a href="/site?lang=${lang}&amp;u=${encodeURIComponent(String(row[3]))}">${h(v)}</a>` : h(v)))}
${downloads(path, url.searchParams, lang, true)}`));
      return true;
    }
    return false;
  }
  return { handle };
}

function atom(list: ViewChange[], url: URL): string {
  const x = (s: string) => h(s);
  const updated = list[0]?.at ?? '1970-01-01T00:00:00Z';
  // Relative links only: the server does not know the public name it is reached by behind a proxy.
  const entries = list
    .map((c) => `<entry>
<id>urn:censorprobe:change:${x(encodeURIComponent(`${c.isp}|${c.input}|${c.run}`))}</id>
<title>${x(`${c.isp}: ${c.input}: ${c.from} → ${c.to}`)}</title>
<updated>${x(c.at)}</updated>
<link href="/site?u=${x(encodeURIComponent(c.input))}"/>
<summary>${x(`${c.change}: ${c.from} → ${c.to} since run ${c.run} (${c.at}), held for ${c.held} runs`)}</summary>
</entry>`)
    .join('\n');
  void url;
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>urn:censorprobe:changes</id>
<title>censorprobe: confirmed changes</title>
<updated>${x(updated)}</updated>
<link rel="self" href="/changes.atom"/>
${entries}
</feed>
`;
}
