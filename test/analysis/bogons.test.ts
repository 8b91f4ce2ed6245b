import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { bogonCheck } from '../../src/analysis/bogons.js';
import { SPECIAL_IPV4, SPECIAL_IPV6 } from '../../src/special-addresses.js';

const edges = (cidr: string): string[] => {
  const kind = cidr.includes(':') ? ipaddr.IPv6 : ipaddr.IPv4;
  return [kind.networkAddressFromCIDR(cidr).toString(), kind.broadcastAddressFromCIDR(cidr).toString()];
};

describe('bogonCheck', () => {
  const isBogon = bogonCheck([]);

  it('flags both edges of every block of the special-purpose table not marked globally reachable', () => {
    for (const block of [...SPECIAL_IPV4, ...SPECIAL_IPV6].filter((b) => b.globallyReachable !== true)) {
      for (const ip of edges(block.cidr)) expect(isBogon(ip), `${ip} in ${block.cidr}`).toBe(true);
    }
  });

  it('leaves public addresses, reachable special blocks and non-addresses alone', () => {
    for (const ip of ['93.184.216.34', '2a00:1450:4001::1', '::ffff:93.184.216.34', '192.31.196.1', '2620:4f:8000::1', 'example.com', '']) expect(isBogon(ip)).toBe(false);
    expect(isBogon('::ffff:127.0.0.1')).toBe(true);
  });

  it('never flags the routable networks, except loopback and the unspecified address', () => {
    const lab = bogonCheck(['198.18.0.0/15', '127.0.0.0/8', 'fc00::/7', 'not a network']);
    expect(lab('198.18.3.53')).toBe(false);
    expect(lab('198.20.0.1')).toBe(false); // public, as it is without routable networks
    expect(lab('fc00::1')).toBe(false);
    for (const ip of ['127.0.0.1', '0.0.0.0', '::', '::1', '0:0::1']) expect(lab(ip)).toBe(true);
    expect(lab('10.0.0.1')).toBe(true);
  });
});
