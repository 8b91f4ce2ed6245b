import { describe, expect, it } from 'vitest';
import { GuardError, UsageError } from '../../src/errors.js';
import { AddressPolicy, embeddedIPv4, ipv6Bytes } from '../../src/control/policy.js';
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

describe('embeddedIPv4', () => {
  it('finds the IPv4 address inside mapped, compatible, NAT64 and 6to4 forms', () => {
    expect(embeddedIPv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIPv4('::ffff:a00:1')).toBe('10.0.0.1');
    expect(embeddedIPv4('::10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIPv4('64:ff9b::192.168.0.1')).toBe('192.168.0.1');
    expect(embeddedIPv4('2002:0a00:0001::')).toBe('10.0.0.1');
    expect(embeddedIPv4('2a00:1450::1')).toBeNull();
    expect(embeddedIPv4('::1')).toBeNull();
    expect(ipv6Bytes('1::')).toEqual([0, 1, ...new Array<number>(14).fill(0)]);
  });
});
