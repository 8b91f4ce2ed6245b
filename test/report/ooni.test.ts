import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportOoni, ooniBlocking, reportId, toOoni, validateOoni } from '../../src/report/ooni.js';
import type { HttpRequest, TlsHandshake } from '../../src/observations.js';
import type { MeasurementRecord } from '../../src/record.js';
import { checkSiteFirst, exportAndValidate, schemaProblems } from './run-checks.js';
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

  it('puts the site\'s own steps in OONI\'s keys and the swap test under its own key', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [base] = await loadRecords(dir);
    const r = withSwapSteps(base!);
    const m = toOoni(r, { meta: null });
    expect(schemaProblems(m)).toEqual([]);
    const tk = m.test_keys as Record<string, any>;
    expect(tk.requests.map((q: any) => q.request.url)).toEqual(['https://site.example/', 'https://site.example/']);
    expect(tk.requests.map((q: any) => q.tags)).toEqual([['classic', 'depth=0', 'fetch_body=true', 'direct'], ['classic', 'depth=0', 'fetch_body=true', 'direct', 'retry']]);
    expect(tk.x_censorprobe_steps.requests.map((q: any) => q.request.url)).toEqual(['https://innocuous.example/', 'http://site.example/']);
    expect(tk.tls_handshakes.map((h: any) => h.server_name)).toEqual(['site.example']);
    expect(tk.x_censorprobe_steps.tls_handshakes.map((h: any) => h.server_name)).toEqual(['innocuous.example']);
    // df-006: the chain as base64 DER objects; the later handshake of the same leaf reads the first's copy.
    expect(tk.tls_handshakes[0].peer_certificates).toEqual([{ format: 'base64', data: 'MIIBbase' }, { format: 'base64', data: 'MIICa' }]);
    expect(tk.x_censorprobe_steps.tls_handshakes[0].peer_certificates).toEqual([{ format: 'base64', data: 'MIIBbase' }, { format: 'base64', data: 'MIICa' }]);
    expect(checkSiteFirst([{ ...m, input: 'https://site.example/' }]).withRequests).toBe(1);
  });

  it('names the fetches the probe left out on purpose beside its own steps, and the line stays valid', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [base] = await loadRecords(dir);
    const r = withSwapSteps(base!);
    const skipped = [{ url: 'http://site.example/', address: '198.18.16.5:80', host: 'site.example', tags: ['direct' as const], reason: 'https_decided' as const, decided_by: 'https://site.example/ @198.18.16.5:443' }];
    const m = toOoni({ ...r, test_keys: { ...r.test_keys, skipped } }, { meta: null });
    expect(schemaProblems(m)).toEqual([]);
    expect(validateOoni(m)).toEqual([]);
    expect((m.test_keys as Record<string, any>).x_censorprobe_steps.skipped).toEqual(skipped);
    // The site's own steps are what they were: nothing stands in for the fetch not made.
    expect((m.test_keys as Record<string, any>).requests).toEqual((toOoni(r, { meta: null }).test_keys as Record<string, any>).requests);
    expect((toOoni(r, { meta: null }).test_keys as Record<string, any>).x_censorprobe_steps.skipped).toBeUndefined();
  });

  it('writes a response broken off mid-body as a failed transaction (code 0), keeping what arrived aside', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [base] = await loadRecords(dir);
    const r = withSwapSteps(base!);
    const torn = { ...get('https://site.example/', ['direct']), failure: 'connection_reset' };
    r.test_keys.requests = [r.test_keys.requests[0]!, torn];
    r.verdict = 'down';
    r.test_keys.control = {
      tcp_connect: {}, dns: { failure: null, addrs: ['198.18.9.9'] },
      http_request: { body_length: 12, failure: null, title: '', headers: {}, status_code: 200 },
    } as never;
    const m = toOoni(r, { meta: null });
    expect(schemaProblems(m)).toEqual([]);
    expect(validateOoni(m)).toEqual([]);
    const tk = m.test_keys as Record<string, any>;
    expect(tk.requests[0]).toMatchObject({ failure: 'connection_reset', response: { code: 0, body: '', headers: {} } });
    expect(tk.requests[0].x_censorprobe.response_before_failure).toEqual({ code: 200, headers: { 'content-type': 'text/html' }, body_length: 12, body_sha256: 'ab' });
    expect(tk.http_experiment_failure).toBe('connection_reset');
    // No comparison with the control rests on a page that never arrived whole.
    expect(tk.status_code_match).toBeNull();
    expect(tk.body_length_match).toBeNull();
    // A DPI block that cuts the page is an HTTP failure, not a difference.
    expect(ooniBlocking({ ...r, verdict: 'dpi', layers: { dns: null, ip: null, dpi: { kind: 'reset' } as never, url: null } }).blocking).toBe('http-failure');
  });

  it('compares a page read only up to the cap by its Content-Length, as the analysis does', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [base] = await loadRecords(dir);
    const r = withSwapSteps(base!);
    const page = get('https://site.example/', ['direct']);
    r.test_keys.requests = [{ ...page, response: { ...page.response!, headers: { 'content-length': '70000' }, body_length: 16384, body_is_truncated: true } }];
    r.test_keys.control = {
      tcp_connect: {}, dns: { failure: null, addrs: ['198.18.9.9'] },
      http_request: { body_length: 70000, failure: null, title: '', headers: {}, status_code: 200 },
    } as never;
    const tk = toOoni(r, { meta: null }).test_keys as Record<string, any>;
    expect(tk.body_proportion).toBe(1);
    expect(tk.body_length_match).toBe(true);
    // A short page (a blockpage) still differs from the site's.
    r.test_keys.requests = [{ ...page, response: { ...page.response!, body_length: 900 } }];
    const short = toOoni(r, { meta: null }).test_keys as Record<string, any>;
    expect(short.body_length_match).toBe(false);
  });

  it('says blocking false, accessible false for a site that refuses Greece itself', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [r] = await loadRecords(dir);
    const m = toOoni({ ...r!, verdict: 'geoblock' as never, layers: { dns: null, ip: null, dpi: null, url: null } }, { meta: null });
    expect(m.test_keys).toMatchObject({ blocking: false, accessible: false, x_blocking_flags: 0 });
    expect(schemaProblems(m)).toEqual([]);
  });

  it('says why the control is missing', async () => {
    const dir = writeRun(standardEntries().slice(14, 15));
    const [r] = await loadRecords(dir);
    expect(r!.test_keys.control).toBeNull();
    const asked = toOoni(r!, { meta: { settings: { control: 'https://198.18.3.80/' } } });
    expect((asked.test_keys as any).control_failure).toMatch(/^unknown_failure: control helper not asked/);
    const none = toOoni(r!, { meta: { settings: { control: null } } });
    expect((none.test_keys as any).control_failure).toBe('unknown_failure: no control helper was configured for this run');
  });

  it('the schema rejects what OONI\'s readers would misread', async () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    const [r] = await loadRecords(dir);
    const good = toOoni(withSwapSteps(r!), { meta: null }) as Record<string, any>;
    expect(schemaProblems(good)).toEqual([]);
    const tk = good.test_keys;
    const bad = (over: Record<string, unknown>, keys: Record<string, unknown> = {}) => schemaProblems({ ...good, ...over, test_keys: { ...tk, ...keys } });
    expect(bad({ test_version: 'x' })).not.toEqual([]);
    expect(bad({ measurement_start_time: '2026-11-20T10:00:00Z' })).not.toEqual([]);
    expect(bad({ probe_cc: 'gr' })).not.toEqual([]);
    expect(bad({}, { blocking: 'dpi' })).not.toEqual([]);
    expect(bad({}, { blocking: 'dns', accessible: true })).not.toEqual([]);
    expect(bad({}, { blocking: false, accessible: null })).not.toEqual([]);
    expect(bad({}, { control: null, control_failure: null })).not.toEqual([]);
    expect(bad({}, { tls_handshakes: [{ ...tk.tls_handshakes[0], peer_certificates: ['MIIB'] }] })).not.toEqual([]);
    expect(bad({}, { tcp_connect: [{ ...tk.tcp_connect[0], status: { success: true, failure: 'connection_reset', blocked: false } }] })).not.toEqual([]);
    expect(bad({}, { queries: [{ ...tk.queries[0], answers: [{ answer_type: 'A', hostname: 'x' }] }] })).not.toEqual([]);
  });
});

function handshake(address: string, leaf: string, tags: TlsHandshake['tags']): TlsHandshake {
  return {
    address: `198.18.9.9:443`, server_name: address, t0: 0.1, t: 0.2, failure: null, tls_version: 'TLSv1.3', negotiated_protocol: 'http/1.1',
    trusted: true, valid_for_name: true, verify_error: null,
    peer_certificate: { subject: 'CN=x', issuer: 'CN=ca', names: ['x'], valid_from: '2026-01-01T00:00:00.000Z', valid_to: '2027-01-01T00:00:00.000Z', fingerprint256: leaf },
    peer_certificates: [`${leaf}1`, `${leaf}2`], tags,
  };
}

function get(url: string, tags: HttpRequest['tags'], address = '198.18.9.9:443'): HttpRequest {
  return {
    request: { url, method: 'GET', address, host: new URL(url).hostname, headers: { host: new URL(url).hostname } },
    response: { code: 200, headers: { 'content-type': 'text/html' }, body_length: 12, body_is_truncated: false, body: '<html></html>', body_sha256: 'ab', title: null },
    failure: null, t0: 0.2, t: 0.3, tags,
  };
}

/** A measurement of https://site.example/ as the probe makes it: swap test first, then the site, a retry, and the other scheme. */
function withSwapSteps(r: MeasurementRecord): MeasurementRecord {
  const target = { ...r.target, input: 'https://site.example/', url: 'https://site.example/', scheme: 'https' as const, host: 'site.example', host_unicode: 'site.example', port: null, path: '/', is_ip: false };
  const innocuous = { ...handshake('innocuous.example', 'L', ['swap-innocuous']), peer_certificates: ['MIIBbase', 'MIICa'] };
  const site = { ...handshake('site.example', 'L', ['direct']) };
  delete site.peer_certificates;
  return {
    ...r,
    input: target.input,
    target,
    verdict: 'ok',
    layers: { dns: null, ip: null, dpi: null, url: null },
    test_keys: {
      ...r.test_keys,
      tcp_connect: [
        { ip: '198.18.9.9', port: 443, t0: 0.01, t: 0.02, status: { success: true, failure: null }, tags: ['swap-innocuous'] },
        { ip: '198.18.9.9', port: 443, t0: 0.03, t: 0.04, status: { success: true, failure: null }, tags: ['direct'] },
        { ip: '198.18.9.9', port: 80, t0: 0.03, t: 0.04, status: { success: true, failure: null }, tags: ['direct'] },
      ],
      tls_handshakes: [innocuous, site],
      requests: [
        get('https://innocuous.example/', ['swap-innocuous']),
        get('http://site.example/', ['direct'], '198.18.9.9:80'),
        get('https://site.example/', ['direct']),
        get('https://site.example/', ['direct', 'retry']),
      ],
    },
  };
}
