// One OONI web_connectivity measurement (data format 0.2.0, test versions 0.4.x and 0.5.x) as our
// observations: ooni/spec df-000-base (envelope), df-001 (requests), df-002 (queries), df-005
// (tcp_connect), df-006 (tls_handshakes), nettests/ts-017 (control, blocking, accessible).
// Roles (tags) follow what each step was: OONI's system resolver is the ISP's (`isp`), its UDP and
// DoH resolvers are abroad (`foreign`); connections to an address a resolver abroad or the control
// gave are to the true address (`direct`, `path` for a listed path), others to the ISP's answer
// (`isp-answer`). Our own export's extra fields (`x_censorprobe`) are read back when present.
// Untrusted input: every field is checked, and a line that does not fit says where.
import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';
import type { AnalysisContext } from '../../analysis/types.js';
import type { CertificateSummary, ControlResponse, DnsAnswer, DnsQuery, HttpRequest, StepTag, Target, TcpConnect, TestKeys, TlsHandshake } from '../../observations.js';

export class OoniLineError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const failureOf = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, 500) : null);

function bad(reason: string, where: string): never {
  throw new OoniLineError(reason, `${where}: ${reason.replace(/-/g, ' ')}`);
}

function list(v: unknown, where: string): Obj[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) bad('malformed-test-keys', `${where} is not a list`);
  if (v.length > 2000) bad('malformed-test-keys', `${where} has ${v.length} items`);
  return v.map((x, i) => (isObj(x) ? x : bad('malformed-test-keys', `${where}[${i}] is not an object`)));
}

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
/** Text kept of a body, as the probe keeps (src/net/http.ts BODY_TEXT_CHARS). */
const BODY_TEXT_CHARS = 4096;

export interface OoniFacts {
  report_id: string | null;
  measurement_uid: string | null;
  test_version: string;
  software: string;
  /** OONI's own verdict, as the measurement says it. */
  blocking: string | false | null;
  accessible: boolean | null;
  probe_asn: string;
  probe_cc: string;
}

export interface Mapped {
  start: string;
  runtime: number;
  target: Target;
  keys: TestKeys;
  context: AnalysisContext;
  ooni: OoniFacts;
  software_name: string;
  software_version: string;
}

const RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };
const RCODE_BY_FAILURE: Record<string, string> = { dns_nxdomain_error: 'NXDOMAIN', dns_servfail_error: 'SERVFAIL', dns_refused_error: 'REFUSED', dns_no_answer: 'NOERROR' };

function targetOf(input: string): Target {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    bad('bad-input', `input ${JSON.stringify(input.slice(0, 80))} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') bad('bad-input', `input ${JSON.stringify(input.slice(0, 80))} is not an http(s) URL`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    input,
    url: u.href,
    scheme: u.protocol === 'https:' ? 'https' : 'http',
    host,
    host_unicode: isIP(host) ? host : domainToUnicode(host) || host,
    port: u.port ? Number(u.port) : null,
    path: `${u.pathname}${u.search}`,
    is_ip: isIP(host) !== 0,
    // OONI's measurements carry no test-list category; the citizenlab lists know it, we do not.
    category_code: 'UNKNOWN',
    list: 'ooni',
  };
}

function answers(raw: unknown, hostname: string, x: Obj | null, where: string): DnsAnswer[] {
  const owners = Array.isArray(x?.answer_owners) ? (x!.answer_owners as unknown[]) : [];
  const out: DnsAnswer[] = list(raw, where).slice(0, 100).map((a, i) => {
    const type = str(a.answer_type) ?? '';
    const ip = str(a.ipv4) ?? str(a.ipv6);
    if ((type === 'A' || type === 'AAAA') && (!ip || isIP(ip) === 0)) bad('malformed-test-keys', `${where}[${i}] has no address`);
    return {
      section: 'answer',
      answer_type: type,
      hostname: str(owners[i]) ?? hostname,
      ttl: typeof a.ttl === 'number' ? a.ttl : null,
      ...(type === 'A' && ip ? { ipv4: ip } : {}),
      ...(type === 'AAAA' && ip ? { ipv6: ip } : {}),
      ...(type !== 'A' && type !== 'AAAA' && str(a.hostname) ? { target: str(a.hostname)! } : {}),
      ...(typeof a.asn === 'number' && a.asn > 0 ? { asn: a.asn } : {}),
    };
  });
  if (x && Array.isArray(x.other_sections)) {
    for (const o of (x.other_sections as unknown[]).slice(0, 100)) if (isObj(o)) out.push(o as unknown as DnsAnswer);
  }
  return out;
}

function roleOfQuery(q: Obj): StepTag | null {
  const tags = Array.isArray(q.tags) ? q.tags : [];
  // Our own export names the role; OONI's system resolver is the ISP's.
  for (const t of ['isp', 'isp-direct', 'foreign'] as const) if (tags.includes(t)) return t;
  const engine = str(q.engine) ?? 'system';
  if (engine === 'system' || engine === 'getaddrinfo' || engine === 'golang_net_resolver' || engine === 'unknown') return 'isp';
  if (engine === 'udp' || engine === 'doh' || engine === 'tcp' || engine === 'dot') return 'foreign';
  return null;
}

function query(q: Obj, i: number): DnsQuery | null {
  const where = `test_keys.queries[${i}]`;
  const role = roleOfQuery(q);
  const hostname = str(q.hostname);
  const type = str(q.query_type);
  if (!role || !hostname || !type) return null;
  const x = isObj(q.x_censorprobe) ? q.x_censorprobe : null;
  const rawEngine = str(q.engine) ?? 'system';
  const engine = rawEngine === 'doh' ? 'doh' : rawEngine === 'tcp' ? 'tcp' : 'udp';
  const failure = failureOf(q.failure);
  const found = answers(q.answers, hostname, x, `${where}.answers`);
  const rcodeName = str(x?.rcode) ?? (typeof q.rcode === 'number' ? (RCODE_NAMES[q.rcode] ?? null) : null) ??
    (failure === null ? 'NOERROR' : (RCODE_BY_FAILURE[failure] ?? null));
  const address = str(q.resolver_address) || (role === 'isp' ? 'system' : `${rawEngine}:unknown`);
  return {
    engine,
    resolver_address: address,
    hostname,
    query_type: type,
    transaction_id: num(q.transaction_id),
    t0: num(q.t0, num(q.t)),
    t: num(q.t),
    failure: failure === null && (type === 'A' || type === 'AAAA') && !found.some((a) => a.section === 'answer' && (a.ipv4 || a.ipv6)) ? 'dns_no_answer' : failure,
    rcode: rcodeName,
    flags: Array.isArray(x?.flags) ? (x!.flags as unknown[]).filter((f): f is string => typeof f === 'string') : [],
    answers: found,
    reply_index: typeof x?.reply_index === 'number' ? x.reply_index : 0,
    ...(str(x?.reply_from) ? { reply_from: str(x!.reply_from)! } : {}),
    ...(typeof x?.attempts === 'number' ? { attempts: x.attempts } : {}),
    // Our export's own tags (retry, shared) matter to the analysis; OONI's get the role alone.
    tags: [role, ...(ownTags(q.tags) ?? []).filter((t) => t === 'retry' || t === 'shared')],
  };
}

/** A step's depth in OONI's redirect chain (`depth=N` tag); 0 without the tag. */
function depthOf(tags: unknown): number {
  if (!Array.isArray(tags)) return 0;
  const d = tags.find((t): t is string => typeof t === 'string' && t.startsWith('depth='));
  return d ? Number(d.slice(6)) || 0 : 0;
}

/** Our export's own role tags, when the line came from `censorprobe export ooni`. */
function ownTags(tags: unknown): StepTag[] | null {
  if (!Array.isArray(tags)) return null;
  const ours: StepTag[] = ['isp-answer', 'direct', 'path', 'swap-innocuous', 'swap-real-neutral', 'sandwich', 'retry', 'shared'];
  const found = tags.filter((t): t is StepTag => ours.includes(t as StepTag));
  return found.length > 0 ? found : null;
}

// A site's certificate recurs in every measurement of it: parsed once (bounded, cleared when full).
const summaries = new Map<string, CertificateSummary | null>();

function summary(der: string[]): CertificateSummary | null {
  if (der.length === 0) return null;
  const known = summaries.get(der[0]!);
  if (known !== undefined) return known;
  if (summaries.size >= 2048) summaries.clear();
  const parsed = parseSummary(der[0]!);
  summaries.set(der[0]!, parsed);
  return parsed;
}

function parseSummary(leaf: string): CertificateSummary | null {
  try {
    const c = new X509Certificate(Buffer.from(leaf, 'base64'));
    const names = (c.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:') || s.startsWith('IP Address:')).map((s) => s.replace(/^DNS:|^IP Address:/, ''));
    const cn = /(?:^|\n)CN=(.*)/.exec(c.subject)?.[1];
    return {
      subject: c.subject.replace(/\n/g, ', '),
      issuer: c.issuer.replace(/\n/g, ', '),
      names: names.length > 0 ? names : cn ? [cn] : [],
      valid_from: new Date(c.validFrom).toISOString(),
      valid_to: new Date(c.validTo).toISOString(),
      fingerprint256: c.fingerprint256,
    };
  } catch {
    return null;
  }
}

function controlOf(raw: unknown, failure: string | null): { control: ControlResponse | null; control_failure: string | null } {
  if (!isObj(raw) || failure !== null || !isObj(raw.dns) && !isObj(raw.tcp_connect) && !isObj(raw.http_request)) {
    return { control: null, control_failure: failure ?? 'unknown_failure: the measurement has no control' };
  }
  const dns = isObj(raw.dns) ? raw.dns : {};
  const tcp: ControlResponse['tcp_connect'] = {};
  for (const [k, v] of Object.entries(isObj(raw.tcp_connect) ? raw.tcp_connect : {}).slice(0, 200)) {
    if (isObj(v)) tcp[k] = { status: v.status === true, failure: failureOf(v.failure) };
  }
  const tls: ControlResponse['tls_handshake'] = {};
  for (const [k, v] of Object.entries(isObj(raw.tls_handshake) ? raw.tls_handshake : {}).slice(0, 200)) {
    if (isObj(v)) tls[k] = { server_name: str(v.server_name) ?? '', status: v.status === true, failure: failureOf(v.failure) };
  }
  const http = isObj(raw.http_request) ? raw.http_request : {};
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObj(http.headers) ? http.headers : {}).slice(0, 200)) {
    const value = Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : str(v);
    if (value !== null) headers[k.toLowerCase()] = value.slice(0, 2000);
  }
  const addrs = Array.isArray(dns.addrs) ? dns.addrs.filter((a): a is string => typeof a === 'string' && isIP(a) !== 0).slice(0, 100) : [];
  return {
    control: {
      dns: { failure: failureOf(dns.failure), addrs },
      tcp_connect: tcp,
      tls_handshake: tls,
      http_request: {
        // The test helper writes -1 and no failure for a fetch it could not make (ts-017).
        failure: failureOf(http.failure) ?? (num(http.status_code, -1) < 0 ? 'unknown_failure: the control fetched no page' : null),
        status_code: Math.trunc(num(http.status_code, -1)),
        title: (str(http.title) ?? '').slice(0, 500),
        body_length: Math.trunc(num(http.body_length, -1)),
        body_sha256: str(http.body_sha256) ?? '',
        headers,
        // Our own helper says where its fetch ended (OONI's does not): a redirect geoblock needs it.
        ...(str(http.final_url) !== null ? { final_url: str(http.final_url)!.slice(0, 2000) } : {}),
      },
    },
    control_failure: null,
  };
}

function titleOf(body: string): string | null {
  const m = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(body.slice(0, 65536));
  return m ? m[1]!.replace(/\s+/g, ' ').trim().slice(0, 300) : null;
}

function headersOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(raw)) return out;
  for (const [k, v] of Object.entries(raw).slice(0, 200)) {
    const value = Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : str(v);
    if (value !== null) out[k.toLowerCase()] = value.slice(0, 4000);
  }
  return out;
}

function bodyOf(raw: unknown): Buffer {
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  if (isObj(raw) && raw.format === 'base64' && typeof raw.data === 'string') return Buffer.from(raw.data, 'base64');
  return Buffer.alloc(0);
}

/** The measurement as our observations, or an OoniLineError naming the reason and the place. */
export function mapOoni(m: unknown, opts: { routableNets?: string[] } = {}): Mapped {
  if (!isObj(m)) bad('not-an-object', 'the line');
  if (m.test_name !== 'web_connectivity') bad('other-test', `test_name ${JSON.stringify(String(m.test_name).slice(0, 40))}`);
  if (m.data_format_version !== '0.2.0') bad('other-data-format', `data_format_version ${JSON.stringify(String(m.data_format_version).slice(0, 20))}`);
  const version = str(m.test_version) ?? '';
  if (!/^0\.[45]\.\d+/.test(version)) bad('other-test-version', `test_version ${JSON.stringify(version.slice(0, 20))}`);
  const input = str(m.input);
  if (!input) bad('bad-input', 'input is missing');
  const target = targetOf(input);
  const start = str(m.measurement_start_time);
  if (!start || !TIME.test(start)) bad('bad-time', 'measurement_start_time is not "YYYY-MM-DD hh:mm:ss"');
  const tk = m.test_keys;
  if (!isObj(tk)) bad('malformed-test-keys', 'test_keys is not an object');
  const x = isObj(tk.x_censorprobe) ? tk.x_censorprobe : null;
  const ownTarget = x && isObj(x.target) ? (x.target as unknown as Target) : null;
  if (ownTarget) Object.assign(target, { input: str(ownTarget.input) ?? target.input, category_code: str(ownTarget.category_code) || 'UNKNOWN', list: str(ownTarget.list) ?? 'ooni', host_unicode: str(ownTarget.host_unicode) ?? target.host_unicode });

  const queries = list(tk.queries, 'test_keys.queries').slice(0, 200).map(query).filter((q): q is DnsQuery => q !== null);
  const { control, control_failure } = controlOf(tk.control, failureOf(tk.control_failure));
  const keys: TestKeys = { queries, tcp_connect: [], tls_handshakes: [], requests: [], control, control_failure };

  // True addresses: what resolvers abroad and the control say the name is.
  const truth = new Set<string>(control?.dns.addrs ?? []);
  for (const q of queries) if (q.tags.includes('foreign')) for (const a of q.answers) if (a.ipv4 ?? a.ipv6) truth.add((a.ipv4 ?? a.ipv6)!);
  if (target.is_ip) truth.add(target.host);
  const listedPort = target.port ?? (target.scheme === 'https' ? 443 : 80);
  const sitePath = target.path === '/' ? 'direct' : 'path';
  const tcpRaw = [...list(tk.tcp_connect, 'test_keys.tcp_connect'), ...(isObj(tk.x_censorprobe_steps) ? list(tk.x_censorprobe_steps.tcp_connect, 'test_keys.x_censorprobe_steps.tcp_connect') : [])];
  const tlsRaw = [...list(tk.tls_handshakes, 'test_keys.tls_handshakes'), ...(isObj(tk.x_censorprobe_steps) ? list(tk.x_censorprobe_steps.tls_handshakes, 'test_keys.x_censorprobe_steps.tls_handshakes') : [])];
  const reqRaw = [...list(tk.requests, 'test_keys.requests'), ...(isObj(tk.x_censorprobe_steps) ? list(tk.x_censorprobe_steps.requests, 'test_keys.x_censorprobe_steps.requests') : [])];
  // Unrouted IPv6 fails everywhere on an IPv4-only line (OONI's false tcp_ip, ooni/probe#2456):
  // IPv6 steps keep no role unless an IPv6 connection worked.
  const ipv6 = tcpRaw.some((c) => isIP(str(c.ip) ?? '') === 6 && isObj(c.status) && c.status.success === true);
  const roleFor = (ip: string, port: number, tags: unknown, forListedPath: boolean): StepTag[] => {
    const own = ownTags(tags);
    if (own) return own;
    if (depthOf(tags) > 0 || (isIP(ip) === 6 && !ipv6)) return [];
    if (port !== listedPort && !(target.scheme === 'http' && port === 443)) return [];
    if (!truth.has(ip)) return target.path === '/' || !forListedPath ? ['isp-answer'] : [];
    return [forListedPath ? sitePath : 'direct'];
  };

  for (const [i, c] of tcpRaw.entries()) {
    const ip = str(c.ip) ?? '';
    const port = num(c.port, -1);
    if (isIP(ip) === 0 || port < 1 || port > 65535 || !isObj(c.status)) bad('malformed-test-keys', `test_keys.tcp_connect[${i}]`);
    const failure = failureOf(c.status.failure);
    keys.tcp_connect.push({ ip, port, t0: num(c.t0, num(c.t)), t: num(c.t), status: { success: failure === null && c.status.success !== false, failure }, tags: roleFor(ip, port, c.tags, true) });
  }
  const seenLeaf = new Set<string>();
  for (const [i, h] of tlsRaw.entries()) {
    const address = str(h.address) ?? '';
    const m2 = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
    if (!m2) bad('malformed-test-keys', `test_keys.tls_handshakes[${i}].address`);
    const der = list(h.peer_certificates, `test_keys.tls_handshakes[${i}].peer_certificates`).slice(0, 5).map((c) => str(c.data) ?? '').filter((d) => d !== '');
    const own = isObj(h.x_censorprobe) ? h.x_censorprobe : null;
    const failure = failureOf(h.failure);
    const completed = own ? own.completed === true : failure === null;
    const peer = own && isObj(own.peer_certificate) ? (own.peer_certificate as unknown as CertificateSummary) : summary(der);
    keys.tls_handshakes.push({
      address,
      server_name: str(h.server_name) ?? target.host,
      t0: num(h.t0, num(h.t)),
      t: num(h.t),
      failure: completed ? null : failure,
      tls_version: str(h.tls_version) || null,
      negotiated_protocol: str(h.negotiated_protocol) || null,
      // OONI verifies the chain and the name before it calls a handshake a success.
      trusted: own ? own.trusted === true : failure === null,
      valid_for_name: own ? own.valid_for_name === true : failure === null,
      verify_error: own ? str(own.verify_error) : failure === null ? null : failure,
      peer_certificate: peer,
      // The DER chain stays in OONI's archive (measurement_uid finds it); ours keeps the summary the
      // analysis reads. Our own export's lines carry theirs back, once per measurement.
      ...(own && der.length > 0 && !(peer && seenLeaf.has(peer.fingerprint256)) ? { peer_certificates: der } : {}),
      tags: roleFor(m2[1]!, Number(m2[2]), h.tags, true),
    });
    if (peer && der.length > 0) seenLeaf.add(peer.fingerprint256);
  }
  for (const [i, r] of reqRaw.entries()) {
    const req = isObj(r.request) ? r.request : bad('malformed-test-keys', `test_keys.requests[${i}].request`);
    const url = str(req.url);
    if (!url) bad('malformed-test-keys', `test_keys.requests[${i}].request.url`);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      bad('malformed-test-keys', `test_keys.requests[${i}].request.url`);
    }
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    const own = isObj(r.x_censorprobe) ? r.x_censorprobe : null;
    // OONI 0.4 writes no address: its HTTP client dialled one of the addresses it resolved.
    const hostOf = u.hostname.replace(/^\[|\]$/g, '');
    const address = str(r.address) ?? keys.tcp_connect.find((c) => c.port === port && c.status.success)?.ip ?? keys.tcp_connect.find((c) => c.port === port)?.ip ?? '';
    const full = address.includes(':') && !isIP(address) ? address : address ? (isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`) : '';
    const ipOfAddress = /^\[?([^\]]*)\]?:\d+$/.exec(full)?.[1] ?? '';
    const res = isObj(r.response) ? r.response : {};
    const failure = failureOf(r.failure);
    const code = Math.trunc(num(res.code, 0));
    let response: HttpRequest['response'] = null;
    if (code > 0) {
      const body = bodyOf(res.body);
      const text = body.subarray(0, BODY_TEXT_CHARS * 4).toString('utf8').slice(0, BODY_TEXT_CHARS);
      response = {
        code,
        headers: headersOf(res.headers),
        body_length: own && typeof own.body_length === 'number' ? own.body_length : body.length,
        body_is_truncated: res.body_is_truncated === true,
        body: text,
        body_sha256: own && typeof own.body_sha256 === 'string' ? own.body_sha256 : createHash('sha256').update(body).digest('hex'),
        title: own && 'title' in own ? str(own.title) : titleOf(text),
      };
    }
    const sameUrl = u.href === target.url;
    const depth = depthOf(r.tags);
    keys.requests.push({
      request: { url: u.href, method: str(req.method) ?? 'GET', address: full, host: own ? (str(own.host) ?? hostOf) : hostOf, headers: headersOf(req.headers) },
      response,
      failure: code > 0 ? null : (failure ?? 'unknown_failure: no response'),
      t0: num(r.t0, num(r.t)),
      t: num(r.t),
      tags: ownTags(r.tags) ?? (depth === 0 && sameUrl && hostOf === target.host ? roleFor(ipOfAddress, port, r.tags, true) : []),
    });
  }

  const isp = queries.find((q) => q.tags.includes('isp'));
  const context: AnalysisContext = x && isObj(x.context)
    ? (x.context as unknown as AnalysisContext)
    : {
        isp_resolver: isp?.resolver_address ?? 'system',
        foreign: [...new Map(queries.filter((q) => q.tags.includes('foreign')).map((q) => [q.resolver_address, { address: q.resolver_address, engine: q.engine }])).values()],
        routable_nets: opts.routableNets ?? [],
        blockpage_ips: {},
        ipv6,
      };
  const blocking = tk.blocking;
  return {
    start,
    runtime: Math.max(0, num(m.test_runtime)),
    target,
    keys,
    context,
    software_name: (str(m.software_name) ?? 'unknown').slice(0, 60),
    software_version: (str(m.software_version) ?? '').slice(0, 40),
    ooni: {
      report_id: str(m.report_id)?.slice(0, 200) ?? null,
      measurement_uid: str(m.measurement_uid)?.slice(0, 100) ?? null,
      test_version: version,
      software: `${str(m.software_name) ?? '?'} ${str(m.software_version) ?? ''}`.trim().slice(0, 100),
      blocking: typeof blocking === 'string' ? blocking.slice(0, 30) : blocking === false ? false : null,
      accessible: typeof tk.accessible === 'boolean' ? tk.accessible : null,
      probe_asn: /^AS\d+$/.test(str(m.probe_asn) ?? '') ? str(m.probe_asn)! : 'AS0',
      probe_cc: /^[A-Z]{2}$/.test(str(m.probe_cc) ?? '') ? str(m.probe_cc)! : 'ZZ',
    },
  };
}
