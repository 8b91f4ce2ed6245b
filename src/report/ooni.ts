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
import { lengthsAgree, pageOf } from '../analysis/pages.js';
import { CensorprobeError } from '../errors.js';
import type { ControlResponse, DnsAnswer, DnsQuery, HttpRequest, StepTag, Target, TcpConnect, TlsHandshake } from '../observations.js';
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
/**
 * ts-017 tells readers to take only the "classic" steps (tag `classic`) of a measurement whose
 * test_version is 0.5 or later, and every step of an older one. Ours keeps its extra steps apart
 * (`x_censorprobe_steps`) and tags the site's own steps `classic`, so a 0.5 reader takes them right.
 */
export const OONI_TEST_VERSION = '0.5.0';

export type Blocking = 'dns' | 'tcp_ip' | 'http-failure' | 'http-diff' | false | null;

type Verdictish = Pick<MeasurementRecord, 'verdict' | 'layers'> & { test_keys?: MeasurementRecord['test_keys']; target?: MeasurementRecord['target'] };

/**
 * ts-017: `blocking` and `accessible` from our verdict. A site down everywhere, and a site that
 * refuses this country itself (`geoblock`), are not blocking by the network: `false`, not accessible.
 * A DPI or URL block is `http-diff` when a page came back in place of the site, `http-failure` when
 * the exchange was cut (OONI files TLS interference there too).
 */
export function ooniBlocking(r: Verdictish): { blocking: Blocking; accessible: boolean | null } {
  switch (r.verdict as string) {
    case 'ok':
      return { blocking: false, accessible: true };
    case 'dns':
      return { blocking: 'dns', accessible: false };
    case 'ip':
      return { blocking: 'tcp_ip', accessible: false };
    case 'dpi':
    case 'url': {
      const fingerprinted = [r.layers.dpi, r.layers.url].some((f) => f?.fingerprint);
      const first = r.test_keys && r.target ? siteSteps(r as MeasurementRecord).requests[0] : undefined;
      const page = first?.failure === null ? first.response : undefined;
      return { blocking: fingerprinted || (page && page.code > 0) ? 'http-diff' : 'http-failure', accessible: false };
    }
    case 'down':
    case 'geoblock':
      return { blocking: false, accessible: false };
    default:
      return { blocking: null, accessible: null };
  }
}

/** webconnectivitylte's `x_blocking_flags`: 1 DNS, 2 TCP/IP, 4 TLS, 8 HTTP failure, 16 HTTP diff, 32 success. */
function blockingFlags(blocking: Blocking, accessible: boolean | null, site: SiteSteps): number {
  if (blocking === 'dns') return 1;
  if (blocking === 'tcp_ip') return 2;
  if (blocking === 'http-diff') return 16;
  if (blocking === 'http-failure') return site.tls_handshakes.some((h) => h.failure !== null) ? 4 : 8;
  return accessible ? 32 : 0;
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

function portOf(address: string): number {
  const m = /:(\d+)$/.exec(address);
  return m ? Number(m[1]) : 0;
}

/** df-000: `{timestamp}_{asn}_{random}`; the "random" part is derived from the run id, so re-exports agree. */
export function reportId(runStart: string, probeAsn: string, runId: string): string {
  const stamp = runStart.replace(/[-: ]/g, '').replace(/^(\d{8})(\d{6})$/, '$1T$2Z');
  const tail = createHash('sha256').update(runId).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
  return `${stamp}_${probeAsn}_${tail}`;
}

// ---- Which steps are the site's own ----

const EXTRA_TAGS: StepTag[] = ['swap-innocuous', 'swap-real-neutral', 'sandwich'];

export interface SiteSteps {
  tcp_connect: TcpConnect[];
  tls_handshakes: TlsHandshake[];
  requests: HttpRequest[];
}

function listedPort(t: Target): number {
  return t.port ?? (t.scheme === 'https' ? 443 : 80);
}

/**
 * The steps a browser makes for the listed URL: its scheme and port, the real name, the listed
 * path, to the address the ISP's resolver gave (`isp-answer`) or to the site's true address
 * (`direct`, or `path` for a listed path, with their retries). The swap test's innocuous name, the
 * real name on a neutral address, the other scheme and the root of a listed path are the probe's
 * own questions, exported under `x_censorprobe_steps`.
 */
function isSiteStep(t: Target, tags: StepTag[], port: number): boolean {
  if (port !== listedPort(t) || tags.some((x) => EXTRA_TAGS.includes(x))) return false;
  const own: StepTag = t.path === '/' ? 'direct' : 'path';
  return tags.includes(own) || (tags.includes('isp-answer') && t.path === '/');
}

/** Request order: the ISP's answer first (what a user here gets), then first tries, then retries. */
function requestRank(q: HttpRequest): number {
  return q.tags.includes('isp-answer') ? 0 : q.tags.includes('retry') ? 2 : 1;
}

export function siteSteps(r: Pick<MeasurementRecord, 'target' | 'test_keys'>): SiteSteps {
  const t = r.target;
  const k = r.test_keys;
  // The probe makes one GET per connection and follows no redirect, so every chain is one request
  // long: OONI's "last redirect first" order reduces to the listed URL's own request first.
  return {
    tcp_connect: k.tcp_connect.filter((c) => isSiteStep(t, c.tags, c.port)),
    tls_handshakes: k.tls_handshakes.filter((h) => isSiteStep(t, h.tags, portOf(h.address))),
    requests: k.requests
      .filter((q) => isSiteStep(t, q.tags, portOf(q.request.address)))
      .map((q, i) => ({ q, i }))
      .sort((a, b) => requestRank(a.q) - requestRank(b.q) || a.i - b.i)
      .map(({ q }) => q),
  };
}

function extraSteps(r: Pick<MeasurementRecord, 'target' | 'test_keys'>): SiteSteps {
  const t = r.target;
  const k = r.test_keys;
  return {
    tcp_connect: k.tcp_connect.filter((c) => !isSiteStep(t, c.tags, c.port)),
    tls_handshakes: k.tls_handshakes.filter((h) => !isSiteStep(t, h.tags, portOf(h.address))),
    requests: k.requests.filter((q) => !isSiteStep(t, q.tags, portOf(q.request.address))),
  };
}

// ---- Steps in OONI's shapes ----

/** RFC 1035/6895 rcodes as df-002 writes them (numbers). */
const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10 };

const ooniTags = (tags: StepTag[], site: boolean): string[] => (site ? ['classic', 'depth=0', 'fetch_body=true', ...tags] : [...tags]);

function answer(a: DnsAnswer) {
  return {
    answer_type: a.answer_type,
    hostname: a.target ?? a.hostname,
    ttl: a.ttl,
    ...(a.ipv4 ? { ipv4: a.ipv4 } : {}),
    ...(a.ipv6 ? { ipv6: a.ipv6 } : {}),
    ...(a.asn !== undefined ? { asn: a.asn } : {}),
  };
}

function query(q: DnsQuery) {
  const answers = q.answers.filter((a) => a.section === 'answer').map(answer);
  const classic = q.tags.includes('isp') && (q.query_type === 'A' || q.query_type === 'AAAA');
  return {
    answers: answers.length > 0 ? answers : null,
    engine: q.engine,
    failure: q.failure,
    hostname: q.hostname,
    query_type: q.query_type,
    rcode: q.rcode === null ? null : (RCODES[q.rcode] ?? null),
    resolver_hostname: null,
    resolver_port: null,
    resolver_address: q.resolver_address,
    t0: q.t0,
    t: q.t,
    transaction_id: q.transaction_id,
    tags: classic ? ['classic', ...q.tags] : [...q.tags],
    // What df-002 has no field for, kept so our analysis can re-judge the line (`import ooni`).
    x_censorprobe: {
      rcode: q.rcode,
      flags: q.flags,
      reply_index: q.reply_index,
      ...(q.reply_from ? { reply_from: q.reply_from } : {}),
      ...(q.attempts ? { attempts: q.attempts } : {}),
      other_sections: q.answers.filter((a) => a.section !== 'answer'),
      answer_owners: q.answers.filter((a) => a.section === 'answer').map((a) => a.hostname),
    },
  };
}

function tcp(c: TcpConnect, r: MeasurementRecord, site: boolean) {
  const pair = c.ip.includes(':') ? `[${c.ip}]:${c.port}` : `${c.ip}:${c.port}`;
  const control = r.test_keys.control?.tcp_connect[pair];
  // ts-017: blocked when the probe fails where the control connects; unknown without a control.
  const blocked = control === undefined ? null : !c.status.success && control.status;
  return { ip: c.ip, port: c.port, status: { blocked, failure: c.status.failure, success: c.status.success }, t0: c.t0, t: c.t, tags: ooniTags(c.tags, site) };
}

const UNKNOWN_AUTHORITY = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_UNTRUSTED']);

/**
 * OONI's probe fails a handshake whose certificate does not verify (df-007 `ssl_*`); ours completes
 * it and judges the certificate afterwards. The OONI form says what OONI's would have said.
 */
function tlsFailure(h: TlsHandshake): string | null {
  if (h.failure !== null) return h.failure;
  if (!h.trusted) return h.verify_error && UNKNOWN_AUTHORITY.has(h.verify_error) ? 'ssl_unknown_authority' : 'ssl_invalid_certificate';
  if (!h.valid_for_name) return 'ssl_invalid_hostname';
  return null;
}

function tls(h: TlsHandshake, chains: Map<string, string[]>, site: boolean) {
  const fp = h.peer_certificate?.fingerprint256;
  const der = h.peer_certificates ?? (fp ? chains.get(fp) : undefined) ?? [];
  return {
    network: 'tcp',
    address: h.address,
    cipher_suite: '',
    failure: tlsFailure(h),
    negotiated_protocol: h.negotiated_protocol ?? '',
    no_tls_verify: false,
    peer_certificates: der.map((data) => ({ data, format: 'base64' })),
    server_name: h.server_name,
    t0: h.t0,
    t: h.t,
    tags: ooniTags(h.tags, site),
    tls_version: h.tls_version ?? '',
    x_censorprobe: {
      completed: h.failure === null,
      trusted: h.trusted,
      valid_for_name: h.valid_for_name,
      verify_error: h.verify_error,
      peer_certificate: h.peer_certificate,
    },
  };
}

const headerList = (h: Record<string, string>) => Object.entries(h).map(([k, v]) => [k, v]);

function request(q: HttpRequest, site: boolean) {
  // df-001 writes a failed transaction with an empty response (code 0). A response broken off
  // mid-body (a torn chunked encoding, a reset) did start, so its status line and what arrived are
  // kept under x_censorprobe rather than lost.
  const whole = q.failure === null ? q.response : null;
  const broken = q.failure !== null ? q.response : null;
  return {
    network: 'tcp',
    address: q.request.address,
    failure: q.failure,
    request: {
      body: '',
      body_is_truncated: false,
      headers_list: headerList(q.request.headers),
      headers: q.request.headers,
      method: q.request.method,
      tor: { exit_ip: null, exit_name: null, is_tor: false },
      x_transport: 'tcp',
      url: q.request.url,
    },
    response: whole
      ? { body: whole.body, body_is_truncated: whole.body_is_truncated, code: whole.code, headers_list: headerList(whole.headers), headers: whole.headers }
      : { body: '', body_is_truncated: false, code: 0, headers_list: [], headers: {} },
    t0: q.t0,
    t: q.t,
    tags: ooniTags(q.tags, site),
    x_censorprobe: {
      host: q.request.host,
      ...(whole ? { body_length: whole.body_length, body_sha256: whole.body_sha256, title: whole.title } : {}),
      ...(broken ? { response_before_failure: { code: broken.code, headers: broken.headers, body_length: broken.body_length, body_sha256: broken.body_sha256 } } : {}),
    },
  };
}

// ---- ts-017's comparison keys, from the listed URL's own response and the control's ----

// OONI's own list (probe-cli's web_connectivity headers comparison), not analysis/pages.ts's: the
// export reproduces OONI's keys so its readers' tools compare like with like. The last four are
// hop-by-hop or framing headers the probe's reader may add or drop.
const OONI_COMMON_HEADERS = new Set(['date', 'content-type', 'server', 'cache-control', 'vary', 'set-cookie', 'location', 'expires', 'x-powered-by', 'content-encoding', 'last-modified', 'accept-ranges', 'pragma', 'x-frame-options', 'etag', 'x-content-type-options', 'age', 'via', 'p3p', 'x-xss-protection', 'content-language', 'cf-ray', 'strict-transport-security', 'link', 'x-varnish', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

function comparison(first: HttpRequest | undefined, control: ControlResponse | null) {
  const none = { body_length_match: null, body_proportion: null, headers_match: null, status_code_match: null, title_match: null };
  const ctl = control?.http_request;
  if (!first?.response || first.failure !== null || !ctl || ctl.failure !== null || ctl.status_code <= 0) return none;
  // The probe reads a page only up to its cap: its length is the analysis' (Content-Length for a cut page).
  const page = pageOf(first)!;
  const mine = page.body_length;
  const theirs = ctl.body_length;
  const proportion = mine === 0 && theirs === 0 ? 1 : Math.min(mine, theirs) / Math.max(mine, theirs);
  const uncommon = (h: Record<string, string>) => new Set(Object.keys(h).map((x) => x.toLowerCase()).filter((x) => !OONI_COMMON_HEADERS.has(x)));
  const a = uncommon(first.response.headers);
  const b = uncommon(ctl.headers);
  const headersMatch = a.size === 0 && b.size === 0 ? true : [...a].some((x) => b.has(x));
  const word = (title: string | null | undefined) => (title ?? '').split(/\s+/).find((w) => w.length >= 5)?.toLowerCase() ?? null;
  const mw = word(first.response.title);
  const cw = word(ctl.title);
  return {
    body_length_match: lengthsAgree(page, { ...page, body_length: theirs, body_length_is_lower_bound: false }),
    body_proportion: proportion,
    headers_match: headersMatch,
    status_code_match: first.response.code === ctl.status_code,
    title_match: mw === null || cw === null ? null : mw === cw,
  };
}

export interface OoniContext {
  meta: RunMeta | null;
}

/** Why there is no control, in df-007's form for failures it has no name for. */
function controlFailure(r: MeasurementRecord, meta: RunMeta | null): string | null {
  if (r.test_keys.control !== null) return r.test_keys.control_failure;
  if (r.test_keys.control_failure) return r.test_keys.control_failure;
  if (meta?.settings && !meta.settings.control) return 'unknown_failure: no control helper was configured for this run';
  return 'unknown_failure: control helper not asked (the probe asks it only when a step fails or a page differs)';
}

/** One record as an OONI-compatible measurement. */
export function toOoni(r: MeasurementRecord, ctx: OoniContext): Record<string, unknown> {
  const probeAsn = asn(ctx.meta?.isp?.asn);
  const runStart = ctx.meta?.measurement_start_time ?? r.measurement_start_time;
  const ispAddress = r.context?.isp_resolver ?? r.test_keys.queries.find((q) => q.tags.includes('isp'))?.resolver_address;
  const site = siteSteps(r);
  const extra = extraSteps(r);
  const { blocking, accessible } = ooniBlocking(r);
  const ispFirst = r.test_keys.queries.find((q) => q.tags.includes('isp') && q.query_type === 'A' && q.reply_index === 0);
  const firstTcpFailure = site.tcp_connect.length > 0 && site.tcp_connect.every((c) => !c.status.success) ? site.tcp_connect[0]!.status.failure : null;
  const chains = new Map<string, string[]>();
  for (const h of r.test_keys.tls_handshakes) {
    const fp = h.peer_certificate?.fingerprint256;
    if (fp && h.peer_certificates && !chains.has(fp)) chains.set(fp, h.peer_certificates);
  }
  const annotations: Record<string, string> = {
    engine_name: 'censorprobe',
    engine_version: r.software_version,
    censorprobe_run_id: r.run_id,
    censorprobe_verdict: r.verdict,
    censorprobe_reason: r.reason,
    listed_input: r.input,
    category_code: r.target.category_code,
    network_type: 'unknown',
    platform: 'linux',
  };
  for (const layer of ['dns', 'ip', 'dpi', 'url'] as const) {
    const f = r.layers[layer];
    if (f) annotations[`censorprobe_${layer}`] = f.fingerprint ? `${f.kind} (${f.fingerprint})` : f.kind;
  }
  const control = controlFailure(r, ctx.meta);
  return {
    annotations,
    data_format_version: '0.2.0',
    extensions: { dnst: 0, httpt: 0, tcpconnect: 0, tlshandshake: 0 },
    input: r.target.url,
    measurement_start_time: r.measurement_start_time,
    options: [],
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
    test_helpers: ctx.meta?.settings?.control ? { backend: { address: 'censorprobe control helper', type: 'https' } } : {},
    test_keys: {
      agent: 'agent',
      client_resolver: ipOf(ispAddress),
      retries: null,
      socksproxy: null,
      queries: r.test_keys.queries.map(query),
      tcp_connect: site.tcp_connect.map((c) => tcp(c, r, true)),
      tls_handshakes: site.tls_handshakes.map((h) => tls(h, chains, true)),
      requests: site.requests.map((q) => request(q, true)),
      control: r.test_keys.control,
      control_failure: control,
      x_control_asked: r.test_keys.control !== null || r.test_keys.control_failure !== null,
      dns_experiment_failure: ispFirst?.failure ?? null,
      http_experiment_failure: site.requests[0]?.failure ?? site.tls_handshakes.find((h) => h.failure !== null)?.failure ?? firstTcpFailure,
      dns_consistency: r.target.is_ip ? 'consistent' : r.layers.dns ? 'inconsistent' : r.truth_addrs.length > 0 && ispFirst && ispFirst.failure === null ? 'consistent' : null,
      ...comparison(site.requests[0], r.test_keys.control),
      blocking,
      accessible,
      x_blocking_flags: blockingFlags(blocking, accessible, site),
      // The probe's own questions (swap test, sandwich, neutral address, other scheme): evidence
      // for our verdict, not steps a browser makes for the listed URL.
      x_censorprobe_steps: {
        tcp_connect: extra.tcp_connect.map((c) => tcp(c, r, false)),
        tls_handshakes: extra.tls_handshakes.map((h) => tls(h, chains, false)),
        requests: extra.requests.map((q) => request(q, false)),
        // Fetches the probe left out on purpose (an https:// entry's plain-HTTP twin once its HTTPS
        // page showed the site): not measured, rather than missing.
        ...(r.test_keys.skipped?.length ? { skipped: r.test_keys.skipped } : {}),
      },
      x_censorprobe: { verdict: r.verdict, reason: r.reason, layers: r.layers, context: r.context, target: r.target },
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
