import { describe, expect, it } from 'vitest';
import { parseResolverSpec } from '../../src/dns/index.js';
import { identifyIsp } from '../../src/isp/index.js';
import { NetGuard, openGuard } from '../../src/net/guard.js';
import { relayPlan } from '../../src/probe/relay.js';

describe('a home router relaying DNS', () => {
  const cosmote = identifyIsp({ asn: 6799 });

  it('adds the detected ISP\'s own resolvers (IPv4 unless the line has IPv6)', () => {
    const plan = relayPlan(parseResolverSpec('udp://192.168.1.1:53'), cosmote, openGuard, false);
    expect(plan.relayedBy).toBe('192.168.1.1');
    expect(plan.direct.map((r) => r.spec)).toEqual(['udp://195.170.0.1:53', 'udp://212.205.212.205:53']);
    expect(relayPlan(parseResolverSpec('udp://192.168.1.1:53'), cosmote, openGuard, true).direct.length).toBe(3);
  });

  it('adds nothing when the system resolver is no relay, or the ISP is unknown', () => {
    expect(relayPlan(parseResolverSpec('udp://195.170.0.1:53'), cosmote, openGuard, false)).toEqual({ relayedBy: null, direct: [], refused: [] });
    expect(relayPlan(parseResolverSpec('udp://127.0.0.53:53'), null, openGuard, false)).toMatchObject({ relayedBy: '127.0.0.53', direct: [] });
  });

  it('keeps the guard: resolvers outside --only-nets are listed, never asked', () => {
    const plan = relayPlan(parseResolverSpec('udp://127.0.0.53:53'), cosmote, NetGuard.parse('127.0.0.0/8'), false);
    expect(plan.direct).toEqual([]);
    expect(plan.refused).toEqual(['195.170.0.1', '212.205.212.205']);
  });
});
