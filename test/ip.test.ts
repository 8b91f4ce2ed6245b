import { describe, expect, it } from 'vitest';
import { embeddedIPv4, formatIp, ipBytes, Networks, parseIp, parseNetwork } from '../src/ip.js';

describe('parseIp', () => {
  it('reads what a socket accepts, and nothing else', () => {
    expect(parseIp('192.0.2.1')?.toString()).toBe('192.0.2.1');
    expect(parseIp('2001:DB8:0::1')?.toString()).toBe('2001:db8::1');
    // ipaddr.js alone reads these as 127.0.0.1; node:net does not, so neither do we.
    // The IPv4-compatible form is not the IPv4-mapped one (ipaddr.js alone confuses them).
    expect(parseIp('::198.18.0.1')?.toString()).toBe('::c612:1');
    expect(parseIp('ffff::255.255.255.255')?.toString()).toBe('ffff::ffff:ffff');
    for (const bad of ['127.1', '0x7f.0.0.1', '2130706433', '127.000.0.1', ' 1.2.3.4', '1::2::3', 'example.com', '']) expect(parseIp(bad)).toBeNull();
  });

  it('reads every IPv6 spelling as the WHATWG URL parser built into Node does', () => {
    const spellings = ['::', '::1', '1::', '::ffff:1.2.3.4', '::1.2.3.4', '0:0:0:0:0:0:1.2.3.4', '::ffff:0:1.2.3.4', 'ffff::1.2.3.4', '64:ff9b::10.0.0.1',
      '2001:db8::1:0:0:1', '2001:0db8:0000:0000:0001:0000:0000:0001', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', 'FE80::ABCD', 'fe80:0:0::1'];
    for (const text of spellings) expect(`[${parseIp(text)?.toString()}]`, text).toBe(new URL(`http://[${text}]/`).hostname);
  });
});

describe('ipBytes and formatIp', () => {
  it('reads every IPv6 spelling to the same bytes', () => {
    const want = '20010db8000000000000000000000001';
    for (const a of ['2001:db8::1', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0::1', '2001:db8::1%eth0', ' 2001:db8::1 ']) {
      expect(Buffer.from(ipBytes(a) ?? []).toString('hex')).toBe(want);
    }
    expect(Buffer.from(ipBytes('::ffff:192.0.2.1') ?? []).toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect([...(ipBytes('192.0.2.1') ?? [])]).toEqual([192, 0, 2, 1]);
    expect(ipBytes('not-an-ip')).toBeNull();
    expect(formatIp(ipBytes('2001:0db8:0:0:1:0:0:1') ?? new Uint8Array())).toBe('2001:db8::1:0:0:1');
    expect(formatIp(ipBytes('2001:db8:0:1:1:1:1:1') ?? new Uint8Array())).toBe('2001:db8:0:1:1:1:1:1');
  });
});

describe('parseNetwork and Networks', () => {
  it('reads CIDR networks and refuses what is not one', () => {
    expect(parseNetwork('198.18.0.0/15')?.[1]).toBe(15);
    expect(parseNetwork('::1')?.[1]).toBe(128);
    for (const bad of ['198.18.0.0/33', '::1/129', 'x/8', '1.2.3.4/8/9', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/1e1', 'fe80::%eth0/10']) expect(parseNetwork(bad)).toBeNull();
  });

  it('matches inside the networks only, an IPv4-mapped address as its IPv4 address', () => {
    const { networks, bad } = Networks.parse(['198.18.0.0/15', '::1/128', 'nonsense']);
    expect(bad).toEqual(['nonsense']);
    for (const ip of ['198.18.0.0', '198.19.255.255', '::ffff:198.18.0.1', '::1', '0:0::1']) expect(networks.contains(ip)).toBe(true);
    for (const ip of ['198.17.255.255', '198.20.0.0', '::2', '::198.18.0.1', '64:ff9b::c612:1', 'example.com']) expect(networks.contains(ip)).toBe(false);
    expect(Networks.parse(['::ffff:0:0/96']).networks.contains('8.8.8.8')).toBe(true);
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
    expect(embeddedIPv4('::')).toBeNull();
    expect(embeddedIPv4('10.0.0.1')).toBeNull();
  });
});
