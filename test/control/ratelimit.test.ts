import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/control/ratelimit.js';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.retryAfter('a')).toBe(1);
    now += 500; // one token back
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    now += 10_000; // never more than the burst
    expect(limiter.take('a', 3)).toBe(true);
    expect(limiter.take('a')).toBe(false);
  });

  it('takes nothing when a multi-token cost cannot be paid', () => {
    const now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 5 }, () => now);
    expect(limiter.take('a', 4)).toBe(true);
    expect(limiter.take('a', 2)).toBe(false);
    expect(limiter.take('a', 1)).toBe(true);
  });
});
