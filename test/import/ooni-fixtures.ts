// Hand-made OONI web_connectivity measurements, written from ooni/spec: data-formats/df-000-base.md
// (envelope, data format 0.2.0), df-001/002/005/006 (steps) and nettests/ts-017-web-connectivity.md
// (commit 5335b1de: the example output's shape, control as the test helper answers it, blocking and
// accessible). Addresses are documentation/benchmark ranges or Greek blockpage addresses from
// greece.md; nothing here was measured.

import { selfSigned } from '../net/fixtures.js';

type Obj = Record<string, unknown>;

const der = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
let chains: Map<string, string[]> | null = null;
/** A certificate chain (leaf, then an issuer-like second certificate) for a host, made once with openssl. */
function chainFor(host: string): string[] {
  chains ??= new Map();
  let c = chains.get(host);
  if (!c) {
    c = [der(selfSigned([host]).cert), der(selfSigned(['Fixture CA']).cert)];
    chains.set(host, c);
  }
  return c;
}

export interface Fixture {
  name: string;
  /** OONI's own blocking and accessible, as the measurement says. */
  blocking: string | false | null;
  accessible: boolean | null;
  measurement: Obj;
}

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

function envelope(input: string, version: string, asn = 'AS6799', start = '2024-03-05 10:11:12'): Obj {
  return {
    annotations: { engine_name: 'ooniprobe-engine', engine_version: '3.20.0', platform: 'android', network_type: 'wifi' },
    data_format_version: '0.2.0',
    input,
    measurement_start_time: start,
    probe_asn: asn,
    probe_cc: 'GR',
    probe_ip: '127.0.0.1',
    probe_network_name: 'Hellenic Telecommunications Organization',
    report_id: `20240305T101010Z_webconnectivity_GR_${asn.slice(2)}_n1_abcdefGHIJ012345`,
    measurement_uid: `20240305101112.123456_GR_webconnectivity_${Buffer.from(input).toString('hex').slice(0, 16)}`,
    resolver_asn: asn,
    resolver_ip: '194.219.227.2',
    resolver_network_name: 'Hellenic Telecommunications Organization',
    software_name: 'ooniprobe-android',
    software_version: '3.8.5',
    test_helpers: { backend: { address: 'https://0.th.ooni.org', type: 'https' } },
    test_name: 'web_connectivity',
    test_runtime: 2.31,
    test_start_time: start.replace(/:\d\d$/, ':00'),
    test_version: version,
  };
}

function sys(host: string, answers: string[] | null, failure: string | null = null): Obj {
  return {
    answers: answers ? answers.map((ip) => ({ answer_type: 'A', ipv4: ip, ttl: null, asn: 0, as_org_name: '' })) : null,
    engine: 'getaddrinfo', failure, hostname: host, query_type: 'A', resolver_address: '', resolver_hostname: null, resolver_port: null, t0: 0.001, t: 0.02, tags: ['classic', 'depth=0'],
  };
}

function udp(host: string, answers: string[]): Obj {
  return { ...sys(host, answers), engine: 'udp', resolver_address: '8.8.8.8:53', tags: ['depth=0'] };
}

function tcp(ip: string, port: number, failure: string | null, blocked: boolean | null = false): Obj {
  return { ip, port, status: { blocked, failure, success: failure === null }, t0: 0.03, t: failure === 'generic_timeout_error' ? 10.03 : 0.06, tags: ['classic', 'depth=0', 'fetch_body=true'] };
}

function tls(ip: string, host: string, failure: string | null): Obj {
  const peer = failure ? [] : chainFor(host).map((data) => ({ data, format: 'base64' }));
  return { network: 'tcp', address: `${ip}:443`, cipher_suite: failure ? '' : 'TLS_AES_128_GCM_SHA256', failure, negotiated_protocol: failure ? '' : 'h2', no_tls_verify: false, peer_certificates: peer, server_name: host, t0: 0.06, t: 0.2, tags: ['classic', 'depth=0', 'fetch_body=true'], tls_version: failure ? '' : 'TLSv1.3' };
}

function get(url: string, address: string | null, code: number, body: string, failure: string | null = null, headers: Record<string, string> = { 'Content-Type': 'text/html' }): Obj {
  return {
    ...(address ? { address, network: 'tcp' } : {}),
    failure,
    request: { body: '', body_is_truncated: false, headers: { 'User-Agent': UA, Host: new URL(url).host }, method: 'GET', tor: { exit_ip: null, exit_name: null, is_tor: false }, x_transport: 'tcp', url },
    response: { body: failure ? null : body, body_is_truncated: false, code: failure ? 0 : code, headers: failure ? {} : headers },
    t0: 0.2, t: 0.4, tags: ['classic', 'depth=0', 'fetch_body=true'],
  };
}

function control(addrs: string[], tcpOk: boolean, status = 200, title = 'Site', bodyLength = 5000, port = 443): Obj {
  return {
    dns: { failure: null, addrs },
    tcp_connect: Object.fromEntries(addrs.map((a) => [`${a}:${port}`, { status: tcpOk, failure: tcpOk ? null : 'generic_timeout_error' }])),
    http_request: tcpOk ? { body_length: bodyLength, failure: null, title, headers: { 'Content-Type': 'text/html' }, status_code: status } : { body_length: -1, failure: 'generic_timeout_error', title: '', headers: {}, status_code: -1 },
  };
}

function keys(k: Obj, blocking: string | false | null, accessible: boolean | null): Obj {
  return { agent: 'redirect', client_resolver: '194.219.227.2', retries: null, socksproxy: null, control_failure: null, dns_experiment_failure: null, http_experiment_failure: null, dns_consistency: 'consistent', body_length_match: null, body_proportion: null, headers_match: null, status_code_match: null, title_match: null, tls_handshakes: [], blocking, accessible, ...k };
}

const SITE = '<html><head><title>Stoixima Online</title></head><body>' + 'odds '.repeat(900) + '</body></html>';
const EEEP = '<html><head><title>Μή Επιτρεπτή Πρόσβαση</title></head><body>ΜΗ ΕΠΙΤΡΕΠΤΗ ΠΡΟΣΒΑΣΗ. Επιτροπή Εποπτείας και Ελέγχου Παιγνίων</body></html>';
const GEO = '<html><head><title>Access denied</title></head><body>We are sorry, our services are not available in your country (GR).</body></html>';

export function fixtures(): Fixture[] {
  const f = (name: string, input: string, version: string, k: Obj, blocking: string | false | null, accessible: boolean | null): Fixture => ({ name, blocking, accessible, measurement: { ...envelope(input, version), test_keys: keys(k, blocking, accessible) } });
  return [
    // DNS: the ISP's resolver says the name does not exist; the test helper resolves it (0.4, no address on requests).
    f('dns-nxdomain', 'https://www.bet365.com/', '0.4.3', {
      queries: [sys('www.bet365.com', null, 'dns_nxdomain_error')],
      tcp_connect: [],
      requests: [get('https://www.bet365.com/', null, 0, '', 'dns_nxdomain_error')],
      control: control(['203.0.113.10'], true),
      dns_experiment_failure: 'dns_nxdomain_error', dns_consistency: 'inconsistent',
    }, 'dns', false),
    // DNS: the ISP answers OTE's blockpage address, which serves the regulator's notice (0.5 with a UDP resolver abroad).
    f('dns-blockpage', 'http://www.stoiximan-casino.com/', '0.5.26', {
      queries: [sys('www.stoiximan-casino.com', ['83.235.64.20']), udp('www.stoiximan-casino.com', ['203.0.113.11'])],
      tcp_connect: [tcp('83.235.64.20', 80, null)],
      requests: [get('http://www.stoiximan-casino.com/', '83.235.64.20:80', 200, EEEP)],
      control: control(['203.0.113.11'], true, 200, 'Stoixima', 5000, 80),
      dns_consistency: 'inconsistent',
    }, 'dns', false),
    // TCP/IP: the true address does not answer from here, the test helper connects.
    f('tcp-ip', 'https://www.pokerstars.gr/', '0.5.26', {
      queries: [sys('www.pokerstars.gr', ['203.0.113.12']), udp('www.pokerstars.gr', ['203.0.113.12'])],
      tcp_connect: [tcp('203.0.113.12', 443, 'generic_timeout_error', true)],
      requests: [],
      control: control(['203.0.113.12'], true),
      http_experiment_failure: 'generic_timeout_error',
    }, 'tcp_ip', false),
    // HTTP failure: the TLS handshake naming the site is reset; the test helper completes it.
    f('http-failure', 'https://www.novibet.gr/', '0.5.26', {
      queries: [sys('www.novibet.gr', ['203.0.113.13'])],
      tcp_connect: [tcp('203.0.113.13', 443, null)],
      tls_handshakes: [tls('203.0.113.13', 'www.novibet.gr', 'connection_reset')],
      requests: [],
      control: control(['203.0.113.13'], true),
      http_experiment_failure: 'connection_reset',
    }, 'http-failure', false),
    // HTTP diff: plain HTTP answered with the regulator's notice on the site's own address (a transparent proxy).
    f('http-diff', 'http://www.betshop.gr/', '0.4.3', {
      queries: [sys('www.betshop.gr', ['203.0.113.14'])],
      tcp_connect: [tcp('203.0.113.14', 80, null)],
      requests: [get('http://www.betshop.gr/', null, 200, EEEP)],
      control: control(['203.0.113.14'], true, 200, 'Betshop', 5000, 80),
      body_length_match: false, status_code_match: true, headers_match: true, title_match: false,
    }, 'http-diff', false),
    // Accessible: the site loads as the test helper sees it.
    f('accessible', 'https://www.kathimerini.gr/', '0.5.26', {
      queries: [sys('www.kathimerini.gr', ['203.0.113.15']), udp('www.kathimerini.gr', ['203.0.113.15'])],
      tcp_connect: [tcp('203.0.113.15', 443, null)],
      tls_handshakes: [tls('203.0.113.15', 'www.kathimerini.gr', null)],
      requests: [get('https://www.kathimerini.gr/', '203.0.113.15:443', 200, SITE)],
      control: control(['203.0.113.15'], true, 200, 'Stoixima Online', SITE.length),
    }, false, true),
    // Down everywhere: neither the probe nor the test helper connects.
    f('down', 'https://dead-casino.example/', '0.5.26', {
      queries: [sys('dead-casino.example', ['203.0.113.16'])],
      tcp_connect: [tcp('203.0.113.16', 443, 'generic_timeout_error', false)],
      requests: [],
      control: control(['203.0.113.16'], false),
      http_experiment_failure: 'generic_timeout_error',
    }, false, false),
    // CDN: the ISP's resolver gives another node than the test helper's; both serve the site with a valid certificate.
    f('cdn', 'https://www.cdn-news.example/', '0.5.26', {
      queries: [sys('www.cdn-news.example', ['151.101.65.69'])],
      tcp_connect: [tcp('151.101.65.69', 443, null), tcp('203.0.113.17', 443, null)],
      tls_handshakes: [tls('151.101.65.69', 'www.cdn-news.example', null), tls('203.0.113.17', 'www.cdn-news.example', null)],
      requests: [get('https://www.cdn-news.example/', '151.101.65.69:443', 200, SITE)],
      control: control(['203.0.113.17'], true, 200, 'Stoixima Online', SITE.length),
    }, false, true),
    // Geoblock: the site itself refuses Greece over TLS with a valid certificate, while the test
    // helper abroad gets the page; OONI calls it http-diff (its known false positive, ooni/probe#2661).
    f('geoblock', 'https://www.offshore-casino.example/', '0.5.26', {
      queries: [sys('www.offshore-casino.example', ['203.0.113.18']), udp('www.offshore-casino.example', ['203.0.113.18'])],
      tcp_connect: [tcp('203.0.113.18', 443, null)],
      tls_handshakes: [tls('203.0.113.18', 'www.offshore-casino.example', null)],
      requests: [get('https://www.offshore-casino.example/', '203.0.113.18:443', 403, GEO)],
      control: control(['203.0.113.18'], true, 200, 'Offshore Casino', 40000),
      status_code_match: false, body_length_match: false,
    }, 'http-diff', false),
  ];
}

/** Lines OONI's files also hold, or that break: each must be skipped with its reason. */
export function badLines(): { line: string; reason: string }[] {
  const good = fixtures()[0]!.measurement;
  const tk = good.test_keys as Obj;
  return [
    { line: JSON.stringify({ ...good, test_name: 'ndt' }), reason: 'other-test' },
    { line: JSON.stringify({ ...good, data_format_version: '0.3.0' }), reason: 'other-data-format' },
    { line: JSON.stringify({ ...good, test_version: '0.1.0' }), reason: 'other-test-version' },
    { line: JSON.stringify(good).slice(0, 300), reason: 'bad-json' },
    { line: '[1,2,3]', reason: 'not-an-object' },
    { line: JSON.stringify({ ...good, input: 'javascript:alert(1)' }), reason: 'bad-input' },
    { line: JSON.stringify({ ...good, measurement_start_time: 1709633472 }), reason: 'bad-time' },
    { line: JSON.stringify({ ...good, test_keys: { ...tk, queries: 'x' } }), reason: 'malformed-test-keys' },
    { line: JSON.stringify({ ...good, test_keys: { ...tk, tcp_connect: [{ ip: '<script>', port: 80, status: {} }] } }), reason: 'malformed-test-keys' },
    { line: JSON.stringify({ ...good, test_keys: { ...tk, requests: [{ request: { url: 5 } }] } }), reason: 'malformed-test-keys' },
    { line: '{"__proto__": {"polluted": true}, "test_name": "web_connectivity"}', reason: 'other-data-format' },
  ];
}
