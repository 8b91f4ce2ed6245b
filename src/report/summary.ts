// Run-level figures for report.json, computed incrementally as records arrive: no record is kept,
// only counters and each resolver's round-trip times (8 bytes a query) for medians.
import type { Verdict } from '../analysis/types.js';
import type { DnsQuery } from '../observations.js';
import { resolverKey, type MeasurementRecord, type ResolverInfo } from '../record.js';
import { median, quantile } from '../stats.js';
import { CollateralIndex } from './collateral.js';

const VERDICTS: Verdict[] = ['ok', 'dns', 'ip', 'dpi', 'url', 'geoblock', 'down', 'inconclusive'];

export interface ResolverStats {
  spec: string;
  role: 'isp' | 'isp-direct' | 'foreign';
  transport: 'udp' | 'tcp' | 'doh';
  address: string;
  queries: number;
  failures: number;
  rtt_ms: { median: number | null; p95: number | null };
  /** Port-53 answers that repeat the ISP's lie where DoH tells the truth. */
  intercepted_answers: number;
}

export interface InterceptionEvidence {
  input: string;
  resolver: string;
  says: string;
  isp_says: string;
  doh_says: string;
}

function round(x: number | null, digits = 2): number | null {
  return x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits;
}

/** What a reply said, in a comparable form: the sorted answer addresses or the failure. */
export function replySays(q: DnsQuery): string {
  if (q.failure !== null) return q.failure;
  const addrs = q.answers.filter((a) => a.section === 'answer' && (a.ipv4 || a.ipv6)).map((a) => a.ipv4 ?? a.ipv6);
  return addrs.sort().join(' ') || 'dns_no_answer';
}

export class RunSummary {
  readonly counts: Record<Verdict, number> = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  readonly kinds: Record<string, Record<string, number>> = { dns: {}, ip: {}, dpi: {}, url: {} };
  private readonly stats = new Map<string, ResolverStats & { rtts: number[] }>();
  readonly interception: InterceptionEvidence[] = [];
  entries = 0;
  readonly collateral = new CollateralIndex();

  private readonly calibration: Record<string, Record<string, number[]>> = {};

  constructor(readonly resolvers: ResolverInfo[]) {
    for (const r of resolvers) {
      this.stats.set(resolverKey(r.transport, r.address), { ...r, queries: 0, failures: 0, rtt_ms: { median: null, p95: null }, intercepted_answers: 0, rtts: [] });
    }
  }

  add(record: MeasurementRecord): void {
    this.entries++;
    this.counts[record.verdict]++;
    this.collateral.add(record);
    for (const layer of ['dns', 'ip', 'dpi', 'url'] as const) {
      const f = record.layers[layer];
      if (f) this.kinds[layer]![f.kind] = (this.kinds[layer]![f.kind] ?? 0) + 1;
    }
    // A query copied from another entry asking the same name was counted there.
    const first = record.test_keys.queries.filter((q) => q.reply_index === 0 && !q.tags.includes('retry') && !q.tags.includes('shared'));
    for (const q of first) {
      const s = this.stats.get(resolverKey(q.engine, q.resolver_address));
      if (!s) continue;
      s.queries++;
      if (q.rcode === null) s.failures++;
      else s.rtts.push((q.t - q.t0) * 1000);
    }
    this.noteInterception(record, first);
  }

  /**
   * A port-53 "foreign" resolver whose answer equals the ISP's while DoH says otherwise is being
   * answered by someone on the path (a transparent DNS proxy): record it with the evidence.
   */
  private noteInterception(record: MeasurementRecord, first: DnsQuery[]): void {
    const a = first.filter((q) => q.query_type === 'A');
    const isp = a.find((q) => q.tags.includes('isp'));
    const doh = a.find((q) => q.tags.includes('foreign') && q.engine === 'doh' && q.rcode !== null);
    if (!isp || !doh) return;
    const ispSays = replySays(isp);
    const dohSays = replySays(doh);
    if (ispSays === dohSays) return;
    for (const q of a) {
      if (!q.tags.includes('foreign') || q.engine === 'doh' || (q.rcode === null && q.failure !== null && isp.rcode !== null)) continue;
      if (replySays(q) === ispSays) {
        const s = this.stats.get(resolverKey(q.engine, q.resolver_address));
        if (s) s.intercepted_answers++;
        if (this.interception.length < 20) {
          this.interception.push({ input: record.input, resolver: q.resolver_address, says: ispSays, isp_says: ispSays, doh_says: dohSays });
        }
      }
    }
  }

  resolverStats(): ResolverStats[] {
    return [...this.stats.values()].map(({ rtts, ...s }) => {
      const sorted = [...rtts].sort((x, y) => x - y);
      return { ...s, rtt_ms: { median: round(median(sorted)), p95: round(quantile(sorted, 0.95)) } };
    });
  }

  /** Resolvers judged intercepted: their answers repeat the ISP's lies where DoH does not. */
  interceptedResolvers(): ResolverStats[] {
    return [...this.stats.values()].filter((s) => s.role === 'foreign' && s.intercepted_answers >= 2);
  }

  /** Round trips measured on an idle line (see src/probe/latency.ts), per resolver key. */
  setCalibration(phase: 'idle_before' | 'idle_after', samples: Record<string, number[]>): void {
    this.calibration[phase] = samples;
  }

  /**
   * What a user pays in latency to escape the ISP's resolver: the median over the foreign resolvers
   * really abroad (not intercepted) of each one's median round trip, over the ISP resolver's median.
   */
  private penalty(rtts: (key: string) => number[]): { penalty: number | null; isp_median_ms: number | null; foreign_median_ms: number | null } {
    const excluded = new Set(this.interceptedResolvers().map((s) => resolverKey(s.transport, s.address)));
    let isp: number | null = null;
    const foreign: number[] = [];
    for (const [key, s] of this.stats) {
      const m = median(rtts(key));
      if (m === null) continue;
      if (s.role === 'isp') isp = m;
      else if (s.role === 'foreign' && !excluded.has(key)) foreign.push(m);
    }
    const fm = median(foreign);
    return { penalty: isp && fm ? round(fm / isp) : null, isp_median_ms: round(isp), foreign_median_ms: round(fm) };
  }

  latency(): Record<string, unknown> & { penalty: number | null } {
    const phases: Record<string, unknown> = {};
    for (const [phase, samples] of Object.entries(this.calibration)) phases[phase] = this.penalty((k) => samples[k] ?? []);
    const underLoad = this.penalty((k) => this.stats.get(k)?.rtts ?? []);
    const before = phases.idle_before as { penalty: number | null } | undefined;
    return {
      penalty: before?.penalty ?? underLoad.penalty,
      measured_on: before?.penalty != null ? 'idle_before' : 'under_load',
      ...phases,
      under_load: underLoad,
      excluded_intercepted: this.interceptedResolvers().map((s) => s.spec),
    };
  }

  toJSON(meta: Record<string, unknown>): Record<string, unknown> {
    const intercepted = this.interceptedResolvers();
    const { penalty, ...latency } = this.latency();
    return {
      ...meta,
      entries: this.entries,
      counts: this.counts,
      kinds: this.kinds,
      // Every IP-blocked address other measured entries share (src/report/collateral.ts).
      collateral: this.collateral.result(),
      resolvers: this.resolverStats(),
      latency_penalty: penalty,
      latency,
      dns_interception: {
        detected: intercepted.length > 0,
        resolvers: intercepted.map((s) => s.spec),
        evidence: this.interception,
      },
    };
  }
}
