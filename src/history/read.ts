// What every history question reads from the store: the label names behind the small codes, the
// runs per ISP, and one run's verdicts. Plain SQL that both back ends run as written.
import type { Verdict } from '../analysis/types.js';
import type { Outcome } from '../report/diff.js';
import type { Store } from '../store/store.js';

export interface IspRef {
  id: number;
  asn: number | null;
  name: string | null;
}

export interface RunRef {
  id: number;
  run_id: string;
  started: number;
  complete: boolean;
  isp: number;
}

export interface Cell {
  verdict: number;
  dns: number | null;
  ip: number | null;
  dpi: number | null;
  url: number | null;
}

export class HistoryReader {
  private constructor(readonly store: Store, readonly labels: Map<number, string>, readonly isps: Map<number, IspRef>) {}

  static async open(store: Store): Promise<HistoryReader> {
    const labels = new Map((await store.db.all<{ id: number; name: string }>('SELECT id, name FROM labels')).map((l) => [Number(l.id), l.name]));
    const isps = new Map((await store.db.all<{ id: number; asn: number | null; name: string | null }>('SELECT id, asn, name FROM isps')).map((i) => [Number(i.id), { id: Number(i.id), asn: i.asn === null ? null : Number(i.asn), name: i.name }]));
    return new HistoryReader(store, labels, isps);
  }

  ispLabel(id: number): string {
    const i = this.isps.get(id);
    if (!i) return `isp ${id}`;
    const as = i.asn === null ? null : `AS${i.asn}`;
    return i.name && as ? `${i.name} (${as})` : i.name ?? as ?? 'unknown ISP';
  }

  /** ISPs matching `--isp ASN|NAME` (all when not given). */
  ispFilter(isp?: string): number[] {
    const all = [...this.isps.values()];
    if (!isp) return all.map((i) => i.id);
    const asn = /^(?:AS)?(\d+)$/i.exec(isp.trim());
    return all.filter((i) => (asn ? i.asn === Number(asn[1]) : (i.name ?? '').toLowerCase() === isp.trim().toLowerCase())).map((i) => i.id);
  }

  /** An ISP's runs, oldest first, optionally up to a time. */
  async runs(isp: number, until?: number): Promise<RunRef[]> {
    const rows = await this.store.db.all<Record<string, unknown>>(
      `SELECT id, run_id, started, complete, isp FROM runs WHERE isp = ?${until === undefined ? '' : ' AND started <= ?'} ORDER BY started, id`,
      until === undefined ? [isp] : [isp, until],
    );
    return rows.map((r) => ({ id: Number(r.id), run_id: String(r.run_id), started: Number(r.started), complete: Number(r.complete) === 1, isp: Number(r.isp) }));
  }

  /** One run's cells by entry id. */
  async cells(run: number): Promise<Map<number, Cell>> {
    const rows = await this.store.db.rows('SELECT entry, verdict, dns, ip, dpi, url FROM measurements WHERE run = ?', [run]);
    const out = new Map<number, Cell>();
    for (const r of rows) out.set(Number(r[0]), { verdict: Number(r[1]), dns: num(r[2]), ip: num(r[3]), dpi: num(r[4]), url: num(r[5]) });
    return out;
  }

  private readonly outcomes = new Map<number, Outcome>();
  private readonly texts = new Map<number, string>();

  /** One number per distinct state (label codes are small), so states compare and cache cheaply. */
  stateId(c: Cell): number {
    return (((c.verdict * 1024 + (c.dns ?? 0)) * 1024 + (c.ip ?? 0)) * 1024 + (c.dpi ?? 0)) * 1024 + (c.url ?? 0);
  }

  outcome(c: Cell): Outcome {
    const id = this.stateId(c);
    let o = this.outcomes.get(id);
    if (!o) this.outcomes.set(id, (o = this.computeOutcome(c)));
    return o;
  }

  private computeOutcome(c: Cell): Outcome {
    const name = (id: number | null) => (id === null ? null : this.labels.get(id) ?? `#${id}`);
    const kinds: string[] = [];
    for (const l of ['dns', 'ip', 'dpi', 'url'] as const) {
      const k = name(c[l]);
      if (k) kinds.push(`${l}:${k}`);
    }
    return { verdict: (name(c.verdict) ?? 'inconclusive') as Verdict, kinds };
  }

  /** "dns:nxdomain", "ok", "dpi:sni+url:path": a state in one word. */
  stateText(c: Cell | null): string {
    if (!c) return '';
    const id = this.stateId(c);
    let t = this.texts.get(id);
    if (t === undefined) {
      const o = this.outcome(c);
      this.texts.set(id, (t = o.kinds.length ? o.kinds.join('+') : o.verdict));
    }
    return t;
  }

  async entries(ids: number[]): Promise<Map<number, { input: string; url: string; category: string }>> {
    const out = new Map<number, { input: string; url: string; category: string }>();
    const CHUNK = 500;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const rows = await this.store.db.all<{ id: number; input: string; url: string; category: string }>(`SELECT id, input, url, category FROM entries WHERE id IN (${part.map(() => '?').join(', ')})`, part);
      for (const r of rows) out.set(Number(r.id), { input: r.input, url: r.url, category: r.category });
    }
    return out;
  }
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** "2026-11-20T10:00:00Z" from Unix seconds. */
export const isoTime = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** A date or time given on the command line as Unix seconds (a bare date is its end, UTC). */
export function parseWhen(text: string, endOfDay = true): number | null {
  const t = /^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T${endOfDay ? '23:59:59' : '00:00:00'}Z` : text;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}
