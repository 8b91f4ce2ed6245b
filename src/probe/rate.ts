// --max-rate: a ceiling on how many entries start per second. Concurrency bounds what is in flight;
// this bounds how fast new entries start, so that a volunteer can keep a 15,000-entry run from
// filling a shared line (or from looking like a scan) however fast the answers come back.
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600 };

/**
 * Parses `50/s`, `3000/min`, `0.5/s` or a bare number (per second) into entries per second.
 * Throws UsageError for anything else, zero or a negative rate.
 */
export function parseRate(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(value);
  const unit = m?.[2]?.toLowerCase() ?? 's';
  const per = UNITS[unit];
  const n = Number(m?.[1]);
  if (!m || per === undefined || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--max-rate: "${value}" is not a rate`, { hint: 'write entries per time, e.g. 50/s or 3000/min' });
  }
  return n / per;
}

export interface RateGateOptions {
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborting releases every waiter at once (Ctrl-C must not sit out the queue). */
  signal?: AbortSignal;
}

/** Waits for the caller's start slot. Resolves early, without error, when the signal aborts. */
export type RateGate = () => Promise<void>;

async function abortableWait(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if ((err as { name?: string }).name !== 'AbortError') throw err;
  }
}

/**
 * Starts spaced evenly at 1/perSecond: no burst, so the first second of a run is no heavier than
 * the rest. Slots are handed out in call order; a caller that comes late (the line was slower than
 * the ceiling) gets the next free instant, not a backlog of missed slots.
 */
export function rateGate(perSecond: number, o: RateGateOptions = {}): RateGate {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new UsageError(`--max-rate: ${perSecond} is not a positive rate`);
  const now = o.now ?? (() => performance.now());
  const wait = o.wait ?? abortableWait;
  const interval = 1000 / perSecond;
  let next = -Infinity;
  return async () => {
    if (o.signal?.aborted) return;
    const t = now();
    const slot = Math.max(t, next);
    next = slot + interval;
    if (slot > t) await wait(slot - t, o.signal);
  };
}
