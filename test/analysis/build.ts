// Builders for observations in analysis tests: short calls that produce the same shapes the probe
// records (src/observations.ts), so each test reads as the story it checks.
import type { AnalysisContext } from '../../src/analysis/types.js';
import type { ControlResponse, DnsAnswer, DnsQuery, HttpRequest, StepTag, Target, TcpConnect, TestKeys, TlsHandshake } from '../../src/observations.js';

export const HOST = 'bet365.com';
export const TRUE_IP = '198.18.16.10';
export const DOH = 'https://198.18.3.53/dns-query';
export const ISP = '198.18.1.53:53';

export function target(over: Partial<Target> = {}): Target {
  return {
    input: HOST,
    url: `http://${HOST}/`,
    scheme: 'http',
    host: HOST,
    host_unicode: HOST,
    port: null,
    path: '/',
    is_ip: false,
    category_code: 'GMB',
    list: 'test.csv',
    ...over,
  };
}

export const context: AnalysisContext = {
  isp_resolver: ISP,
  foreign: [{ address: DOH, engine: 'doh' }],
  routable_nets: ['198.18.0.0/15'],
  blockpage_ips: {},
  ipv6: false,
};

export function keys(over: Partial<TestKeys> = {}): TestKeys {
  return { queries: [], tcp_connect: [], tls_handshakes: [], requests: [], control: null, control_failure: null, ...over };
}

const a = (ip: string, section: DnsAnswer['section'] = 'answer'): DnsAnswer => ({ section, answer_type: 'A', hostname: HOST, ttl: 60, ipv4: ip });

export function dnsReply(tag: 'isp' | 'foreign', opts: { failure?: string | null; rcode?: string | null; addrs?: string[]; additional?: string[]; engine?: 'udp' | 'doh'; reply_index?: number; soa?: [string, string] } = {}): DnsQuery {
  const failure = opts.failure ?? null;
  const answers = [...(opts.addrs ?? []).map((ip) => a(ip)), ...(opts.additional ?? []).map((ip) => a(ip, 'additional'))];
  if (opts.soa) answers.push({ section: 'authority', answer_type: 'SOA', hostname: HOST, ttl: 60, target: opts.soa[0], rname: opts.soa[1] });
  return {
    engine: opts.engine ?? (tag === 'isp' ? 'udp' : 'doh'),
    resolver_address: tag === 'isp' ? ISP : DOH,
    hostname: HOST,
    query_type: 'A',
    transaction_id: 1,
    t0: 0,
    t: tag === 'isp' ? 0.001 : 0.02,
    failure,
    rcode: opts.rcode !== undefined ? opts.rcode : failure === 'generic_timeout_error' ? null : failure === 'dns_nxdomain_error' ? 'NXDOMAIN' : failure === 'dns_refused_error' ? 'REFUSED' : failure === 'dns_servfail_error' ? 'SERVFAIL' : 'NOERROR',
    flags: ['rd', 'ra'],
    answers,
    reply_index: opts.reply_index ?? 0,
    tags: [tag],
  };
}

export const truth = (addrs = [TRUE_IP]) => dnsReply('foreign', { addrs });

export function tcp(ip: string, port: number, failure: string | null, tags: StepTag[]): TcpConnect {
  return { ip, port, t0: 0, t: 0.01, status: { success: failure === null, failure }, tags };
}

export function tlsStep(ip: string, serverName: string, failure: string | null, tags: StepTag[], cert: { trusted?: boolean; valid?: boolean } = {}): TlsHandshake {
  return {
    address: `${ip}:443`,
    server_name: serverName,
    t0: 0,
    t: 0.02,
    failure,
    tls_version: failure ? null : 'TLSv1.3',
    negotiated_protocol: null,
    trusted: failure === null && (cert.trusted ?? true),
    valid_for_name: failure === null && (cert.valid ?? true),
    verify_error: null,
    peer_certificate: null,
    tags,
  };
}

export function http(ip: string, host: string, opts: { failure?: string | null; code?: number; title?: string; body?: string; location?: string; path?: string; scheme?: 'http' | 'https'; server?: string }, tags: StepTag[]): HttpRequest {
  const scheme = opts.scheme ?? 'http';
  const port = scheme === 'https' ? 443 : 80;
  const failure = opts.failure ?? null;
  const headers: Record<string, string> = {};
  if (opts.location) headers['location'] = opts.location;
  if (opts.server) headers['server'] = opts.server;
  return {
    request: { url: `${scheme}://${host}${opts.path ?? '/'}`, method: 'GET', address: `${ip}:${port}`, host, headers: {} },
    response: failure
      ? null
      : {
          code: opts.code ?? 200,
          headers,
          body_length: (opts.body ?? '').length,
          body_is_truncated: false,
          body: opts.body ?? '<html><title>Site</title></html>',
          body_sha256: `sha-${opts.title ?? 'Site'}-${opts.body ?? ''}`,
          title: opts.title ?? 'Site',
        },
    failure,
    t0: 0,
    t: 0.05,
    tags,
  };
}

/** A site that works on both ports with any name: the steps the probe records for it. */
export function healthySite(ip = TRUE_IP): Partial<TestKeys> {
  return {
    tcp_connect: [tcp(ip, 80, null, ['swap-innocuous']), tcp(ip, 80, null, ['direct']), tcp(ip, 443, null, ['swap-innocuous']), tcp(ip, 443, null, ['direct'])],
    tls_handshakes: [tlsStep(ip, 'www.example.com', null, ['swap-innocuous'], { valid: false }), tlsStep(ip, HOST, null, ['direct'])],
    requests: [
      http(ip, 'www.example.com', { code: 404, title: 'Not found' }, ['swap-innocuous']),
      http(ip, HOST, {}, ['direct']),
      http(ip, HOST, { scheme: 'https' }, ['direct']),
    ],
  };
}

export function control(over: Partial<ControlResponse> & { tcp?: Record<string, boolean>; tls?: Record<string, boolean> } = {}): ControlResponse {
  const tcpMap = Object.fromEntries(Object.entries(over.tcp ?? { [`${TRUE_IP}:80`]: true, [`${TRUE_IP}:443`]: true }).map(([k, v]) => [k, { status: v, failure: v ? null : 'generic_timeout_error' }]));
  const tlsMap = Object.fromEntries(Object.entries(over.tls ?? { [`${TRUE_IP}:443`]: true }).map(([k, v]) => [k, { server_name: HOST, status: v, failure: v ? null : 'connection_reset' }]));
  return {
    dns: over.dns ?? { failure: null, addrs: [TRUE_IP] },
    tcp_connect: tcpMap,
    tls_handshake: tlsMap,
    http_request: over.http_request ?? { failure: null, status_code: 200, title: 'Site', body_length: 100, body_sha256: 'x', headers: {} },
  };
}
