// What the public view reads, from the history store's tables (runs, isps, entries, measurements,
// labels, strings: src/store/schema.ts) and the collective's own (which member sent which run).
// Read through the collective's own pool, never through the recorder's connection, so that a page
// never reads inside a run's recording transaction: a reader sees a run whole or not at all.
import type { Query } from '../db.js';

export const BLOCKING = ['dns', 'ip', 'dpi', 'url'] as const;

export interface IspRow {
  isp: number;
  asn: number | null;
  name: string | null;
  latest_run: string;
  latest_run_id: string;
  runs: number;
  volunteers: number;
  latency_penalty: number | null;
  entries: number;
  /** The latest run's entries by verdict (ok, dns, ip, dpi, url, geoblock, down, inconclusive). */
  verdicts: Record<string, number>;
  /** The latest run's blocked entries by layer and kind, e.g. dns: {nxdomain: 12}. */
  kinds: Record<string, Record<string, number>>;
}

export interface SiteEntry {
  id: number;
  input: string;
  url: string;
  host: string;
  category: string;
}

export interface SitePoint {
  isp: number;
  asn: number | null;
  isp_name: string | null;
  run_id: string;
  started: string;
  verdict: string;
  dns: string | null;
  ip: string | null;
  dpi: string | null;
  url: string | null;
  isp_answer: string | null;
  truth: string | null;
  failure: string | null;
  control: number;
}

const iso = (unix: unknown) => new Date(Number(unix) * 1000).toISOString().replace(/\.000Z$/, 'Z');
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function overview(q: Query): Promise<IspRow[]> {
  const latest = await q.query<Record<string, unknown>>(
    `SELECT DISTINCT ON (r.isp) r.id, r.isp, r.run_id, r.started, r.latency_penalty, r.entries, i.asn, i.name
       FROM runs r JOIN isps i ON i.id = r.isp
      ORDER BY r.isp, r.started DESC, r.id DESC`,
  );
  if (latest.length === 0) return [];
  const runIds = latest.map((r) => Number(r.id));
  const backing = await q.query<{ isp: number; runs: string; volunteers: string }>(
    `SELECT r.isp, count(*) AS runs, count(DISTINCT c.token_name) AS volunteers
       FROM runs r LEFT JOIN collective_runs c ON c.store_run_id = r.run_id
      GROUP BY r.isp`,
  );
  const counts = await q.query<{ run: number; layer: string; label: string; n: string }>(
    `SELECT m.run, 'verdict' AS layer, l.name AS label, count(*) AS n FROM measurements m JOIN labels l ON l.id = m.verdict WHERE m.run = ANY($1) GROUP BY m.run, l.name
     UNION ALL SELECT m.run, 'dns', l.name, count(*) FROM measurements m JOIN labels l ON l.id = m.dns WHERE m.run = ANY($1) GROUP BY m.run, l.name
     UNION ALL SELECT m.run, 'ip', l.name, count(*) FROM measurements m JOIN labels l ON l.id = m.ip WHERE m.run = ANY($1) GROUP BY m.run, l.name
     UNION ALL SELECT m.run, 'dpi', l.name, count(*) FROM measurements m JOIN labels l ON l.id = m.dpi WHERE m.run = ANY($1) GROUP BY m.run, l.name
     UNION ALL SELECT m.run, 'url', l.name, count(*) FROM measurements m JOIN labels l ON l.id = m.url WHERE m.run = ANY($1) GROUP BY m.run, l.name`,
    [runIds],
  );
  return latest
    .map((r) => {
      const b = backing.find((x) => Number(x.isp) === Number(r.isp));
      const verdicts: Record<string, number> = {};
      const kinds: Record<string, Record<string, number>> = {};
      for (const c of counts) {
        if (Number(c.run) !== Number(r.id)) continue;
        if (c.layer === 'verdict') verdicts[c.label] = Number(c.n);
        else (kinds[c.layer] ??= {})[c.label] = Number(c.n);
      }
      return {
        isp: Number(r.isp), asn: numOrNull(r.asn), name: (r.name as string | null) ?? null, latest_run: iso(r.started), latest_run_id: String(r.run_id),
        runs: Number(b?.runs ?? 0), volunteers: Number(b?.volunteers ?? 0), latency_penalty: numOrNull(r.latency_penalty), entries: Number(r.entries), verdicts, kinds,
      };
    })
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.asn ?? 0) - (b.asn ?? 0));
}

/** Entries matching a site: its host (Unicode or punycode as listed), or an exact input or URL. */
export async function findSite(q: Query, site: string): Promise<SiteEntry[]> {
  const s = site.trim();
  if (s === '' || s.length > 4096) return [];
  let host = s.toLowerCase();
  try {
    if (/^[a-z]+:\/\//i.test(s)) host = new URL(s).hostname;
    else host = new URL(`http://${s}`).hostname;
  } catch {
    /* not a URL: matched as written */
  }
  const rows = await q.query<Record<string, unknown>>(
    'SELECT id, input, url, host, category FROM entries WHERE host = $1 OR input = $2 OR url = $2 ORDER BY input LIMIT 50',
    [host, s],
  );
  return rows.map((r) => ({ id: Number(r.id), input: String(r.input), url: String(r.url), host: String(r.host), category: String(r.category) }));
}

/** Every measurement of the entries, per ISP and run, oldest first. */
export async function siteTimeline(q: Query, entry: number): Promise<SitePoint[]> {
  const rows = await q.query<Record<string, unknown>>(
    `SELECT r.isp, i.asn, i.name AS isp_name, r.run_id, r.started,
            lv.name AS verdict, ld.name AS dns, li.name AS ip, lp.name AS dpi, lu.name AS url,
            sa.key AS isp_answer, st.key AS truth, sf.key AS failure, m.control
       FROM runs r
       JOIN isps i ON i.id = r.isp
       JOIN measurements m ON m.run = r.id AND m.entry = $1
       JOIN labels lv ON lv.id = m.verdict
       LEFT JOIN labels ld ON ld.id = m.dns
       LEFT JOIN labels li ON li.id = m.ip
       LEFT JOIN labels lp ON lp.id = m.dpi
       LEFT JOIN labels lu ON lu.id = m.url
       LEFT JOIN strings sa ON sa.id = m.isp_answer
       LEFT JOIN strings st ON st.id = m.truth
       LEFT JOIN strings sf ON sf.id = m.failure
      ORDER BY r.isp, r.started, r.id`,
    [entry],
  );
  return rows.map((r) => ({
    isp: Number(r.isp), asn: numOrNull(r.asn), isp_name: (r.isp_name as string | null) ?? null, run_id: String(r.run_id), started: iso(r.started),
    verdict: String(r.verdict), dns: (r.dns as string | null) ?? null, ip: (r.ip as string | null) ?? null, dpi: (r.dpi as string | null) ?? null,
    url: (r.url as string | null) ?? null, isp_answer: (r.isp_answer as string | null) ?? null, truth: (r.truth as string | null) ?? null,
    failure: (r.failure as string | null) ?? null, control: Number(r.control),
  }));
}

export interface Segment {
  isp: number;
  isp_label: string;
  verdict: string;
  kind: string;
  from: string;
  to: string;
  runs: number;
}

/** A state kept over consecutive runs of one ISP is one segment: a timeline readable at a glance. */
export function segments(points: readonly SitePoint[], label: (p: SitePoint) => string): Segment[] {
  const out: Segment[] = [];
  for (const p of points) {
    const kind = [p.dns, p.ip, p.dpi, p.url].filter(Boolean).join('+');
    const last = out[out.length - 1];
    if (last && last.isp === p.isp && last.verdict === p.verdict && last.kind === kind) {
      last.to = p.started;
      last.runs++;
    } else {
      out.push({ isp: p.isp, isp_label: label(p), verdict: p.verdict, kind, from: p.started, to: p.started, runs: 1 });
    }
  }
  return out;
}
