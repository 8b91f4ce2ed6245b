// `censorprobe export ooni`: measurements as OONI-compatible JSONL, one measurement a line, so
// OONI's tools and analysts' pipelines read them. "Compatible", not OONI data: the test is
// censorprobe's, shaped like web_connectivity. Field rules implemented from ooni/spec:
// - data-formats/df-000-base.md (envelope: data_format_version "0.2.0", measurement_start_time
//   "YYYY-MM-DD hh:mm:ss" UTC, probe_asn "AS<n>" or "AS0" when unknown, probe_cc two letters,
//   probe_ip "127.0.0.1" when not shared, report_id, software_*, test_*, annotations string map);
// - data-formats/df-002-dnst.md (queries), df-005-tcpconnect.md (tcp_connect),
//   df-006-tlshandshake.md (tls_handshakes), df-001-httpt.md (requests), df-007-errors.md (failures);
// - nettests/ts-017-web-connectivity.md (control, dns_consistency, blocking, accessible).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { CensorprobeError } from '../errors.js';
import type { DnsQuery, HttpRequest, TcpConnect, TlsHandshake } from '../observations.js';
import type { MeasurementRecord } from '../record.js';
import type { Warn } from './run-folder/files.js';
import { readRecords } from './run-folder/read.js';
import { readRunMeta, type RunMeta } from './run-folder/report-json.js';

/** An exported line broke the spec's field rules: a bug, never written out silently. */
export class OoniFormatError extends CensorprobeError {
  override readonly code = 'CP_OONI_FORMAT';
}

export const OONI_FILE = 'ooni.jsonl';
export const OONI_TEST_NAME = 'web_connectivity';
/** The version of censorprobe's web_connectivity-like measurement (semver, as test_version asks). */
export const OONI_TEST_VERSION = '0.1.0';

export type Blocking = 'dns' | 'tcp_ip' | 'http-failure' | 'http-diff' | false | null;

/** ts-017: `blocking` and `accessible` from our verdict. A site down everywhere is OONI's "website down" (false/false). */
export function ooniBlocking(r: MeasurementRecord): { blocking: Blocking; accessible: boolean | null } {
  const fingerprinted = [r.layers.dpi, r.layers.url].some((f) => f?.fingerprint);
  switch (r.verdict) {
    case 'ok':
      return { blocking: false, accessible: true };
    case 'dns':
      return { blocking: 'dns', accessible: false };
    case 'ip':
      return { blocking: 'tcp_ip', accessible: false };
    case 'dpi':
    case 'url':
      // A blockpage served in place of the site is a different page (http-diff); a cut
      // connection or TLS handshake is a failure (http-failure, where OONI files TLS blocking).
      return { blocking: fingerprinted ? 'http-diff' : 'http-failure', accessible: false };
    case 'down':
      return { blocking: false, accessible: false };
    default:
      return { blocking: null, accessible: null };
  }
}

function asn(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return 'AS0';
  const digits = String(value).replace(/^AS/i, '');
  return /^\d+$/.test(digits) ? `AS${Number(digits)}` : 'AS0';
}

function ipOf(address: string | undefined): string | null {
  if (!address) return null;
  const m = /^\[(.*)\]:\d+$/.exec(address) ?? /^([^:]+):\d+$/.exec(address);
  const ip = m?.[1] ?? address;
  return isIP(ip) ? ip : null;
}

/** df-000: `{timestamp}_{asn}_{random}`; the "random" part is derived from the run id, so re-exports agree. */
export function reportId(runStart: string, probeAsn: string, runId: string): string {
  const stamp = runStart.replace(/[-: ]/g, '').replace(/^(\d{8})(\d{6})$/, '$1T$2Z');
  const tail = createHash('sha256').update(runId).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
  return `${stamp}_${probeAsn}_${tail}`;
}

function query(q: DnsQuery) {
  const answers = q.answers
    .filter((a) => a.section === 'answer')
    .map((a) => ({
      answer_type: a.answer_type,
      hostname: a.hostname,
      ttl: a.ttl,
      ...(a.ipv4 ? { ipv4: a.ipv4 } : {}),
      ...(a.ipv6 ? { ipv6: a.ipv6 } : {}),
      ...(a.target ? { hostname: a.target } : {}),
    }));
  return {
    answers: answers.length > 0 ? answers : null,
    engine: q.engine,
    failure: q.failure,
    hostname: q.hostname,
    query_type: q.query_type,
    resolver_hostname: null,
    resolver_port: q.engine === 'doh' ? null : (q.resolver_address.slice(q.resolver_address.lastIndexOf(':') + 1) || null),
    resolver_address: q.resolver_address,
    rcode: q.rcode,
    t0: q.t0,
    t: q.t,
    transaction_id: q.transaction_id,
    tags: q.tags,
  };
}

function tcp(c: TcpConnect, r: MeasurementRecord) {
  const pair = c.ip.includes(':') ? `[${c.ip}]:${c.port}` : `${c.ip}:${c.port}`;
  const control = r.test_keys.control?.tcp_connect[pair];
  // ts-017: blocked when the probe fails where the control connects; unknown without a control.
  const blocked = control === undefined ? null : !c.status.success && control.status;
  return { ip: c.ip, port: c.port, status: { success: c.status.success, failure: c.status.failure, blocked }, t0: c.t0, t: c.t, tags: c.tags };
}

function tls(h: TlsHandshake) {
  return {
    address: h.address,
    server_name: h.server_name,
    cipher_suite: null,
    failure: h.failure,
    negotiated_protocol: h.negotiated_protocol,
    no_tls_verify: false,
    // The probe keeps a summary of the leaf, not the DER chain df-006 asks for: none is claimed.
    peer_certificates: [],
    t0: h.t0,
    t: h.t,
    tls_version: h.tls_version,
    tags: h.tags,
  };
}

function request(q: HttpRequest) {
  return {
    failure: q.failure,
    request: { body: '', body_is_truncated: false, headers: q.request.headers, method: q.request.method, tor: { exit_ip: null, exit_name: null, is_tor: false }, url: q.request.url, x_transport: 'tcp' },
    response: q.response
      ? { body: q.response.body, body_is_truncated: q.response.body_is_truncated, code: q.response.code, headers: q.response.headers }
      : { body: null, body_is_truncated: false, code: 0, headers: {} },
    t0: q.t0,
    t: q.t,
    tags: q.tags,
  };
}

export interface OoniContext {
  meta: RunMeta | null;
}

/** One record as an OONI-compatible measurement. */
export function toOoni(r: MeasurementRecord, ctx: OoniContext): Record<string, unknown> {
  const probeAsn = asn(ctx.meta?.isp?.asn);
  const runStart = ctx.meta?.measurement_start_time ?? r.measurement_start_time;
  const ispAddress = r.context?.isp_resolver ?? r.test_keys.queries.find((q) => q.tags.includes('isp'))?.resolver_address;
  const { blocking, accessible } = ooniBlocking(r);
  const ispFirst = r.test_keys.queries.find((q) => q.tags.includes('isp') && q.query_type === 'A' && q.reply_index === 0);
  const httpFail = r.test_keys.requests.find((q) => q.tags.includes('direct'))?.failure ?? null;
  const annotations: Record<string, string> = {
    engine_name: 'censorprobe',
    engine_version: r.software_version,
    censorprobe_run_id: r.run_id,
    censorprobe_verdict: r.verdict,
    censorprobe_reason: r.reason,
    listed_input: r.input,
    category_code: r.target.category_code,
    network_type: 'unknown',
  };
  for (const layer of ['dns', 'ip', 'dpi', 'url'] as const) {
    const f = r.layers[layer];
    if (f) annotations[`censorprobe_${layer}`] = f.fingerprint ? `${f.kind} (${f.fingerprint})` : f.kind;
  }
  return {
    annotations,
    data_format_version: '0.2.0',
    input: r.target.url,
    measurement_start_time: r.measurement_start_time,
    probe_asn: probeAsn,
    probe_cc: 'GR',
    probe_ip: '127.0.0.1',
    probe_network_name: ctx.meta?.isp?.name ?? '',
    report_id: reportId(runStart, probeAsn, r.run_id),
    resolver_asn: probeAsn,
    resolver_ip: ipOf(ispAddress) ?? '',
    resolver_network_name: ctx.meta?.isp?.name ?? '',
    software_name: r.software_name,
    software_version: r.software_version,
    test_keys: {
      client_resolver: ipOf(ispAddress),
      queries: r.test_keys.queries.map(query),
      tcp_connect: r.test_keys.tcp_connect.map((c) => tcp(c, r)),
      tls_handshakes: r.test_keys.tls_handshakes.map(tls),
      requests: r.test_keys.requests.map(request),
      control: r.test_keys.control,
      control_failure: r.test_keys.control_failure,
      dns_experiment_failure: ispFirst?.failure ?? null,
      http_experiment_failure: httpFail,
      dns_consistency: r.layers.dns ? 'inconsistent' : r.truth_addrs.length > 0 && ispFirst ? 'consistent' : null,
      body_length_match: null,
      body_proportion: null,
      headers_match: null,
      status_code_match: null,
      title_match: null,
      blocking,
      accessible,
    },
    test_name: OONI_TEST_NAME,
    test_runtime: r.test_runtime,
    test_start_time: runStart,
    test_version: OONI_TEST_VERSION,
  };
}

// ---- Validation: the field rules above, checked on every exported line. ----

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const strOrNull = (v: unknown) => typeof v === 'string' || v === null;

function validTime(v: unknown): boolean {
  return typeof v === 'string' && TIME.test(v) && !Number.isNaN(Date.parse(`${v.replace(' ', 'T')}Z`));
}

/** The problems of one measurement against the spec's field rules; empty when it conforms. */
export function validateOoni(m: unknown): string[] {
  const p: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) p.push(what);
  };
  if (!isObj(m)) return ['not a JSON object'];
  need(isObj(m.annotations) && Object.values(m.annotations).every((v) => typeof v === 'string'), 'annotations: a map of strings');
  need(m.data_format_version === '0.2.0', 'data_format_version: "0.2.0"');
  need(strOrNull(m.input), 'input: string or null');
  need(validTime(m.measurement_start_time), 'measurement_start_time: "YYYY-MM-DD hh:mm:ss"');
  need(validTime(m.test_start_time), 'test_start_time: "YYYY-MM-DD hh:mm:ss"');
  need(typeof m.probe_asn === 'string' && /^AS\d+$/.test(m.probe_asn), 'probe_asn: "AS<number>" (AS0 when unknown)');
  need(typeof m.resolver_asn === 'string' && /^AS\d+$/.test(m.resolver_asn), 'resolver_asn: "AS<number>"');
  need(typeof m.probe_cc === 'string' && /^[A-Z]{2}$/.test(m.probe_cc), 'probe_cc: two capital letters (ZZ when unknown)');
  need(m.probe_ip === '127.0.0.1', 'probe_ip: "127.0.0.1" (the real address is never shared)');
  need(m.resolver_ip === '' || (typeof m.resolver_ip === 'string' && isIP(m.resolver_ip) !== 0), 'resolver_ip: an IP address');
  need(typeof m.report_id === 'string' && /^\d{8}T\d{6}Z_AS\d+_[A-Za-z0-9]+$/.test(m.report_id), 'report_id: "<YYYYMMDDThhmmssZ>_<ASN>_<id>"');
  need(typeof m.software_name === 'string' && m.software_name !== '', 'software_name: non-empty string');
  need(typeof m.software_version === 'string' && m.software_version !== '', 'software_version: non-empty string');
  need(m.test_name === OONI_TEST_NAME, `test_name: "${OONI_TEST_NAME}"`);
  need(typeof m.test_version === 'string' && /^\d+\.\d+\.\d+/.test(m.test_version), 'test_version: semver');
  need(isNum(m.test_runtime) && m.test_runtime >= 0, 'test_runtime: seconds, a number >= 0');
  const tk = m.test_keys;
  if (!isObj(tk)) return [...p, 'test_keys: an object'];
  const list = (name: string, check: (x: Record<string, unknown>) => string | null) => {
    const v = tk[name];
    if (!Array.isArray(v)) {
      p.push(`test_keys.${name}: an array`);
      return;
    }
    v.forEach((x, i) => {
      const why = isObj(x) ? check(x) : 'not an object';
      if (why) p.push(`test_keys.${name}[${i}]: ${why}`);
    });
  };
  const times = (x: Record<string, unknown>) => (isNum(x.t0) && isNum(x.t) && x.t >= x.t0 ? null : 't0/t: numbers, t >= t0');
  list('queries', (q) =>
    !['udp', 'tcp', 'doh', 'system', 'getaddrinfo', 'dot'].includes(String(q.engine)) ? 'engine'
    : !strOrNull(q.failure) ? 'failure: string or null'
    : typeof q.hostname !== 'string' || typeof q.query_type !== 'string' ? 'hostname/query_type'
    : typeof q.resolver_address !== 'string' ? 'resolver_address'
    : !(q.answers === null || (Array.isArray(q.answers) && q.answers.every((a) => isObj(a) && typeof a.answer_type === 'string'))) ? 'answers: null or a list with answer_type'
    : q.failure === null && q.answers === null && q.query_type === 'A' && q.rcode === 'NOERROR' ? 'a successful A query needs answers (or failure dns_no_answer)'
    : times(q));
  list('tcp_connect', (c) =>
    typeof c.ip !== 'string' || isIP(c.ip) === 0 ? 'ip'
    : !Number.isInteger(c.port) ? 'port'
    : !isObj(c.status) || typeof c.status.success !== 'boolean' || !strOrNull(c.status.failure) ? 'status {success, failure}'
    : c.status.success === (c.status.failure !== null) ? 'status: success xor failure'
    : !(c.status.blocked === null || typeof c.status.blocked === 'boolean') ? 'status.blocked: boolean or null'
    : times(c));
  list('tls_handshakes', (h) =>
    typeof h.address !== 'string' || typeof h.server_name !== 'string' ? 'address/server_name'
    : !strOrNull(h.failure) || !strOrNull(h.tls_version) ? 'failure/tls_version'
    : !Array.isArray(h.peer_certificates) ? 'peer_certificates: a list'
    : times(h));
  list('requests', (q) =>
    !strOrNull(q.failure) ? 'failure'
    : !isObj(q.request) || typeof q.request.url !== 'string' || typeof q.request.method !== 'string' || !isObj(q.request.headers) ? 'request {url, method, headers}'
    : !isObj(q.response) || !Number.isInteger(q.response.code) || !isObj(q.response.headers) ? 'response {code, headers}'
    : times(q));
  need(['dns', 'tcp_ip', 'http-failure', 'http-diff', false, null].includes(tk.blocking as never), 'test_keys.blocking: "dns"|"tcp_ip"|"http-failure"|"http-diff"|false|null');
  need(tk.accessible === null || typeof tk.accessible === 'boolean', 'test_keys.accessible: boolean or null');
  need(!(tk.accessible === true && tk.blocking !== false), 'test_keys: blocking is false when accessible');
  need((tk.accessible === null) === (tk.blocking === null), 'test_keys: blocking and accessible are null together (measurement failure)');
  need([null, 'consistent', 'inconsistent', 'reverse_match'].includes(tk.dns_consistency as never), 'test_keys.dns_consistency');
  need(tk.control === null || isObj(tk.control), 'test_keys.control: object or null');
  return p;
}

/** Writes `ooni.jsonl` (or `out`), one validated measurement a line; returns the path and count. */
export async function exportOoni(dir: string, opts: { out?: string; warn?: Warn } = {}): Promise<{ path: string; measurements: number }> {
  const meta = readRunMeta(dir, opts.warn);
  const path = opts.out ?? join(dir, OONI_FILE);
  const stream = createWriteStream(path, { encoding: 'utf8' });
  let n = 0;
  try {
    for await (const r of readRecords(dir, opts.warn)) {
      const m = toOoni(r, { meta });
      const problems = validateOoni(m);
      if (problems.length > 0) {
        throw new OoniFormatError(`${r.input}: the OONI form breaks the spec: ${problems.join('; ')}`, { hint: 'this is a bug in censorprobe; please report it with the entry' });
      }
      if (!stream.write(`${JSON.stringify(m)}\n`)) await once(stream, 'drain');
      n++;
    }
  } finally {
    stream.end();
    await once(stream, 'finish');
  }
  return { path, measurements: n };
}
