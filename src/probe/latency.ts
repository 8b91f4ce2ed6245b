// The latency penalty is measured on an idle line, before the bulk of the run and again after it:
// during the run the probe's own traffic fills the uplink (and the event loop) and inflates every
// round trip. Each resolver in turn, one query at a time.
import { query, resolverAddress, type ResolverSpec } from '../dns/index.js';
import type { Guard } from '../net/guard.js';
import { resolverKey } from '../record.js';

export interface CalibrationOptions {
  guard: Guard;
  timeoutMs: number;
  /** Queries per resolver. */
  rounds: number;
  /** A name every resolver can answer quickly (the swap test's innocuous name). */
  name: string;
}

/**
 * Round-trip times (ms) of answered queries, per resolver key. Rounds are interleaved (each
 * resolver once per round) so that a burst of load on the machine hits all resolvers alike.
 * One query at a time: asking the foreign resolvers together was tried and made their times 5 to
 * 7 % longer on a 2-core machine (their replies compete for the CPU), which biases the penalty.
 */
export async function calibrate(specs: ResolverSpec[], o: CalibrationOptions): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(specs.map((s) => [resolverKey(s.transport, resolverAddress(s)), []]));
  for (let i = 0; i < o.rounds; i++) {
    for (const spec of specs) {
      const startedAt = performance.now();
      const replies = await query(spec, o.name, 'A', { guard: o.guard, timeoutMs: o.timeoutMs, startedAt, tags: [], lateWindowMs: 0 });
      const first = replies.find((q) => q.reply_index === 0 && q.rcode !== null);
      if (first) out[resolverKey(spec.transport, resolverAddress(spec))]!.push((first.t - first.t0) * 1000);
    }
  }
  return out;
}
