// Round-trip-time distributions per resolver, for the latency chart. report.json keeps only the
// median and p95; the distribution comes from measurements.jsonl, one record at a time, into fixed
// bins: memory stays flat however big the run.
import type { MeasurementRecord } from '../../record.js';

/** Upper bin edges in milliseconds (the last bin is open): log-like, as RTTs span 1 ms to seconds. */
export const RTT_EDGES_MS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 2000, 5000] as const;

export function binLabels(): string[] {
  const labels: string[] = [`<${RTT_EDGES_MS[0]}`];
  for (let i = 1; i < RTT_EDGES_MS.length; i++) labels.push(`${RTT_EDGES_MS[i - 1]}–${RTT_EDGES_MS[i]}`);
  labels.push(`≥${RTT_EDGES_MS[RTT_EDGES_MS.length - 1]}`);
  return labels;
}

export function binOf(ms: number): number {
  let i = 0;
  while (i < RTT_EDGES_MS.length && ms >= RTT_EDGES_MS[i]!) i++;
  return i;
}

export interface RttSeries {
  address: string;
  role: 'isp' | 'isp-direct' | 'foreign';
  engine: string;
  /** Answered queries per bin. */
  bins: number[];
  answered: number;
}

export class RttHistogram {
  private readonly series = new Map<string, RttSeries>();

  /** First replies only (what a client acts on), as RunSummary counts them; retries and shared copies left out. */
  add(r: MeasurementRecord): void {
    for (const q of r.test_keys.queries) {
      if (q.reply_index !== 0 || q.tags.includes('retry') || q.tags.includes('shared') || q.rcode === null) continue;
      const role = q.tags.includes('isp') ? 'isp' : q.tags.includes('isp-direct') ? 'isp-direct' : q.tags.includes('foreign') ? 'foreign' : null;
      if (!role) continue;
      // One resolver address may be asked over UDP and TCP: each transport is its own series.
      const key = `${q.engine}|${q.resolver_address}`;
      let s = this.series.get(key);
      if (!s) {
        s = { address: q.resolver_address, role, engine: q.engine, bins: new Array<number>(RTT_EDGES_MS.length + 1).fill(0), answered: 0 };
        this.series.set(key, s);
      }
      const ms = (q.t - q.t0) * 1000;
      if (!Number.isFinite(ms) || ms < 0) continue;
      s.bins[binOf(ms)]!++;
      s.answered++;
    }
  }

  /** The ISP's resolver first, then those abroad in the order first seen. */
  result(): RttSeries[] {
    return [...this.series.values()].sort((a, b) => Number(b.role === 'isp') - Number(a.role === 'isp'));
  }
}
