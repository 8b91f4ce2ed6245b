import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { GuardError, UsageError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';
import { SPECIAL_IPV4, SPECIAL_IPV6 } from '../../src/special-addresses.js';

describe('NetGuard', () => {
  const guard = NetGuard.parse('198.18.0.0/15, 127.0.0.0/8,::1/128');

  it('allows addresses inside the listed networks, v4 and v6', () => {
    expect(guard.allows('198.18.3.53')).toBe(true);
    expect(guard.allows('198.19.255.255')).toBe(true);
    expect(guard.allows('127.0.0.1')).toBe(true);
    expect(guard.allows('::1')).toBe(true);
  });

  it('refuses everything else, and names, with a GuardError that names the step', () => {
    for (const ip of ['198.20.0.1', '1.1.1.1', '10.0.0.1', '2001:db8::1', 'example.com', '']) expect(guard.allows(ip)).toBe(false);
    expect(() => guard.check('9.9.9.9', 'resolver udp://9.9.9.9')).toThrow(GuardError);
    try {
      guard.check('9.9.9.9', 'resolver udp://9.9.9.9');
    } catch (err) {
      expect((err as GuardError).code).toBe('CP_GUARD');
      expect((err as Error).message).toContain('resolver udp://9.9.9.9');
    }
  });

  it('answers a question asked again as the first time, also after its memory of answers filled up', () => {
    const fresh = NetGuard.parse('198.18.0.0/15');
    // 10,000 addresses, every other one outside: more than the guard keeps, so its memory is emptied twice.
    const ask = () => Array.from({ length: 10_000 }, (_, i) => fresh.allows(`${i % 2 ? '198.18' : '198.20'}.${(i >> 8) & 255}.${i & 255}`));
    const first = ask();
    expect(first.filter(Boolean)).toHaveLength(5_000);
    expect(ask()).toEqual(first);
    expect(() => fresh.check('198.20.0.0', 'again')).toThrow(GuardError);
    expect(() => fresh.check('198.20.0.0', 'again')).toThrow(GuardError);
  });

  it('judges an IPv4-mapped address as its IPv4 address, and no other IPv6 form', () => {
    expect(guard.allows('::ffff:198.18.3.53')).toBe(true);
    expect(guard.allows('::ffff:c612:335')).toBe(true);
    // ::198.18.3.53 (IPv4-compatible) is the IPv6 address ::c612:335, and 64:ff9b::/96 goes to a NAT64 box.
    for (const ip of ['::198.18.3.53', '64:ff9b::198.18.3.53', '2002:c612:335::1', '::ffff:10.0.0.1']) expect(guard.allows(ip)).toBe(false);
  });

  it('refuses every special-purpose block outside its networks, at both edges', () => {
    for (const block of [...SPECIAL_IPV4, ...SPECIAL_IPV6]) {
      if (['198.18.0.0/15', '127.0.0.0/8', '::1/128', '::ffff:0:0/96'].includes(block.cidr)) continue;
      const kind = block.cidr.includes(':') ? ipaddr.IPv6 : ipaddr.IPv4;
      for (const ip of [kind.networkAddressFromCIDR(block.cidr).toString(), kind.broadcastAddressFromCIDR(block.cidr).toString()]) {
        expect(guard.allows(ip), `${ip} in ${block.cidr}`).toBe(false);
      }
    }
  });

  it('rejects malformed networks as usage errors', () => {
    for (const bad of ['198.18.0.0/33', 'x/8', '1.2.3.4/8/9', '::1/129', '10.0.0.0/', '10.0.0.0/1e1']) expect(() => NetGuard.parse(bad)).toThrow(UsageError);
  });
});
