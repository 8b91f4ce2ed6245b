import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import type { TestKeys } from '../../src/observations.js';
import { HOST, TRUE_IP, context, control, dnsReply, healthySite, http, keys, target, tcp, tlsStep, truth } from './build.js';

const judge = (k: TestKeys, t = target()) => analyze({ target: t, test_keys: k, context });
const okIsp = () => dnsReply('isp', { addrs: [TRUE_IP] });
const BLOCKPAGE = '198.18.1.80';
const otePage = '<html><head><title>Μή Επιτρεπτή Πρόσβαση</title></head><body>ΜΗ ΕΠΙΤΡΕΠΤΗ ΠΡΟΣΒΑΣΗ</body></html>';

describe('analyze: clean and not-censorship cases', () => {
  it('a site that answers the same everywhere is ok', () => {
    const r = judge(keys({ queries: [okIsp(), truth()], ...healthySite() }));
    expect(r.verdict).toBe('ok');
    expect(r.layers).toEqual({ dns: null, ip: null, dpi: null, url: null });
    expect(r.truth_source).toBe('doh');
  });

  it('a geo-CDN answer with a trusted certificate for the name is not a DNS block', () => {
    const cdn = '198.18.17.20';
    const r = judge(keys({
      queries: [dnsReply('isp', { addrs: [cdn] }), truth()],
      ...healthySite(),
      tls_handshakes: [...healthySite().tls_handshakes!, tlsStep(cdn, HOST, null, ['isp-answer'])],
    }));
    expect(r.verdict).toBe('ok');
    expect(r.layers.dns).toBeNull();
  });

  it('an http→https redirect is an ordinary answer', () => {
    const site = healthySite();
    site.requests = [http(TRUE_IP, 'www.example.com', { code: 301, location: 'https://www.example.com/' }, ['swap-innocuous']), http(TRUE_IP, HOST, { code: 301, location: `https://${HOST}/` }, ['direct'])];
    expect(judge(keys({ queries: [okIsp(), truth()], ...site })).verdict).toBe('ok');
  });

  it('a name that exists nowhere is down, even though the ISP says NXDOMAIN too', () => {
    const r = judge(keys({
      queries: [dnsReply('isp', { failure: 'dns_nxdomain_error' }), dnsReply('foreign', { failure: 'dns_nxdomain_error' })],
    }));
    expect(r.verdict).toBe('down');
    expect(r.layers.dns).toBeNull();
  });

  it('a site unreachable from the control as well is down, not an IP block', () => {
    const r = judge(keys({
      queries: [okIsp(), truth()],
      tcp_connect: [tcp(TRUE_IP, 80, 'generic_timeout_error', ['swap-innocuous']), tcp(TRUE_IP, 443, 'generic_timeout_error', ['direct'])],
      control: control({ tcp: { [`${TRUE_IP}:80`]: false, [`${TRUE_IP}:443`]: false } }),
    }));
    expect(r.verdict).toBe('down');
    expect(r.layers.ip).toBeNull();
  });

  it('without a control a local failure is inconclusive, never ip', () => {
    const r = judge(keys({
      queries: [okIsp(), truth()],
      tcp_connect: [tcp(TRUE_IP, 80, 'generic_timeout_error', ['swap-innocuous']), tcp(TRUE_IP, 443, 'generic_timeout_error', ['direct'])],
      control_failure: 'generic_timeout_error',
    }));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/control failed/);
  });
});

describe('analyze: dns layer', () => {
  const cases: [string, Parameters<typeof dnsReply>[1], string][] = [
    ['nxdomain', { failure: 'dns_nxdomain_error', soa: ['localhost.', 'hostmaster.localhost.'] }, 'nxdomain'],
    ['refused', { failure: 'dns_refused_error' }, 'refused'],
    ['servfail', { failure: 'dns_servfail_error' }, 'servfail'],
    ['timeout', { failure: 'generic_timeout_error' }, 'timeout'],
    ['no data', { failure: 'dns_no_answer' }, 'no_answer'],
    ['0.0.0.0', { addrs: ['0.0.0.0'] }, 'bogon'],
    ['127.0.0.1', { addrs: ['127.0.0.1'] }, 'bogon'],
  ];
  for (const [name, reply, kind] of cases) {
    it(`${name} from the ISP while abroad resolves → dns/${kind}`, () => {
      const r = judge(keys({ queries: [dnsReply('isp', reply), truth()], ...healthySite() }));
      expect(r.verdict).toBe('dns');
      expect(r.layers.dns?.kind).toBe(kind);
      expect(r.layers.ip).toBeNull();
    });
  }

  it('names the lying resolver by its SOA', () => {
    const r = judge(keys({ queries: [dnsReply('isp', { failure: 'dns_nxdomain_error', soa: ['localhost.', 'hostmaster.localhost.'] }), truth()], ...healthySite() }));
    expect(r.layers.dns?.fingerprint).toBe('ote-soa');
  });

  it('an answer pointing at a server that serves a Greek blockpage is dns/blockpage with its fingerprint', () => {
    const r = judge(keys({
      queries: [dnsReply('isp', { addrs: [BLOCKPAGE] }), truth()],
      ...healthySite(),
      requests: [...healthySite().requests!, http(BLOCKPAGE, HOST, { title: 'Μή Επιτρεπτή Πρόσβαση', body: otePage }, ['isp-answer'])],
    }));
    expect(r.layers.dns?.kind).toBe('blockpage');
    expect(r.layers.dns?.fingerprint).toBe('ote-eeep');
  });

  it('a known historical blockpage address is recognised without fetching it', () => {
    const r = judge(keys({ queries: [dnsReply('isp', { addrs: ['83.235.64.20'] }), truth()], ...healthySite() }), target());
    expect(r.layers.dns?.kind).toBe('blockpage');
  });

  it('an empty ANSWER with the blockpage in ADDITIONAL (Cyta) is dns/blockpage', () => {
    const r = judge(keys({
      queries: [dnsReply('isp', { failure: 'dns_no_answer', additional: [BLOCKPAGE] }), truth()],
      ...healthySite(),
      requests: [...healthySite().requests!, http(BLOCKPAGE, HOST, { title: 'Μή Επιτρεπτή Πρόσβαση', body: otePage }, ['isp-answer'])],
    }));
    expect(r.layers.dns?.kind).toBe('blockpage');
    expect(r.layers.dns?.evidence.join(' ')).toMatch(/ADDITIONAL/);
  });

  it('a different address without a valid certificate or the same page is a hijack', () => {
    const odd = '198.18.17.99';
    const r = judge(keys({
      queries: [dnsReply('isp', { addrs: [odd] }), truth()],
      ...healthySite(),
      tls_handshakes: [...healthySite().tls_handshakes!, tlsStep(odd, HOST, null, ['isp-answer'], { trusted: false })],
      requests: [...healthySite().requests!, http(odd, HOST, { title: 'Parked' }, ['isp-answer'])],
    }));
    expect(r.layers.dns?.kind).toBe('hijack');
  });

  it('ISP errors are not dns interference when nothing abroad resolves the name', () => {
    const r = judge(keys({ queries: [dnsReply('isp', { failure: 'dns_servfail_error' }), dnsReply('foreign', { failure: 'dns_servfail_error' })] }));
    expect(r.layers.dns).toBeNull();
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('analyze: ip, dpi and url layers', () => {
  const blockedTcp = (failure: string) => [
    tcp(TRUE_IP, 80, failure, ['swap-innocuous']), tcp(TRUE_IP, 80, failure, ['direct']),
    tcp(TRUE_IP, 443, failure, ['swap-innocuous']), tcp(TRUE_IP, 443, failure, ['direct']),
  ];
  for (const [failure, kind] of [['generic_timeout_error', 'drop'], ['connection_refused', 'reset'], ['host_unreachable', 'unreachable']] as const) {
    it(`${failure} with every name while the control connects → ip/${kind}`, () => {
      const r = judge(keys({ queries: [okIsp(), truth()], tcp_connect: blockedTcp(failure), control: control() }));
      expect(r.verdict).toBe('ip');
      expect(r.layers.ip?.kind).toBe(kind);
    });
  }

  it('a stacked block reports every layer: NXDOMAIN plus an IP drop', () => {
    const r = judge(keys({ queries: [dnsReply('isp', { failure: 'dns_nxdomain_error' }), truth()], tcp_connect: blockedTcp('generic_timeout_error'), control: control() }));
    expect(r.verdict).toBe('dns');
    expect(r.layers.dns?.kind).toBe('nxdomain');
    expect(r.layers.ip?.kind).toBe('drop');
  });

  it('the real SNI reset where an innocuous one completes → dpi/sni', () => {
    const site = healthySite();
    site.tls_handshakes = [
      tlsStep(TRUE_IP, 'www.example.com', null, ['swap-innocuous'], { valid: false }),
      tlsStep(TRUE_IP, HOST, 'connection_reset', ['direct']),
      tlsStep(TRUE_IP, HOST, 'connection_reset', ['direct', 'retry']),
    ];
    site.requests = site.requests!.filter((r) => !r.request.url.startsWith('https'));
    const r = judge(keys({ queries: [okIsp(), truth()], ...site, control: control() }));
    expect(r.verdict).toBe('dpi');
    expect(r.layers.dpi?.kind).toBe('sni');
  });

  it('one successful retry means not blocked', () => {
    const site = healthySite();
    site.tls_handshakes = [
      tlsStep(TRUE_IP, 'www.example.com', null, ['swap-innocuous'], { valid: false }),
      tlsStep(TRUE_IP, HOST, 'connection_reset', ['direct']),
      tlsStep(TRUE_IP, HOST, null, ['direct', 'retry']),
    ];
    expect(judge(keys({ queries: [okIsp(), truth()], ...site, control: control() })).verdict).toBe('ok');
  });

  it('a Vodafone-style redirect for the real Host only → dpi/host with the fingerprint', () => {
    const site = healthySite();
    site.requests = [
      http(TRUE_IP, 'www.example.com', { code: 404 }, ['swap-innocuous']),
      http(TRUE_IP, HOST, { code: 301, location: 'http://1.2.3.50/ups/no_access_gambling.htm', server: 'WebProxy/6.0' }, ['direct']),
      http(TRUE_IP, HOST, { code: 301, location: 'http://1.2.3.50/ups/no_access_gambling.htm' }, ['direct', 'retry']),
    ];
    const r = judge(keys({ queries: [okIsp(), truth()], ...site, control: control() }));
    expect(r.layers.dpi?.kind).toBe('host');
    expect(r.layers.dpi?.fingerprint).toBe('vodafone-webproxy');
  });

  it('a Host reset where the control fetches the page → dpi/host', () => {
    const site = healthySite();
    site.requests = [http(TRUE_IP, 'www.example.com', { code: 404 }, ['swap-innocuous']), http(TRUE_IP, HOST, { failure: 'connection_reset' }, ['direct']), http(TRUE_IP, HOST, { failure: 'connection_reset' }, ['direct', 'retry'])];
    expect(judge(keys({ queries: [okIsp(), truth()], ...site, control: control() })).layers.dpi?.kind).toBe('host');
  });

  it('only the listed path reset while the front page loads → url/path', () => {
    const site = healthySite();
    site.requests!.push(http(TRUE_IP, HOST, { failure: 'connection_reset', path: '/casino' }, ['path']), http(TRUE_IP, HOST, { failure: 'connection_reset', path: '/casino' }, ['path', 'retry']));
    const r = judge(keys({ queries: [okIsp(), truth()], ...site, control: control() }), target({ path: '/casino', url: `http://${HOST}/casino` }));
    expect(r.verdict).toBe('url');
    expect(r.layers.url?.kind).toBe('path');
  });

  it('a listed path that fails abroad too is not url filtering', () => {
    const site = healthySite();
    site.requests!.push(http(TRUE_IP, HOST, { failure: 'generic_timeout_error', path: '/x' }, ['path']));
    const r = judge(
      keys({ queries: [okIsp(), truth()], ...site, control: control({ http_request: { failure: 'generic_timeout_error', status_code: 0, title: '', body_length: 0, body_sha256: '', headers: {} } }) }),
      target({ path: '/x' }),
    );
    expect(r.layers.url).toBeNull();
  });

  it('an IP-literal entry skips DNS and is judged on the IP', () => {
    const ip = '198.18.20.1';
    const r = judge(
      keys({ tcp_connect: [tcp(ip, 80, 'generic_timeout_error', ['swap-innocuous']), tcp(ip, 443, 'generic_timeout_error', ['direct'])], control: control({ tcp: { [`${ip}:80`]: true, [`${ip}:443`]: true } }) }),
      target({ input: `http://${ip}/`, host: ip, host_unicode: ip, is_ip: true }),
    );
    expect(r.verdict).toBe('ip');
    expect(r.truth_addrs).toEqual([ip]);
  });
});

describe('analyze: ASN hint', () => {
  it('an ISP answer in the same AS as the truth is consistent', () => {
    const other = '198.18.17.30';
    const isp = dnsReply('isp', { addrs: [other] });
    isp.answers[0]!.asn = 64500;
    const foreign = truth();
    foreign.answers[0]!.asn = 64500;
    const r = judge(keys({ queries: [isp, foreign], ...healthySite() }));
    expect(r.layers.dns).toBeNull();
    expect(r.verdict).toBe('ok');
  });

  it('a different AS without other evidence of the site is still a hijack', () => {
    const other = '198.18.17.31';
    const isp = dnsReply('isp', { addrs: [other] });
    isp.answers[0]!.asn = 64501;
    const foreign = truth();
    foreign.answers[0]!.asn = 64500;
    expect(judge(keys({ queries: [isp, foreign], ...healthySite() })).layers.dns?.kind).toBe('hijack');
  });
});
