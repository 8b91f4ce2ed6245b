import { describe, expect, it } from 'vitest';
import { bandwidthBound, serialProfile, settledConcurrency, waitBound } from '../../bench/ideal.js';

describe('ideal lower bound', () => {
  const serial = [
    { kind: 'dns', s: 0.4 },
    { kind: 'dns', s: 0.4 },
    { kind: 'gone', s: 17 },
  ];
  const p = serialProfile(serial, 30);

  it('profiles the serial run by kind, the rest of its wall time being fixed', () => {
    expect(p.meanByKind).toEqual({ dns: 0.4, gone: 17 });
    expect(p.mean).toBeCloseTo(17.8 / 3);
    expect(p.fixedS).toBeCloseTo(30 - 17.8);
  });

  it('spreads the waits over the concurrency, never below the slowest entry', () => {
    expect(waitBound({ dns: 1000, gone: 10 }, p, 10)).toBeCloseTo(p.fixedS + (400 + 170) / 10);
    expect(waitBound({ dns: 10, gone: 1 }, p, 100)).toBeCloseTo(p.fixedS + 17);
    // A kind the serial run lacked counts at the serial mean.
    expect(waitBound({ drop: 100 }, p, 1)).toBeCloseTo(p.fixedS + 100 * p.mean);
  });

  it('bounds a shaped line by its slower direction', () => {
    expect(bandwidthBound(125_000, 0, 1, 24, 2)).toBeCloseTo(3);
    expect(bandwidthBound(0, 30_000_000, 1, 24, 0)).toBeCloseTo(10);
  });
});

describe('settledConcurrency', () => {
  it('averages the limit over the time each value held, up to the end of the loop', () => {
    const timeline = [{ t: 0, concurrency: 16 }, { t: 2, concurrency: 64 }, { t: 4, concurrency: 32 }];
    // 16 for 2 s, 64 for 2 s, 32 for 6 s.
    expect(settledConcurrency(timeline, 10)).toBeCloseTo((16 * 2 + 64 * 2 + 32 * 6) / 10);
    expect(settledConcurrency([{ t: 0, concurrency: 16 }], 0)).toBe(16);
    expect(settledConcurrency([], 10)).toBeNaN();
  });
});
