import { describe, expect, it } from 'vitest';
import { swapMemory, type SwapResult } from '../../src/probe/swap-memory.js';

const result = (ok: boolean, ip = '198.18.2.10'): SwapResult => ({
  ok,
  keys: { tcp_connect: [{ ip, port: 80, t0: 0, t: 0.01, status: { success: ok, failure: ok ? null : 'generic_timeout_error' }, tags: ['swap-innocuous'] }], tls_handshakes: [], requests: [] },
});

function counter(ok: boolean | (() => boolean), delayMs = 5) {
  let calls = 0;
  return {
    calls: () => calls,
    measure: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, delayMs));
      return result(typeof ok === 'function' ? ok() : ok);
    },
  };
}

describe('swapMemory', () => {
  it('measures an address once for entries arriving together, and hands them its success', async () => {
    const mem = swapMemory();
    const m = counter(true);
    const got = await Promise.all(Array.from({ length: 10 }, () => mem.innocuous('http://198.18.2.10:80', m.measure)));
    expect(m.calls()).toBe(1);
    expect(got.filter((g) => !g.shared)).toHaveLength(1);
    expect(got.every((g) => g.result.ok)).toBe(true);
    expect(mem.reused()).toBe(9);
  });

  it('never reuses a failure: every entry measures it again', async () => {
    const mem = swapMemory();
    const m = counter(false);
    const got = await Promise.all(Array.from({ length: 4 }, () => mem.innocuous('https://198.18.2.11:443', m.measure)));
    expect(got.every((g) => !g.shared && !g.result.ok)).toBe(true);
    expect(m.calls()).toBe(4);
    expect(mem.reused()).toBe(0);
  });

  it('measures again after `reuse` entries and after maxAgeMs', async () => {
    let clock = 0;
    const mem = swapMemory({ reuse: 3, maxAgeMs: 1000, now: () => clock });
    const m = counter(true, 0);
    for (let i = 0; i < 8; i++) await mem.innocuous('k', m.measure);
    // 1 measured + 3 reused, then again 1 + 3.
    expect(m.calls()).toBe(2);
    clock = 5000;
    await mem.innocuous('k', m.measure);
    expect(m.calls()).toBe(3);
  });

  it('keys are separate (address, port, scheme) and the map is bounded', async () => {
    const mem = swapMemory({ maxKeys: 2 });
    const m = counter(true, 0);
    await mem.innocuous('a', m.measure);
    await mem.innocuous('b', m.measure);
    await mem.innocuous('c', m.measure);
    expect(m.calls()).toBe(3);
    await mem.innocuous('c', m.measure);
    expect(m.calls()).toBe(3);
    // 'a' was the oldest and dropped when 'c' came in.
    await mem.innocuous('a', m.measure);
    expect(m.calls()).toBe(4);
  });

  it('a success that turns into a failure is measured afresh by the next entry', async () => {
    let ok = true;
    const mem = swapMemory({ reuse: 1 });
    const m = counter(() => ok, 0);
    await mem.innocuous('k', m.measure);
    await mem.innocuous('k', m.measure);
    ok = false;
    const third = await mem.innocuous('k', m.measure);
    expect(third).toMatchObject({ shared: false, result: { ok: false } });
    const fourth = await mem.innocuous('k', m.measure);
    expect(fourth.shared).toBe(false);
    expect(m.calls()).toBe(3);
  });
});
