// The questions' answers as text (for a terminal), JSON, or CSV for spreadsheets: UTF-8 with a BOM
// so Excel reads Greek, and every cell through the report's formula guard.
import { stringify } from 'csv-stringify/sync';
import { safeCell } from '../report/csv.js';
import type { HistoryChange } from './changes.js';
import type { EditionEnforcement } from './editions.js';
import type { Matrix } from './matrix.js';
import type { SiteTimeline } from './site.js';

export type Format = 'text' | 'json' | 'csv';

export function csv(header: string[], rows: (string | number | boolean | null)[][]): string {
  return `\uFEFF${stringify([header, ...rows.map((r) => r.map((c) => safeCell(c === null ? '' : String(c))))])}`;
}

export function siteCsv(t: SiteTimeline[]): string {
  return csv(['input', 'url', 'category', 'isp', 'asn', 'state', 'verdict', 'runs', 'first_run', 'first_seen', 'last_run', 'last_seen'],
    t.flatMap((e) => e.isps.flatMap((i) => i.spans.map((s) => [e.input, e.url, e.category, i.isp, i.asn, s.state, s.verdict, s.runs, s.first_run, s.first_seen, s.last_run, s.last_seen]))));
}

export function siteText(t: SiteTimeline[]): string {
  if (t.length === 0) return 'no such entry in the store';
  return t.map((e) => [`${e.input} (${e.url}, ${e.category})`, ...e.isps.flatMap((i) => [`  ${i.isp}`, ...i.spans.map((s) => `    ${s.first_seen.slice(0, 10)} .. ${s.last_seen.slice(0, 10)}  ${s.state.padEnd(16)} ${s.runs} run(s)  (${s.first_run} .. ${s.last_run})`)])].join('\n')).join('\n');
}

const CHANGE_COLUMNS = ['isp', 'asn', 'input', 'url', 'category', 'change', 'from', 'to', 'run', 'at', 'held', 'confirmed', 'unconfirmed_because'] as const;

export function changesCsv(c: HistoryChange[]): string {
  return csv([...CHANGE_COLUMNS], c.map((x) => CHANGE_COLUMNS.map((k) => x[k])));
}

export function changesText(c: HistoryChange[], k: number): string {
  const line = (x: HistoryChange) => `  ${x.at.slice(0, 10)}  ${x.isp}  ${x.input}  ${x.change.replace('_', ' ')}: ${x.from} -> ${x.to}${x.confirmed ? '' : ` (${x.unconfirmed_because}, held ${x.held} of ${k} run(s))`}`;
  const confirmed = c.filter((x) => x.confirmed);
  const other = c.filter((x) => !x.confirmed);
  return [
    `confirmed changes (held for ${k} consecutive run(s)): ${confirmed.length}`,
    ...confirmed.map(line),
    `unconfirmed: ${other.length}`,
    ...other.map(line),
  ].join('\n');
}

export function matrixCsv(m: Matrix): string {
  return csv(['input', 'url', 'category', ...m.isps.map((i) => i.isp)], m.rows.map((r) => [r.input, r.url, r.category, ...r.cells]));
}

export function matrixText(m: Matrix): string {
  const head = `at ${m.at}: ${m.isps.map((i) => `${i.isp} = run ${i.run} (${i.started})`).join('; ') || 'no runs'}`;
  return [head, ['input', ...m.isps.map((i) => i.isp)].join('\t'), ...m.rows.map((r) => [r.input, ...r.cells.map((c) => c || '-')].join('\t'))].join('\n');
}

export function editionsCsv(e: EditionEnforcement[]): string {
  return csv(['list', 'sha256', 'hashed', 'entries', 'first_seen', 'added', 'isp', 'asn', 'enforced', 'median_days', 'max_days', 'still_reachable'],
    e.flatMap((x) => x.isps.map((i) => [x.list, x.sha256, x.hashed, x.entries, x.first_seen, x.added, i.isp, i.asn, i.enforced, i.median_days, i.max_days, i.still_reachable.join(' ')])));
}

export function editionsText(e: EditionEnforcement[]): string {
  if (e.length === 0) return 'no list editions in the store';
  return e.map((x) => [
    `${x.list} ${x.sha256.slice(0, 12)}${x.hashed === 'entries' ? ' (hash of its entries)' : ''}: ${x.entries} entries, first run ${x.first_seen}, ${x.added} new`,
    ...x.isps.map((i) => `  ${i.isp}: ${i.enforced} of ${x.added} new entries blocked${i.median_days === null ? '' : ` (median ${i.median_days} days, longest ${i.max_days})`}; ${i.still_reachable.length} of its entries still reachable${i.still_reachable.length ? `: ${i.still_reachable.slice(0, 10).join(', ')}${i.still_reachable.length > 10 ? ', ...' : ''}` : ''}`),
  ].join('\n')).join('\n');
}
