import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { blockpageMemory } from '../../src/probe/blockpages.js';
import { AUTO_DEFAULTS, BACK_OFF_ABOVE, BUSY_LOOP_MS, QUEUE_GROW_BELOW, QUEUE_TARGET_MS, concurrencyController, feedSteps, type ConcurrencyController, type Decision } from '../../src/probe/concurrency.js';
import { measureAll } from '../../src/probe/loop.js';
import { emptyKeys } from '../../src/probe/measure.js';
import type { ProbeEnv } from '../../src/probe/env.js';
import type { ListEntry } from '../../src/lists/index.js';
import type { AsnDb } from '../../src/isp/index.js';
import type { DnsQuery, TestKeys } from '../../src/observations.js';

/** One window of round trips: `n` samples around `ms` (±10 %) for each key. */
function window(c: ConcurrencyController, keys: Record<string, number>, n = 40): void {
  for (let i = 0; i < n; i++) for (const [k, ms] of Object.entries(keys)) c.sample(k, ms * (0.9 + (0.2 * i) / n));
}

const FLAT = { 'udp 198.18.1.53:53': 1.2, 'doh https://198.18.3.53/dns-query': 21, tcp: 0.8 };

describe('concurrencyController', () => {
  it('doubles while step times stay flat and the limit is what holds the run back, up to its max', () => {
    const c = concurrencyController({}, 0);
    const seen: number[] = [c.limit];
    for (let t = 1000; t <= 10_000; t += 1000) {
      window(c, FLAT);
      seen.push(c.decide(t, c.limit).limit);
    }
    expect(seen.slice(0, 6)).toEqual([16, 32, 64, 128, 256, 256]);
    expect(c.limit).toBe(AUTO_DEFAULTS.max);
  });

  it('does not grow when fewer entries are in flight than it allows (more slots would not be used)', () => {
    const c = concurrencyController({}, 0);
    for (let t = 1000; t <= 5000; t += 1000) {
      window(c, FLAT);
      expect(c.decide(t, 5).action).toBe('hold');
    }
    expect(c.limit).toBe(16);
  });

  it('backs off multiplicatively when step times inflate, then grows additively while they are flat again', () => {
    const c = concurrencyController({}, 0);
    let t = 0;
    for (let i = 0; i < 3; i++) {
      window(c, FLAT);
      c.decide((t += 1000), c.limit);
    }
    expect(c.limit).toBe(128);
    // The uplink queues: every round trip gains ~300 ms. One window could be another program's
    // burst (hold); the second in a row is a queue (back off).
    const queued = { 'udp 198.18.1.53:53': 300, 'doh https://198.18.3.53/dns-query': 321, tcp: 301 };
    window(c, queued);
    expect(c.decide((t += 1000), c.limit).action).toBe('hold');
    window(c, queued);
    const d = c.decide((t += 1000), c.limit);
    expect(d.action).toBe('back-off');
    expect(d.inflation).toBeGreaterThan(1);
    expect(c.limit).toBe(Math.floor(128 * AUTO_DEFAULTS.decrease));
    for (let i = 0; i < 2; i++) {
      window(c, { 'udp 198.18.1.53:53': 400, 'doh https://198.18.3.53/dns-query': 420, tcp: 400 });
      c.decide((t += 1000), c.limit);
    }
    expect(c.limit).toBe(Math.floor(Math.floor(128 * 0.7) * 0.7));
    // Flat again: +step per window, no more doubling once a back-off has shown the knee.
    const before = c.limit;
    window(c, FLAT);
    expect(c.decide((t += 1000), c.limit).action).toBe('grow');
    expect(c.limit).toBe(before + AUTO_DEFAULTS.step);
    // A moderate rise holds the limit where it is.
    window(c, { 'udp 198.18.1.53:53': 80, 'doh https://198.18.3.53/dns-query': 100, tcp: 80 });
    expect(c.decide((t += 1000), c.limit).action).toBe('hold');
    expect(c.limit).toBe(before + AUTO_DEFAULTS.step);
  });

  it('reads tens of milliseconds of scheduling jitter on sub-millisecond bases as flat, not as a 10x inflation', () => {
    const c = concurrencyController({}, 0);
    window(c, { 'udp 127.0.0.1:53': 0.3, tcp: 0.2 });
    c.decide(1000, c.limit);
    window(c, { 'udp 127.0.0.1:53': 8, tcp: 6 });
    expect(c.decide(2000, c.limit).action).toBe('grow');
  });

  it('waits for a full window of samples; an idle window grows only when every slot is taken for a while', () => {
    const c = concurrencyController({}, 0);
    window(c, FLAT, 2);
    expect(c.decide(1500, 16).action).toBe('wait');
    const idle = concurrencyController({}, 0);
    expect(idle.decide(1500, 16).action).toBe('wait');
    expect(idle.decide(3500, 16).action).toBe('grow');
    expect(idle.limit).toBe(32);
    expect(idle.decide(8000, 3).action).toBe('wait');
  });

  it('with a line budget stays under that share of the knee once a back-off has found it', () => {
    const c = concurrencyController({ budget: 0.5 }, 0);
    let t = 0;
    for (let i = 0; i < 3; i++) {
      window(c, FLAT);
      c.decide((t += 1000), c.limit);
    }
    for (let i = 0; i < 2; i++) {
      window(c, { tcp: 300 });
      c.decide((t += 1000), c.limit);
    }
    for (let i = 0; i < 10; i++) {
      window(c, FLAT);
      c.decide((t += 1000), c.limit);
    }
    expect(c.limit).toBe(64);
  });

  it('records the limit at each change, thinned on a long run', () => {
    const c = concurrencyController({ windowMs: 10 }, 0);
    for (let i = 1; i <= 2000; i++) {
      window(c, i % 3 ? { tcp: 500 } : FLAT, 20);
      c.decide(i * 10, c.limit);
    }
    const tl = c.timeline();
    expect(tl[0]).toEqual({ t: 0, concurrency: 16 });
    expect(tl.length).toBeLessThanOrEqual(240);
    expect(tl.at(-1)!.concurrency).toBe(c.limit);
    for (let i = 1; i < tl.length; i++) expect(tl[i]!.t).toBeGreaterThanOrEqual(tl[i - 1]!.t);
  });
});

/** A seeded uniform stream (the tests stay deterministic). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const P95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1]!;

/**
 * A modem's droptail uplink queue (24/1 ADSL, 300 ms of buffer): with up to CAP entries in flight
 * the line keeps up; each one more adds MS_PER of standing queue on average. A queue fed by bursts
 * swings: a round trip waits anywhere from nothing to twice the mean, never more than the buffer.
 * So the median sees half of what the tail (and a ping beside the run) sees.
 */
const DROPTAIL = { cap: 24, msPer: 12, bufferMs: 300 };
function droptailWindow(c: ConcurrencyController, limit: number, rnd: () => number, seen: number[]): void {
  const mean = Math.min(DROPTAIL.bufferMs / 2, DROPTAIL.msPer * Math.max(0, limit - DROPTAIL.cap));
  for (let i = 0; i < 60; i++) {
    const q = Math.min(DROPTAIL.bufferMs, 2 * mean * rnd());
    seen.push(q);
    const [key, base] = i % 3 === 0 ? ['udp 198.18.1.53:53', 1.2] : i % 3 === 1 ? ['doh https://198.18.3.53/dns-query', 21] : ['tcp', 0.8];
    c.sample(key as string, (base as number) * (0.9 + 0.2 * rnd()) + q);
  }
}

describe('the queue signal (a modem\'s droptail queue, a loaded CPU)', () => {
  it('backs off on a 300 ms droptail queue before the tail passes 100 ms, where the medians alone would not', () => {
    const c = concurrencyController({}, 0);
    const rnd = uniform(7);
    const tail: number[] = [];
    const limits: number[] = [];
    const decisions: Decision[] = [];
    for (let t = 1000; t <= 120_000; t += 1000) {
      const seen: number[] = [];
      droptailWindow(c, c.limit, rnd, seen);
      decisions.push(c.decide(t, c.limit));
      if (t > 30_000) {
        tail.push(...seen);
        limits.push(c.limit);
      }
    }
    const backOffs = decisions.filter((d) => d.action === 'back-off');
    expect(backOffs.length).toBeGreaterThan(3);
    // The queue signal decided: the window medians stayed under the old back-off threshold.
    expect(backOffs.filter((d) => d.inflation! <= BACK_OFF_ABOVE).length).toBeGreaterThan(0);
    for (const d of backOffs) expect(d.queue).toBeGreaterThan(QUEUE_TARGET_MS);
    // Settled: a ping beside the run would see under 100 ms more at its p95...
    expect(P95(tail)).toBeLessThan(100);
    // ...and the line stays busy: the limit sits around its capacity, not far below.
    const mean = limits.reduce((a, b) => a + b, 0) / limits.length;
    expect(mean).toBeGreaterThan(0.85 * DROPTAIL.cap);
    expect(Math.max(...limits)).toBeLessThan(2 * DROPTAIL.cap);
  });

  it('the medians alone (a queue signal blind to the tail) would settle with a tail over 100 ms', () => {
    // The same line read through window medians only (the event loop reported late, so the tail is
    // not judged): the controller keeps a much longer queue.
    const c = concurrencyController({}, 0);
    const rnd = uniform(7);
    const tail: number[] = [];
    for (let t = 1000; t <= 120_000; t += 1000) {
      const seen: number[] = [];
      droptailWindow(c, c.limit, rnd, seen);
      c.decide(t, c.limit, 10_000);
      if (t > 30_000) tail.push(...seen);
    }
    expect(P95(tail)).toBeGreaterThan(150);
  });

  it('grows on an idle line to its max, the queue reading zero', () => {
    const c = concurrencyController({}, 0);
    const rnd = uniform(3);
    for (let t = 1000; t <= 10_000; t += 1000) {
      droptailWindow(c, 0, rnd, []);
      const d = c.decide(t, c.limit, 2);
      expect(d.queue).toBeLessThan(QUEUE_GROW_BELOW);
    }
    expect(c.limit).toBe(AUTO_DEFAULTS.max);
  });

  it('does not read a loaded CPU (the event loop hundreds of ms late at its tail) as a queue on the line', () => {
    // Every round trip is read late by as much as the loop runs late: mostly tens of ms, one in
    // five by 100-600 ms (measured at load 9 on 2 cores: the loop's p99 200-600 ms).
    const loaded = (c: ConcurrencyController, rnd: () => number): number => {
      const late: number[] = [];
      for (let i = 0; i < 60; i++) {
        const l = rnd() < 0.8 ? 40 * rnd() : 100 + 500 * rnd();
        late.push(l);
        c.sample(i % 2 ? 'tcp' : 'udp 198.18.1.53:53', (i % 2 ? 0.8 : 1.2) + l);
      }
      return P95(late);
    };
    const c = concurrencyController({}, 0);
    const rnd = uniform(11);
    const actions: string[] = [];
    for (let t = 1000; t <= 20_000; t += 1000) {
      const late = loaded(c, rnd);
      actions.push(c.decide(t, c.limit, late).action);
    }
    expect(actions).not.toContain('back-off');
    expect(c.limit).toBe(AUTO_DEFAULTS.max);
    // A loop only somewhat late (just over BUSY_LOOP_MS): the tail is not judged at all.
    const some = concurrencyController({}, 0);
    const rnd3 = uniform(5);
    for (let t = 1000; t <= 5000; t += 1000) {
      droptailWindow(some, 60, rnd3, []);
      expect(some.decide(t, some.limit, BUSY_LOOP_MS + 1).queue).toBeNull();
    }
    // Blind to the loop's lateness, the same samples would read as a queue and back off.
    const blind = concurrencyController({}, 0);
    const rnd2 = uniform(11);
    const blindActions: string[] = [];
    for (let t = 1000; t <= 20_000; t += 1000) {
      loaded(blind, rnd2);
      blindActions.push(blind.decide(t, blind.limit).action);
    }
    expect(blindActions).toContain('back-off');
  });
});

function query(resolver: string, t0: number, t: number, over: Partial<DnsQuery> = {}): DnsQuery {
  return { engine: 'udp', resolver_address: resolver, hostname: 'a.example', query_type: 'A', transaction_id: 1, t0, t, failure: null, rcode: 'NOERROR', flags: [], answers: [], reply_index: 0, tags: [], ...over };
}

describe('feedSteps', () => {
  it('samples the deciding replies and successful connects only', () => {
    const got: [string, number][] = [];
    const c = { sample: (k: string, ms: number) => got.push([k, Math.round(ms)]) } as unknown as ConcurrencyController;
    feedSteps(c, {
      queries: [
        query('198.18.1.53:53', 0, 0.02),
        query('198.18.1.53:53', 0, 0.005, { reply_index: 1 }),
        query('198.18.1.53:53', 0, 4, { rcode: null, failure: 'generic_timeout_error' }),
      ],
      tcp_connect: [
        { ip: '198.18.9.1', port: 443, t0: 0.1, t: 0.103, status: { success: true, failure: null }, tags: [] },
        { ip: '198.18.9.2', port: 443, t0: 0.1, t: 2.1, status: { success: false, failure: 'generic_timeout_error' }, tags: [] },
      ],
    });
    expect(got).toEqual([['udp 198.18.1.53:53', 20], ['tcp', 3]]);
  });
});

describe('measureAll with --concurrency auto', () => {
  it('honours the limit as it changes: grows on a flat line, backs off when the simulated line queues', async () => {
    // A simulated line that carries CAPACITY entries at once; beyond that each one more in flight
    // adds 20 ms of queueing to every round trip (and to the entry's time).
    const CAPACITY = 24;
    const limit = pLimit(4);
    const controller = concurrencyController({ initial: 4, windowMs: 40, minSamples: 8, step: 2 }, performance.now());
    // An entry admitted just before a back-off starts a microtask later, under the new limit: allowed
    // are the limit in force and the one before it. Counted: entries in the loop's hands (p-limit's
    // active count); those admitted under a higher limit may still be in flight, never new ones.
    let previous = controller.limit;
    const decide = controller.decide.bind(controller);
    controller.decide = (now, active) => {
      const before = controller.limit;
      const d = decide(now, active);
      if (d.limit !== before) previous = before;
      return d;
    };
    let inFlight = 0;
    let overLimit = 0;
    const limits: number[] = [];
    const measure = async (entry: ListEntry): Promise<TestKeys> => {
      inFlight++;
      // (The first few entries were admitted at once and start over the loop's first second: not counted.)
      if (entry.line - 2 >= 4 && limit.activeCount > Math.max(limit.concurrency, previous)) overLimit++;
      limits.push(limit.concurrency);
      const ms = 5 + 20 * Math.max(0, inFlight - CAPACITY);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      const keys = emptyKeys();
      keys.queries.push(query('198.18.1.53:53', 0, ms / 1000));
      return keys;
    };
    const entries: ListEntry[] = Array.from({ length: 1500 }, (_, i) => ({
      input: `http://e${i}.example/`, url: `http://e${i}.example/`, scheme: 'http', host: `e${i}.example`, host_unicode: `e${i}.example`,
      port: null, path: '/', is_ip: false, category_code: 'GMB', list: 'sim.csv', line: i + 2, source: '', notes: '', extra: {},
    }));
    const written: unknown[] = [];
    const env = { blockpages: blockpageMemory(), ipv6: false } as unknown as ProbeEnv;
    const done = await measureAll(entries, {
      env, measure, limit, controller, gate: null, runId: 'sim', already: 0, total: entries.length,
      context: { isp_resolver: '198.18.1.53:53', foreign: [], routable_nets: ['198.18.0.0/15'], blockpage_ips: {}, ipv6: false },
      asnDb: { lookup: () => null } as unknown as AsnDb,
      sink: { write: (r) => written.push(r) },
    });
    expect(done).toBe(entries.length);
    expect(written).toHaveLength(entries.length);
    // Entries never started beyond the limit in force (p-limit's setter, read live).
    expect(overLimit).toBe(0);
    const timeline = controller.timeline().map((p) => p.concurrency);
    expect(Math.max(...timeline)).toBeGreaterThan(CAPACITY);
    // At least one back-off after growing past the line's capacity...
    expect(timeline.some((v, i) => i > 0 && v < timeline[i - 1]!)).toBe(true);
    // ...and the limit ends near the capacity, not at the controller's max.
    expect(controller.limit).toBeLessThan(AUTO_DEFAULTS.max);
    expect(Math.max(...limits)).toBeLessThan(4 * CAPACITY);
  });
});
