import { describe, expect, it } from 'vitest';
import { endpoint, hostHeader, requestUrl, splitAddress } from '../src/address.js';

describe('addresses and request URLs', () => {
  it('writes endpoints with IPv6 in brackets and reads them back', () => {
    expect(endpoint('198.18.0.1', 443)).toBe('198.18.0.1:443');
    expect(endpoint('2001:db8::1', 80)).toBe('[2001:db8::1]:80');
    expect(splitAddress('[2001:db8::1]:80')).toEqual({ ip: '2001:db8::1', port: 80 });
    expect(splitAddress('198.18.0.1')).toEqual({ ip: '198.18.0.1', port: 0 });
  });

  it("names the port only when it is not the scheme's own", () => {
    expect(hostHeader('http', 'site.gr', 80)).toBe('site.gr');
    expect(hostHeader('https', 'site.gr', 80)).toBe('site.gr:80');
    expect(hostHeader('https', '2001:db8::1', 443)).toBe('[2001:db8::1]');
    expect(requestUrl('http', 'site.gr', 8080, '/a?b=1')).toBe('http://site.gr:8080/a?b=1');
    expect(requestUrl('https', '2001:db8::1', 8443, '/')).toBe('https://[2001:db8::1]:8443/');
  });
});
