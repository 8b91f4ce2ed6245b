import { describe, expect, it } from 'vitest';
import { scrubber } from '../../src/report/scrub.js';

const V4 = '94.66.57.12';
const V6 = '2a02:587:6a08:1200::1';
const scrub = scrubber([V4, V6]);

describe('scrubber', () => {
  it('replaces every spelling of an IPv4 address and nothing else', () => {
    const cases: [string, string][] = [
      [`probe_ip ${V4}.`, 'probe_ip [scrubbed].'],
      ['{"probe_ip":"94.66.57.12"}', '{"probe_ip":"[scrubbed]"}'],
      ['http://94.66.57.12:8080/x', 'http://[scrubbed]:8080/x'],
      ['ppp-94-66-57-12.home.otenet.gr', 'ppp-[scrubbed].home.otenet.gr'],
      ['12.57.66.94.in-addr.arpa', '[scrubbed]'],
      ['094.066.057.012', '[scrubbed]'],
      ['::ffff:94.66.57.12 and ::FFFF:5e42:390c', '[scrubbed] and [scrubbed]'],
      // Other addresses that share digits stay.
      ['194.66.57.12 94.66.57.120 94.66.57.1 4.66.57.12 94.66.57.12.5', '194.66.57.12 94.66.57.120 94.66.57.1 4.66.57.12 94.66.57.12.5'],
    ];
    for (const [input, want] of cases) expect(scrub(input), input).toBe(want);
  });

  it('replaces every spelling of an IPv6 address', () => {
    for (const form of [
      V6,
      '2A02:587:6A08:1200::1',
      '2a02:0587:6a08:1200:0000:0000:0000:0001',
      '2a02:587:6a08:1200:0:0:0:1',
      '2a02:587:6a08:1200::0:1',
      '2a02:587:6a08:1200:0::1',
      '2a02%3A587%3A6a08%3A1200%3A%3A1',
      '2a02:587:6a08:1200::0.0.0.1',
    ]) {
      expect(scrub(`x ${form} y`), form).toBe('x [scrubbed] y');
    }
    expect(scrub(`https://[${V6}]:443/path`)).toBe('https://[[scrubbed]]:443/path');
    expect(scrub('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.1.8.0.a.6.7.8.5.0.2.0.a.2.ip6.arpa')).toBe('[scrubbed]');
    // Neighbours stay: they are not the volunteer's address.
    expect(scrub('2a02:587:6a08:1200::10 2a02:587:6a08:1200::1:5 2a02:587:6a08:1201::1')).toBe('2a02:587:6a08:1200::10 2a02:587:6a08:1200::1:5 2a02:587:6a08:1201::1');
  });

  it('handles the compressed forms at both ends', () => {
    const s = scrubber(['::1', '2001:db8::']);
    expect(s('[::1]:53 0:0:0:0:0:0:0:1 ::0:1 ::2')).toBe('[[scrubbed]]:53 [scrubbed] [scrubbed] ::2');
    expect(s('2001:db8:: 2001:0db8:0:0:0:0:0:0, 2001:db8::5')).toBe('[scrubbed] [scrubbed], 2001:db8::5');
  });

  it('scrubs JSONL, CSV and HTML text', () => {
    const jsonl = `{"input":"http://a.example/","probe_ip":"${V4}","test_keys":{"requests":[{"request":{"headers":{"X-Forwarded-For":"${V6}"}}}]}}\n`;
    const csv = `input,verdict,notes\r\nhttp://a.example/,ok,"seen from ${V4}; ${V6.toUpperCase()}"\r\n`;
    const html = `<td title="${V4}">${V4}</td><a href="http://[${V6}]/">me</a>`;
    for (const text of [jsonl, csv, html]) {
      const out = scrub(text);
      expect(out).not.toMatch(/94\.66\.57\.12|2a02:587:6a08:1200::1/i);
      expect(out).toContain('[scrubbed]');
    }
    expect(JSON.parse(scrub(jsonl)).probe_ip).toBe('[scrubbed]');
    expect(scrub(csv)).toBe('input,verdict,notes\r\nhttp://a.example/,ok,"seen from [scrubbed]; [scrubbed]"\r\n');
  });

  it('refuses what is not an address and passes text through with no addresses', () => {
    expect(() => scrubber(['my-router'])).toThrow(expect.objectContaining({ code: 'CP_SCRUB' }));
    expect(scrubber([])('94.66.57.12')).toBe('94.66.57.12');
  });
});
