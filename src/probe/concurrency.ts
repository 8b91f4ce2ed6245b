// --concurrency auto: how many entries are in flight, found by the run itself, as TCP finds a path's
// rate. The signal is delay, not loss: the round trips of the steps that succeeded (DNS replies,
// TCP connects) against the smallest window median seen for the same resolver or kind of step
// (TCP Vegas's and LEDBAT's base delay). They stay flat while the line, the resolvers and the
// probe's CPU keep up, and inflate as soon as something queues: the uplink's buffer, a resolver
// that cannot answer faster, or an event loop that reads its sockets late.
//
// Why AIMD (additive increase, multiplicative decrease) and not a BBR-like model: BBR estimates a
// bottleneck bandwidth and a minimum RTT from a single flow's delivery rate, which a probe does not
// have (its "flows" are thousands of unlike entries: a gone host holds a slot for seconds, a
// DNS-blocked one for 0.4 s, so entries per second say nothing about the line). AIMD needs only
// "flat or inflated", converges to a fair share beside the volunteer's own traffic (Chiu & Jain,
// 1989), and backs off at once when the line is needed: multiplicative decrease halves the
// queue the probe adds within a few windows. Slow start (doubling) until the first back-off gets
// a fast line to its limit in a few seconds; additive steps after that probe gently.
//
// Two signals, either of which, inflated two windows in a row, backs off:
// - the window medians against the base (the run as a whole is slower: a resolver, a starved CPU);
// - the queue: the 95th percentile of the samples' excess over their key's base, less the event
//   loop's own lateness in the same window. The medians miss a modem's droptail queue (a 24/1 ADSL
//   line with a 300 ms buffer): it delays a fraction of the round trips by up to 300 ms, and that
//   tail is what the volunteer's browsing waits on. A loaded CPU delays the tail too, by as much as
//   the event loop runs late, which the caller measures with a timer (monitorEventLoopDelay): that
//   lateness is subtracted, and when the loop runs late at all (over BUSY_LOOP_MS at its p95) the
//   tail is not judged, since a starved CPU also delays what the probe talks to when it shares the
//   machine (in the lab, the servers) and the medians' rule covers that case.
//
// Pure: the caller feeds samples and asks for a decision with the time and how many were in flight.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TestKeys } from '../observations.js';
import { median, quantile } from '../stats.js';

export interface ConcurrencyOptions {
  /** Where the run starts. */
  initial?: number;
  min?: number;
  max?: number;
  /** A decision at most every this many ms (one window of samples). */
  windowMs?: number;
  /** A window with fewer samples carries on into the next one. */
  minSamples?: number;
  /** Added per flat window once slow start is over. */
  step?: number;
  /** Kept of the limit on a back-off. */
  decrease?: number;
  /**
   * --line-budget: the share (0-1] of the found capacity the run may use. Once a back-off has shown
   * where step times start to inflate (the knee), the limit stays under share x the knee.
   */
  budget?: number;
}

export interface ConcurrencyPoint {
  /** Seconds since the controller started. */
  t: number;
  concurrency: number;
}

export interface Decision {
  limit: number;
  /** Window medians' excess over base delays in units of base + TARGET_MS, sample-weighted across keys (0 = flat); null: not enough samples. */
  inflation: number | null;
  /** The queue signal (ms): the 95th percentile of the excess over base, less the event loop's lateness and the line's own quiet jitter; null: not judged (too few samples, or the event loop itself late). */
  queue: number | null;
  action: 'grow' | 'hold' | 'back-off' | 'wait';
}

export interface ConcurrencyController {
  readonly limit: number;
  /** A round trip (ms) of one successful step; `key` groups like with like (a resolver, "tcp"). */
  sample(key: string, ms: number): void;
  /**
   * At most once a window: the new limit, given the time (ms), the entries in flight now and how
   * late the event loop ran its timers over the window (95th percentile, ms; 0 when unknown).
   */
  decide(now: number, active: number, lateness?: number): Decision;
  /** The limit over time, thinned to at most MAX_POINTS points. */
  timeline(): ConcurrencyPoint[];
}

export const AUTO_DEFAULTS = { initial: 16, min: 4, max: 256, windowMs: 1000, minSamples: 20, step: 8, decrease: 0.7 } as const;
/**
 * Queueing delay the run may add, on top of a round trip's base (ms). LEDBAT (RFC 6817) aims at a
 * fixed target of at most 100 ms of added delay, because ratios alone mislead on sub-millisecond
 * bases (a LAN resolver, a loaded event loop's 5 ms of jitter would read as 10x): a window counts as
 * inflated when its median exceeds the base by the base itself plus TARGET_MS. 100 ms is also what
 * a volunteer's browsing may lose (issue 16's usability target).
 */
export const TARGET_MS = 100;
/** Inflation (excess over base, in units of base + TARGET_MS) below which the limit grows. */
export const GROW_BELOW = 0.5;
/** Inflation above which the limit backs off: the median more than doubled plus TARGET_MS. */
export const BACK_OFF_ABOVE = 1;
/**
 * Inflated windows in a row before a back-off. One window is noise on a shared machine (another
 * program's burst of CPU delays every round trip for a moment, whatever the probe does); a queue the
 * probe builds stays until it backs off.
 */
export const INFLATED_WINDOWS = 2;
/**
 * The queue the run may keep on the line (ms), judged at the 95th percentile: issue 16 asks that a
 * ping beside the run see under 100 ms more at its p95. Half of that leaves room for the ping's own
 * timing and for the queue's swings between two windows; an uplink stays busy with far less queue.
 */
export const QUEUE_TARGET_MS = 50;
/** The queue (ms) under which the limit may grow. */
export const QUEUE_GROW_BELOW = 0.5 * QUEUE_TARGET_MS;
/**
 * Event-loop lateness (p95 over the window, ms) above which the queue signal is not judged: the
 * machine's CPU, not the line, then makes the tail (measured in the lab at 2-core load 4-6: step
 * times' p95 250 ms over base with the loop's p99 150 ms, against 140 ms on the shaped ADSL line
 * with the loop's p99 under 30 ms).
 */
export const BUSY_LOOP_MS = 20;
/** The percentile of the excess delays the queue signal reads. */
export const QUEUE_PERCENTILE = 0.95;
const MAX_POINTS = 240;

export function concurrencyController(o: ConcurrencyOptions = {}, start = 0): ConcurrencyController {
  const c = { ...AUTO_DEFAULTS, ...o };
  const budget = o.budget ?? 1;
  let limit = Math.min(c.max, Math.max(c.min, c.initial));
  let slowStart = true;
  let knee: number | null = null;
  let inflatedRun = 0;
  let windowStart = start;
  let window = new Map<string, number[]>();
  let count = 0;
  const base = new Map<string, number>();
  // The smallest queue reading seen: the line's and resolvers' own tail when nothing queues (a real
  // resolver's p95 may sit tens of ms above its median whatever the probe does).
  let quietTail: number | null = null;
  let points: ConcurrencyPoint[] = [{ t: 0, concurrency: limit }];

  const ceiling = () => (knee === null || budget >= 1 ? c.max : Math.max(c.min, Math.floor(knee * budget)));
  const record = (now: number) => {
    const last = points[points.length - 1]!;
    if (last.concurrency === limit) return;
    points.push({ t: Math.round((now - start) / 100) / 10, concurrency: limit });
    // Thin a long run's record: every other point goes, the first and the last stay.
    if (points.length > MAX_POINTS) points = points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
  };

  return {
    get limit() {
      return limit;
    },
    sample(key, ms) {
      if (!(ms >= 0) || !Number.isFinite(ms)) return;
      let xs = window.get(key);
      if (!xs) window.set(key, (xs = []));
      xs.push(ms);
      count++;
    },
    decide(now, active, lateness = 0) {
      if (now - windowStart < c.windowMs) return { limit, inflation: null, queue: null, action: 'wait' };
      if (count < c.minSamples) {
        // An idle window (too few steps to judge): grow only when the limit is what holds the run
        // back; a run waiting on slow entries gains nothing from more slots.
        if (count === 0 && active >= limit && now - windowStart >= 3 * c.windowMs) {
          limit = Math.min(ceiling(), slowStart ? limit * 2 : limit + c.step);
          windowStart = now;
          record(now);
          return { limit, inflation: null, queue: null, action: 'grow' };
        }
        return { limit, inflation: null, queue: null, action: 'wait' };
      }
      let weighted = 0;
      const excess: number[] = [];
      for (const [key, xs] of window) {
        const m = median(xs)!; // a key is in the window only with a sample
        const b = Math.min(base.get(key) ?? m, m);
        base.set(key, b);
        weighted += ((m - b) / (b + TARGET_MS)) * xs.length;
        for (const x of xs) excess.push(x - b);
      }
      const inflation = weighted / count;
      let queue: number | null = null;
      if (lateness <= BUSY_LOOP_MS) {
        const tail = quantile(excess.sort((a, b) => a - b), QUEUE_PERCENTILE)! - Math.max(0, lateness);
        quietTail = Math.max(0, Math.min(quietTail ?? tail, tail));
        queue = Math.max(0, tail - quietTail);
      }
      window = new Map();
      count = 0;
      windowStart = now;
      let action: Decision['action'] = 'hold';
      inflatedRun = inflation > BACK_OFF_ABOVE || (queue ?? 0) > QUEUE_TARGET_MS ? inflatedRun + 1 : 0;
      if (inflatedRun >= INFLATED_WINDOWS) {
        inflatedRun = 0;
        knee = limit;
        slowStart = false;
        limit = Math.max(c.min, Math.floor(limit * c.decrease));
        action = 'back-off';
      } else if (inflatedRun === 0 && inflation < GROW_BELOW && (queue ?? 0) < QUEUE_GROW_BELOW && active >= limit * 0.75) {
        const next = Math.min(ceiling(), slowStart ? limit * 2 : limit + c.step);
        action = next > limit ? 'grow' : 'hold';
        limit = next;
      }
      limit = Math.min(limit, ceiling());
      record(now);
      return { limit, inflation, queue, action };
    },
    timeline() {
      return points.map((p) => ({ ...p }));
    },
  };
}

/** `auto` or a positive whole number, as --concurrency takes it. */
export type ConcurrencySetting = number | 'auto';

/** The round trips of one entry's steps that succeeded: each deciding DNS reply and TCP connect. */
export function feedSteps(c: ConcurrencyController, keys: Pick<TestKeys, 'queries' | 'tcp_connect'>): void {
  for (const q of keys.queries) {
    // Late and foreign replies say nothing about queueing; failures are the target's, not the line's.
    if (q.reply_index === 0 && q.rcode !== null) c.sample(`${q.engine} ${q.resolver_address}`, (q.t - q.t0) * 1000);
  }
  for (const t of keys.tcp_connect) if (t.status.success) c.sample('tcp', (t.t - t.t0) * 1000);
}

/** The run's controller for --concurrency auto (and --line-budget), or null for a fixed number. */
export function adaptive(o: { concurrency: ConcurrencySetting; lineBudget?: number | null }): ConcurrencyController | null {
  if (o.concurrency !== 'auto') return null;
  const c = concurrencyController(o.lineBudget ? { budget: o.lineBudget } : {}, performance.now());
  // How late the event loop runs its timers, window by window: the share of a step's time that is
  // the probe's CPU, not the line. The histogram records whole intervals (resolution included).
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  return {
    get limit() {
      return c.limit;
    },
    sample: (key, ms) => c.sample(key, ms),
    decide(now, active) {
      const late = lag.count > 0 ? Math.max(0, lag.percentile(95) / 1e6 - LAG_RESOLUTION_MS) : 0;
      const d = c.decide(now, active, late);
      if (d.action !== 'wait') lag.reset();
      return d;
    },
    timeline: () => c.timeline(),
  };
}

const LAG_RESOLUTION_MS = 10;
