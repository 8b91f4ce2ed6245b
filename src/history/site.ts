// `history site NAME|URL`: the site's state per ISP over time, as spans of runs with the same state
// (first and last run seen so). One key lookup per run: fast whatever the store's size.
import { domainToASCII } from 'node:url';
import type { HistoryReader } from './read.js';
import { isoTime } from './read.js';

export interface Span {
  state: string;
  verdict: string;
  runs: number;
  first_run: string;
  first_seen: string;
  last_run: string;
  last_seen: string;
}

export interface SiteTimeline {
  input: string;
  url: string;
  category: string;
  isps: { isp: string; asn: number | null; spans: Span[] }[];
}

/** The store's entries for a name (with or without www.) or a URL. */
export async function findEntries(h: HistoryReader, what: string): Promise<number[]> {
  let host = what.trim();
  let path: string | null = null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host);
  try {
    const u = new URL(withScheme ? host : `http://${host}`);
    host = u.hostname.replace(/^\[|\]$/g, '');
    if (withScheme || host !== what.trim()) path = u.pathname + u.search;
  } catch {
    // Not a URL: a bare name as typed.
  }
  const ascii = domainToASCII(host) || host.toLowerCase();
  const bare = ascii.replace(/^www\./, '');
  const rows = await h.store.db.all<{ id: number; url: string }>('SELECT id, url FROM entries WHERE host = ? OR host = ? ORDER BY id', [bare, `www.${bare}`]);
  const matching = path && path !== '/' ? rows.filter((r) => r.url.endsWith(path!)) : rows;
  return (matching.length ? matching : rows).map((r) => Number(r.id));
}

export async function siteTimeline(h: HistoryReader, what: string, isp?: string): Promise<SiteTimeline[]> {
  const ids = await findEntries(h, what);
  const allowed = new Set(h.ispFilter(isp));
  const info = await h.entries(ids);
  const out: SiteTimeline[] = [];
  for (const id of ids) {
    const rows = await h.store.db.all<Record<string, number | string | null>>(
      `SELECT r.run_id, r.started, r.isp, m.verdict, m.dns, m.ip, m.dpi, m.url
       FROM runs r JOIN measurements m ON m.run = r.id AND m.entry = ? ORDER BY r.isp, r.started, r.id`,
      [id],
    );
    const per = new Map<number, Span[]>();
    for (const r of rows) {
      const ispId = Number(r.isp);
      if (!allowed.has(ispId)) continue;
      const cell = { verdict: Number(r.verdict), dns: n(r.dns), ip: n(r.ip), dpi: n(r.dpi), url: n(r.url) };
      const state = h.stateText(cell);
      const spans = per.get(ispId) ?? [];
      per.set(ispId, spans);
      const last = spans[spans.length - 1];
      const at = isoTime(Number(r.started));
      if (last && last.state === state) {
        last.runs++;
        last.last_run = String(r.run_id);
        last.last_seen = at;
      } else {
        spans.push({ state, verdict: h.outcome(cell).verdict, runs: 1, first_run: String(r.run_id), first_seen: at, last_run: String(r.run_id), last_seen: at });
      }
    }
    const e = info.get(id)!;
    out.push({ input: e.input, url: e.url, category: e.category, isps: [...per].map(([i, spans]) => ({ isp: h.ispLabel(i), asn: h.isps.get(i)?.asn ?? null, spans })) });
  }
  return out;
}

const n = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));
