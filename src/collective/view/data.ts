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
  // One pass over the latest runs' rows (by the primary key's leading run column), counted per
  // combination of codes; the labels' names come from their small table.
  const counts = await q.query<{ run: number; verdict: number; dns: number | null; ip: number | null; dpi: number | null; url: number | null; n: string }>(
    'SELECT run, verdict, dns, ip, dpi, url, count(*) AS n FROM measurements WHERE run = ANY($1) GROUP BY run, verdict, dns, ip, dpi, url',
    [runIds],
  );
  const names = new Map((await q.query<{ id: number; name: string }>('SELECT id, name FROM labels')).map((l) => [Number(l.id), String(l.name)]));
  const per = new Map<number, { verdicts: Record<string, number>; kinds: Record<string, Record<string, number>> }>();
  for (const c of counts) {
    const run = Number(c.run);
    let p = per.get(run);
    if (!p) per.set(run, (p = { verdicts: {}, kinds: {} }));
    const n = Number(c.n);
    const v = names.get(Number(c.verdict)) ?? String(c.verdict);
    p.verdicts[v] = (p.verdicts[v] ?? 0) + n;
    for (const layer of BLOCKING) {
      const code = c[layer];
      if (code === null || code === undefined) continue;
      const kind = names.get(Number(code)) ?? String(code);
      const k = (p.kinds[layer] ??= {});
      k[kind] = (k[kind] ?? 0) + n;
    }
  }
  return latest
    .map((r) => {
      const b = backing.find((x) => Number(x.isp) === Number(r.isp));
      const { verdicts, kinds } = per.get(Number(r.id)) ?? { verdicts: {}, kinds: {} };
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

const LATEST_EVIDENCE = `
       JOIN isps i ON i.id = r.isp
       JOIN measurements m ON m.run = r.id AND m.entry = $1
       JOIN labels lv ON lv.id = m.verdict
       LEFT JOIN labels ld ON ld.id = m.dns
       LEFT JOIN labels li ON li.id = m.ip
       LEFT JOIN labels lp ON lp.id = m.dpi
       LEFT JOIN labels lu ON lu.id = m.url
       LEFT JOIN strings sa ON sa.id = m.isp_answer
       LEFT JOIN strings st ON st.id = m.truth
       LEFT JOIN strings sf ON sf.id = m.failure`;

/**
 * Each ISP's latest measurement of the entry, with its evidence: the run that ends the entry's
 * newest span per ISP (src/store/spans.ts), read by primary key.
 */
export async function siteLatest(q: Query, entry: number): Promise<SitePoint[]> {
  const rows = await q.query<Record<string, unknown>>(
    `SELECT r.isp, i.asn, i.name AS isp_name, r.run_id, r.started,
            lv.name AS verdict, ld.name AS dns, li.name AS ip, lp.name AS dpi, lu.name AS url,
            sa.key AS isp_answer, st.key AS truth, sf.key AS failure, m.control
       FROM (SELECT DISTINCT ON (isp) last_run FROM spans WHERE entry = $1 ORDER BY isp, last_started DESC, last_run DESC) l
       JOIN runs r ON r.id = l.last_run ${LATEST_EVIDENCE}
      ORDER BY r.isp`,
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
  /** The runs that measured the entry in this state (first and last included). */
  runs: number;
  from_run: string;
  to_run: string;
}

/**
 * A site's timeline per ISP: the entry's spans (runs in which it kept one state), oldest first per
 * ISP, as the store keeps them at recording time: a handful of rows whatever the number of runs.
 */
export async function siteSegments(q: Query, entry: number, label: (isp: { isp_name: string | null; asn: number | null }) => string): Promise<Segment[]> {
  const rows = await q.query<Record<string, unknown>>(
    `SELECT s.isp, i.asn, i.name AS isp_name, s.first_started, s.last_started, s.runs, fr.run_id AS from_run, lr.run_id AS to_run,
            lv.name AS verdict, ld.name AS dns, li.name AS ip, lp.name AS dpi, lu.name AS url
       FROM spans s
       JOIN isps i ON i.id = s.isp
       JOIN runs fr ON fr.id = s.first_run
       JOIN runs lr ON lr.id = s.last_run
       JOIN labels lv ON lv.id = s.verdict
       LEFT JOIN labels ld ON ld.id = s.dns
       LEFT JOIN labels li ON li.id = s.ip
       LEFT JOIN labels lp ON lp.id = s.dpi
       LEFT JOIN labels lu ON lu.id = s.url
      WHERE s.entry = $1
      ORDER BY s.isp, s.first_started, s.first_run`,
    [entry],
  );
  return rows.map((r) => ({
    isp: Number(r.isp), isp_label: label({ isp_name: (r.isp_name as string | null) ?? null, asn: numOrNull(r.asn) }), verdict: String(r.verdict),
    kind: [r.dns, r.ip, r.dpi, r.url].filter((k) => k !== null && k !== undefined).join('+'), from: iso(r.first_started), to: iso(r.last_started),
    runs: Number(r.runs), from_run: String(r.from_run), to_run: String(r.to_run),
  }));
}
