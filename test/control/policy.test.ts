import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { GuardError, UsageError } from '../../src/errors.js';
import { AddressPolicy } from '../../src/control/policy.js';
import { describeBlock, nonPublicBlock, SPECIAL_IPV4, SPECIAL_IPV6 } from '../../src/special-addresses.js';
import { REFUSED_SAMPLES } from './fixtures.js';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each(Object.entries(REFUSED_SAMPLES))('refuses %s (%s)', (ip, why) => {
    expect(policy.refusal(ip)).toBe(why);
    expect(policy.allows(ip)).toBe(false);
    expect(() => policy.check(ip, 'test')).toThrow(GuardError);
  });

  it('allows public unicast addresses', () => {
    for (const ip of ['93.184.216.34', '8.8.4.4', '2a00:1450:4001::1', '::ffff:93.184.216.34']) {
      expect(policy.refusal(ip)).toBeNull();
      expect(() => policy.check(ip, 'test')).not.toThrow();
    }
  });

  it('refuses both edges of every block of the special-purpose table that is not globally reachable', () => {
    for (const block of [...SPECIAL_IPV4, ...SPECIAL_IPV6].filter((b) => b.globallyReachable !== true)) {
      const kind = block.cidr.includes(':') ? ipaddr.IPv6 : ipaddr.IPv4;
      for (const ip of [kind.networkAddressFromCIDR(block.cidr).toString(), kind.broadcastAddressFromCIDR(block.cidr).toString()]) {
        expect(policy.refusal(ip), `${ip} in ${block.cidr}`).not.toBeNull();
      }
    }
    // Reachable blocks outside any refused one are contacted like any public address.
    for (const ip of ['192.31.196.1', '192.52.193.1', '192.175.48.1', '2620:4f:8000::1']) expect(policy.refusal(ip)).toBeNull();
    expect(policy.refusal('10.9.9.9')).toBe(describeBlock(nonPublicBlock('10.9.9.9')!));
  });

  it('refuses what is not a plain IP address', () => {
    expect(policy.refusal('example.com')).toBe('not an IP address');
    expect(policy.refusal('fe80::1%eth0')).toBe('scoped address');
  });

  it('re-allows --allow-nets, keeping every other refusal and the metadata service', () => {
    const lab = AddressPolicy.parse('198.18.0.0/15,127.0.0.0/8,169.254.0.0/16,fd00::/8');
    expect(lab.allows('198.19.3.90')).toBe(true);
    expect(lab.allows('127.0.0.5')).toBe(true);
    expect(lab.allows('::ffff:127.0.0.1')).toBe(true);
    expect(lab.allows('169.254.1.1')).toBe(true);
    expect(lab.allows('169.254.169.254')).toBe(false);
    expect(lab.allows('fd00:ec2::254')).toBe(false);
    expect(lab.allows('fd00:ec2:0:0:0:0:0:254')).toBe(false);
    expect(lab.allows('10.0.0.1')).toBe(false);
    expect(lab.allows('::1')).toBe(false);
  });

  it('rejects malformed --allow-nets', () => {
    expect(() => AddressPolicy.parse('10.0.0.0/33')).toThrow(UsageError);
    expect(() => AddressPolicy.parse('nonsense')).toThrow(UsageError);
  });
});
