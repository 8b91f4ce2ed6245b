import { describe, expect, it } from 'vitest';
import { parseRate, rateGate } from '../../src/probe/rate.js';

describe('parseRate', () => {
  it('reads entries per second, minute or hour', () => {
    expect(parseRate('50/s')).toBe(50);
    expect(parseRate('50')).toBe(50);
    expect(parseRate(' 0.5/s ')).toBe(0.5);
    expect(parseRate('3000/min')).toBe(50);
    expect(parseRate('120/m')).toBe(2);
    expect(parseRate('7200/h')).toBe(2);
  });

  it('refuses what is not a positive rate, with CP_USAGE', () => {
    for (const bad of ['', 'fast', '0/s', '-5/s', '50/day', '50/s/s', '1e3']) {
      expect(() => parseRate(bad), bad).toThrow(expect.objectContaining({ code: 'CP_USAGE' }));
    }
  });
});

/** A fake clock: waiting advances it, so slots are observable without real time. */
function fakeClock() {
  let t = 1000;
  const waits: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    waits,
    wait: async (ms: number) => {
      waits.push(ms);
    },
  };
}

describe('rateGate', () => {
  it('spaces starts evenly at 1/rate without an initial burst', async () => {
    const c = fakeClock();
    const gate = rateGate(50, { now: c.now, wait: c.wait });
    for (let i = 0; i < 5; i++) await gate();
    // Five callers at the same instant: the first goes at once, the rest 20 ms apart.
    expect(c.waits).toEqual([20, 40, 60, 80]);
  });

  it('does not bank missed slots when callers come late', async () => {
    const c = fakeClock();
    const gate = rateGate(10, { now: c.now, wait: c.wait });
    await gate();
    c.advance(1000); // ten slots' worth of idle time
    await gate();
    await gate();
    // The late caller goes at once; the next one still waits a full interval.
    expect(c.waits).toEqual([100]);
  });

  it('lets every waiter go at once when the run is aborted', async () => {
    const ac = new AbortController();
    const gate = rateGate(1, { signal: ac.signal });
    await gate(); // takes the first slot; the next is one second away
    const t0 = performance.now();
    const pending = Promise.all([gate(), gate(), gate()]);
    setTimeout(() => ac.abort(), 50);
    await pending;
    expect(performance.now() - t0).toBeLessThan(900);
    await gate(); // after the abort: immediate
    expect(performance.now() - t0).toBeLessThan(900);
  });

  it('holds a real rate over real time', async () => {
    const gate = rateGate(100);
    const t0 = performance.now();
    for (let i = 0; i < 21; i++) await gate();
    // 21 starts at 100/s span 200 ms.
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(600);
  });
});
