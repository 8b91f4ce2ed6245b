import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { formatIp } from '../src/ip.js';
import { SPECIAL_IPV4, SPECIAL_IPV6, describeBlock, isLoopbackOrUnspecified, nonPublicBlock, specialBlocks, type SpecialBlock } from '../src/special-addresses.js';

/** The address `delta` away from `text` (same family), or null past either end of the family's space. */
function step(text: string, delta: number): string | null {
  const bytes = ipaddr.parse(text).toByteArray();
  let n = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n) + BigInt(delta);
  if (n < 0n || n >= 1n << BigInt(bytes.length * 8)) return null;
  const out = new Uint8Array(bytes.length);
  for (let i = bytes.length - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return formatIp(out);
}

function edges(block: SpecialBlock): { first: string; last: string } {
  const kind = block.cidr.includes(':') ? ipaddr.IPv6 : ipaddr.IPv4;
  return { first: kind.networkAddressFromCIDR(block.cidr).toString(), last: kind.broadcastAddressFromCIDR(block.cidr).toString() };
}

const rows = [...SPECIAL_IPV4, ...SPECIAL_IPV6].map((b) => [b.cidr, b] as const);

describe('the special-purpose table (IANA registries)', () => {
  it('holds both families, every block written as its own network address', () => {
    expect(SPECIAL_IPV4.every((b) => !b.cidr.includes(':'))).toBe(true);
    expect(SPECIAL_IPV6.every((b) => b.cidr.includes(':'))).toBe(true);
    for (const [cidr, b] of rows) expect(`${edges(b).first}/${cidr.split('/')[1]}`).toBe(cidr);
    // The registries' rows as of their last update, plus multicast (both) and IPv6 site-local.
    expect(SPECIAL_IPV4.filter((b) => b.registry === 'special-purpose')).toHaveLength(26);
    expect(SPECIAL_IPV6.filter((b) => b.registry === 'special-purpose')).toHaveLength(25);
  });

  it.each(rows)('%s: both edges are inside, the addresses just outside are not', (_cidr, block) => {
    const { first, last } = edges(block);
    expect(specialBlocks(first)).toContain(block);
    expect(specialBlocks(last)).toContain(block);
    for (const outside of [step(first, -1), step(last, 1)]) {
      if (outside !== null) expect(specialBlocks(outside)).not.toContain(block);
    }
    if (block.globallyReachable !== true) {
      expect(nonPublicBlock(first)).not.toBeNull();
      expect(nonPublicBlock(last)).not.toBeNull();
    }
  });

  it.each([
    ['0.0.0.0', 'This host on this network'],
    ['0.255.255.255', 'This network'],
    ['10.255.255.255', 'Private-Use'],
    ['100.127.255.255', 'Shared Address Space'],
    ['127.0.0.1', 'Loopback'],
    ['192.0.0.9', 'IETF Protocol Assignments'], // globally reachable itself, but inside a block that is not
    ['192.88.99.1', 'Deprecated (6to4 Relay Anycast)'],
    ['192.88.99.2', '6a44-relay anycast address'],
    ['198.19.255.255', 'Benchmarking'],
    ['224.0.0.251', 'Multicast'],
    ['255.255.255.255', 'Limited Broadcast'],
    ['::', 'Unspecified Address'],
    ['::ffff:10.0.0.1', 'Private-Use'], // an IPv4-mapped address is its IPv4 address
    ['64:ff9b:1::1', 'IPv4-IPv6 Translation (local use)'],
    ['100::ffff:ffff:ffff:ffff', 'Discard-Only Address Block'],
    ['2001::1', 'TEREDO'],
    ['2001:20::1', 'IETF Protocol Assignments'],
    ['2002:808:808::1', '6to4'],
    ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'Documentation'],
    ['5f00::1', 'Segment Routing (SRv6) SIDs'],
    ['fdff::1', 'Unique-Local'],
    ['febf::1', 'Link-Local Unicast'],
    ['fec0::1', 'Site-Local (deprecated)'],
    ['ff02::1', 'Multicast'],
  ])('%s is no public address: %s', (ip, name) => {
    expect(nonPublicBlock(ip)?.name).toBe(name);
  });

  it.each(['8.8.8.8', '1.0.0.1', '9.255.255.255', '11.0.0.0', '100.128.0.0', '172.32.0.0', '192.0.3.0', '192.31.196.1', '192.52.193.1', '192.175.48.1', '198.20.0.0', '223.255.255.255', '::ffff:93.184.216.34', '2a00:1450:4001::1', '64:ff9b::808:808', '2620:4f:8000::1', '3fff:1000::', '2001:200::1'])(
    '%s is public',
    (ip) => {
      expect(nonPublicBlock(ip)).toBeNull();
    },
  );

  it('names a block with its network and RFC, and knows where no site can be', () => {
    expect(describeBlock(nonPublicBlock('10.1.2.3')!)).toBe('Private-Use (10.0.0.0/8, RFC 1918)');
    for (const ip of ['127.0.0.1', '127.255.255.254', '0.0.0.0', '::', '::1', '0:0::1', '::ffff:127.0.0.1']) expect(isLoopbackOrUnspecified(ip)).toBe(true);
    for (const ip of ['0.0.0.1', '10.0.0.1', '128.0.0.1', '::2', 'localhost']) expect(isLoopbackOrUnspecified(ip)).toBe(false);
    expect(specialBlocks('not an address')).toEqual([]);
    expect(nonPublicBlock('not an address')).toBeNull();
  });
});
