import { describe, expect, it } from 'vitest';
import type { DnsQuery } from '../../src/observations.js';
import { dnsShare, sharedCopy, type DnsPhase } from '../../src/probe/dns-share.js';

const q = (name: string): DnsQuery =>
  ({ engine: 'udp', resolver_address: '198.18.1.53:53', hostname: name, query_type: 'A', answers: [], failure: null, rcode: 'NOERROR', reply_index: 0, t0: 0, t: 0.002, tags: ['isp'] }) as unknown as DnsQuery;

function starter(name: string) {
  let calls = 0;
  return { calls: () => calls, start: (): DnsPhase => { calls++; return { decided: Promise.resolve([q(name)]), all: Promise.resolve([q(name)]) }; } };
}

describe('dnsShare', () => {
  it('a name listed once is asked by its entry and not remembered', () => {
    const share = dnsShare(['a.example', 'b.example']);
    const s = starter('a.example');
    expect(share.phase('a.example', s.start).shared).toBe(false);
    expect(share.phase('a.example', s.start).shared).toBe(false);
    expect(s.calls()).toBe(2);
    expect(share.reused()).toBe(0);
  });

  it('a name listed three times is asked once; the phase is forgotten after its last entry', async () => {
    const share = dnsShare(['x.example', 'x.example', 'y.example', 'x.example']);
    const s = starter('x.example');
    const got = [share.phase('x.example', s.start), share.phase('x.example', s.start), share.phase('x.example', s.start)];
    expect(got.map((g) => g.shared)).toEqual([false, true, true]);
    expect(got[1]!.phase).toBe(got[0]!.phase);
    expect(s.calls()).toBe(1);
    expect(share.reused()).toBe(2);
    // A fourth use (not foreseen, e.g. a retry) starts afresh instead of holding memory.
    expect(share.phase('x.example', s.start).shared).toBe(false);
    expect(s.calls()).toBe(2);
  });

  it('copies are tagged shared and leave the original untouched', () => {
    const orig = q('x.example');
    const copy = sharedCopy(orig);
    expect(copy.tags).toEqual(['isp', 'shared']);
    expect(orig.tags).toEqual(['isp']);
  });
});
