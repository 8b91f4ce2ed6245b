import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportOoni, ooniBlocking, reportId, toOoni, validateOoni } from '../../src/report/ooni.js';
import { exportAndValidate } from './run-checks.js';
import { loadRecords, standardEntries, writeRun } from './runs.js';

describe('export ooni', () => {
  it('writes one spec-conforming line per measurement, with the envelope OONI expects', async () => {
    const dir = writeRun(standardEntries(), { isp: { name: 'Cosmote (lab)', asn: '6799' } });
    const lines = await exportAndValidate(dir);
    const first = lines[0]!;
    expect(first).toMatchObject({
      data_format_version: '0.2.0',
      probe_cc: 'GR',
      probe_ip: '127.0.0.1',
      probe_asn: 'AS6799',
      resolver_ip: '198.18.1.53',
      software_name: 'censorprobe',
      test_name: 'web_connectivity',
      measurement_start_time: '2026-11-20 10:00:00',
      test_start_time: '2026-11-20 10:00:00',
    });
    expect(first.report_id).toMatch(/^20261120T100000Z_AS6799_[A-Za-z0-9]{20,}$/);
    // The same run keeps one report_id on every line.
    expect(new Set(lines.map((l) => l.report_id)).size).toBe(1);
    const byInput = new Map(lines.map((l) => [(l.annotations as Record<string, string>).listed_input, l.test_keys as Record<string, unknown>]));
    expect(byInput.get('bet365.com')).toMatchObject({ blocking: 'dns', accessible: false, dns_consistency: 'inconsistent' });
    expect(byInput.get('dropped.io')).toMatchObject({ blocking: 'tcp_ip', accessible: false });
    expect(byInput.get('https://sni-blocked.com/')).toMatchObject({ blocking: 'http-failure', accessible: false });
    expect(byInput.get('open-site.org')).toMatchObject({ blocking: false, accessible: true, dns_consistency: 'consistent' });
    expect(byInput.get('dead-casino.com')).toMatchObject({ blocking: false, accessible: false });
    expect(byInput.get('flaky.com')).toMatchObject({ blocking: null, accessible: null });
    // Greek input kept in annotations, the measured URL (punycode) as input.
    const greek = lines.find((l) => (l.annotations as Record<string, string>).listed_input === '22bet.ελ')!;
    expect(greek.input).toBe('http://22bet.xn--qxam/');
    // A blocked IP's connection is marked blocked, as ts-017 defines it (control connects, probe fails).
    const tcp = (byInput.get('dropped.io')!.tcp_connect as { status: { blocked: boolean | null } }[]);
    expect(tcp.every((c) => c.status.blocked === true)).toBe(true);
  });

  it('uses AS0 when the ISP is unknown', async () => {
    const dir = writeRun(standardEntries().slice(0, 3));
    const lines = await exportAndValidate(dir);
    expect(lines.every((l) => l.probe_asn === 'AS0' && l.resolver_asn === 'AS0')).toBe(true);
  });

  it('rejects what breaks the field rules', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [r] = await loadRecords(dir);
    const good = toOoni(r!, { meta: null });
    expect(validateOoni(good)).toEqual([]);
    const broken = (over: Record<string, unknown>) => validateOoni({ ...good, ...over });
    expect(broken({ measurement_start_time: '2026-11-20T10:00:00Z' })).toEqual(['measurement_start_time: "YYYY-MM-DD hh:mm:ss"']);
    expect(broken({ probe_asn: '6799' })).toEqual(['probe_asn: "AS<number>" (AS0 when unknown)']);
    expect(broken({ probe_ip: '198.18.0.7' })).toEqual(['probe_ip: "127.0.0.1" (the real address is never shared)']);
    expect(broken({ data_format_version: '0.3.0' })).toEqual(['data_format_version: "0.2.0"']);
    expect(broken({ annotations: { n: 1 } })).toEqual(['annotations: a map of strings']);
    const keys = good.test_keys as Record<string, unknown>;
    expect(broken({ test_keys: { ...keys, blocking: 'dpi' } })).toContain('test_keys.blocking: "dns"|"tcp_ip"|"http-failure"|"http-diff"|false|null');
    expect(broken({ test_keys: { ...keys, blocking: 'dns', accessible: true } })).toContain('test_keys: blocking is false when accessible');
    const badQuery = { ...(keys.queries as object[])[0], t: -1 };
    expect(broken({ test_keys: { ...keys, queries: [badQuery] } })).toEqual(['test_keys.queries[0]: t0/t: numbers, t >= t0']);
  });

  it('maps a fingerprinted DPI blockpage to http-diff', () => {
    const r = { verdict: 'dpi', layers: { dns: null, ip: null, dpi: { kind: 'host', evidence: [], fingerprint: 'eeep-notice' }, url: null } } as unknown as Parameters<typeof ooniBlocking>[0];
    expect(ooniBlocking(r)).toEqual({ blocking: 'http-diff', accessible: false });
  });

  it('derives a stable report_id from the run', () => {
    expect(reportId('2026-11-20 10:00:00', 'AS0', 'run-a')).toBe(reportId('2026-11-20 10:00:00', 'AS0', 'run-a'));
    expect(reportId('2026-11-20 10:00:00', 'AS0', 'run-a')).not.toBe(reportId('2026-11-20 10:00:00', 'AS0', 'run-b'));
  });
});
