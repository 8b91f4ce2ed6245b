// Idle-line round trips before the bulk of the run (kept across a resume) and after it, saved in
// latency.json; the connect timeout follows them.
import type { ResolverSpec } from '../dns/index.js';
import { loadIdleRounds, saveIdleRounds, type IdleRounds } from '../report/run-folder/index.js';
import { resolverKey, type ResolverInfo } from '../record.js';
import { median } from '../stats.js';
import { calibrate, type CalibrationOptions } from './latency.js';

export type IdlePhase = 'idle_before' | 'idle_after';

export interface IdleLine {
  /** Round trips (ms) per phase, then per resolver key, as in latency.json. */
  readonly rounds: IdleRounds;
  /** Calibrates the resolvers now, files the round trips under `phase` and saves latency.json. */
  measure(phase: IdlePhase): Promise<void>;
}

/** The idle-line record of the run in `out`, read back from latency.json when a resume finds it. */
export function idleLine(out: string, specs: ResolverSpec[], calibration: CalibrationOptions): IdleLine {
  const rounds = loadIdleRounds(out);
  return {
    rounds,
    async measure(phase) {
      rounds[phase] = await calibrate(specs, calibration);
      saveIdleRounds(out, rounds);
    },
  };
}

/**
 * TCP and TLS timeouts that follow the line: a black-holed address costs seconds, not the worst case.
 * Twenty round trips abroad plus a second, within 2 s and --timeout. HTTP keeps --timeout (slow sites).
 */
export function connectTimeout(idle: Record<string, number[]>, resolvers: ResolverInfo[], max: number): number {
  const medians = resolvers
    .filter((r) => r.role === 'foreign')
    .map((r) => median(idle[resolverKey(r.transport, r.address)] ?? []))
    .filter((m): m is number => m !== null);
  const rtt = median(medians);
  if (rtt === null) return max;
  return Math.round(Math.min(max, Math.max(2000, rtt * 20 + 1000)));
}
