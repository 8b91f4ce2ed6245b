// Run folders for report tests, made from MeasurementRecord objects shaped as `censorprobe run`
// writes them: measurements.jsonl, summary.csv (the real CsvSummarySink) and report.json (the real
// RunSummary). Every verdict and layer kind appears, with Greek and hostile inputs. Tests take a
// run folder path, so pointing them at a real lab run is a one-line change.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayerFinding, Layers, Verdict } from '../../src/analysis/types.js';
import type { DnsQuery, StepTag, TcpConnect, TestKeys } from '../../src/observations.js';
import type { MeasurementRecord, ResolverInfo } from '../../src/record.js';
import { CsvSummarySink } from '../../src/report/csv.js';
import { JsonlSink } from '../../src/report/jsonl.js';
import { readRecords, type Warn } from '../../src/report/run-folder/index.js';
import { RunSummary } from '../../src/report/summary.js';

export const ISP_RESOLVER = '198.18.1.53:53';
export const DOH = 'https://198.18.3.53/dns-query';
export const UDP_ABROAD = '198.18.3.54:53';
export const BLOCKPAGE_IP = '83.235.64.20';
/** An IP named in a court order, black-holed, that other names still resolve to. */
export const ORDER_IP = '194.71.107.15';

export type Outcome =
  | 'ok'
  | 'dns:nxdomain' | 'dns:refused' | 'dns:servfail' | 'dns:timeout' | 'dns:no_answer' | 'dns:bogon' | 'dns:blockpage' | 'dns:hijack'
  | 'ip:drop' | 'ip:reset' | 'ip:unreachable'
  | 'dpi:sni' | 'dpi:host'
  | 'url:path'
  | 'geoblock' | 'down' | 'inconclusive';

export interface EntrySpec {
  input: string;
  outcome: Outcome;
  category?: string;
  /** The site's true addresses (default: one derived from the index). */
  truth?: string[];
  /** The list file (default: by category). */
  list?: string;
}

/** Every outcome once, plus Greek, hostile and court-order entries. */
export function standardEntries(): EntrySpec[] {
  return [
    { input: 'bet365.com', outcome: 'dns:nxdomain' },
    { input: '22bet.ελ', outcome: 'dns:blockpage' },
    { input: 'casinoin.ελ', outcome: 'dns:refused' },
    { input: 'stoixima-ελλάδα.gr', outcome: 'dns:servfail' },
    { input: 'silent.example', outcome: 'dns:timeout' },
    { input: 'cyta-style.com', outcome: 'dns:no_answer' },
    { input: 'bogon-bet.com', outcome: 'dns:bogon' },
    { input: 'hijacked.net', outcome: 'dns:hijack' },
    { input: 'dropped.io', outcome: 'ip:drop' },
    { input: 'reset.io', outcome: 'ip:reset' },
    { input: 'icmp.io', outcome: 'ip:unreachable' },
    { input: 'https://sni-blocked.com/', outcome: 'dpi:sni' },
    { input: 'http://host-blocked.com/', outcome: 'dpi:host' },
    { input: 'www.rivernilecasino.net/index.asp', outcome: 'url:path' },
    { input: 'open-site.org', outcome: 'ok', category: 'NEWS' },
    { input: 'dead-casino.com', outcome: 'down' },
    { input: 'flaky.com', outcome: 'inconclusive' },
    // Spreadsheet formulas and HTML: must come out as text, neutralised.
    { input: "=cmd|'/C calc'!A0", outcome: 'dns:nxdomain' },
    { input: '+1', outcome: 'ok' },
    { input: '-2', outcome: 'dns:nxdomain' },
    { input: '@x', outcome: 'ok' },
    { input: '<img src=x onerror=alert(1)>.com', outcome: 'dns:nxdomain' },
    { input: '</script><script>alert(2)</script>', outcome: 'ok' },
    { input: 'http://evil.example/<!--', outcome: 'ok' },
    // The court-order view: the IP itself black-holed, and names that resolve to it today.
    { input: ORDER_IP, outcome: 'ip:drop', category: 'COPY', truth: [ORDER_IP] },
    { input: 'thepiratebay.se', outcome: 'ip:drop', category: 'COPY', truth: [ORDER_IP] },
    { input: 'innocent-neighbour.gr', outcome: 'ip:drop', category: 'NEWS', truth: [ORDER_IP] },
  ];
}

const GAMBLING: Outcome[] = ['dns:nxdomain', 'dns:nxdomain', 'dns:nxdomain', 'dns:blockpage', 'ok', 'down', 'ip:drop', 'dpi:sni', 'inconclusive'];

/** `n` synthetic gambling entries, most blocked by DNS, like the EEEP list at an OTE-like ISP. */
export function bulkEntries(n: number, prefix = 'casino'): EntrySpec[] {
  return Array.from({ length: n }, (_, i) => ({ input: `${prefix}${i}.com`, outcome: GAMBLING[i % GAMBLING.length]! }));
}

function ip(i: number): string {
  return `198.18.${16 + ((i >> 8) % 200)}.${(i % 254) + 1}`;
}

/** A small deterministic PRNG so runs are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function hostOf(input: string): { host: string; unicode: string; scheme: 'http' | 'https'; path: string; isIp: boolean } {
  const hasScheme = /^https?:\/\//.test(input);
  let url: URL | null = null;
  try {
    url = new URL(hasScheme ? input : `http://${input}`);
  } catch {
    url = null;
  }
  const unicode = url ? url.hostname : input;
  const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(unicode);
  return { host: unicode, unicode: decodeIdn(input, unicode), scheme: input.startsWith('https://') ? 'https' : 'http', path: url ? url.pathname + url.search : '/', isIp };
}

/** The listed Unicode host (URL gives punycode): taken from the input itself. */
function decodeIdn(input: string, ascii: string): string {
  if (!ascii.includes('xn--')) return ascii;
  return input.replace(/^https?:\/\//, '').split(/[/:]/)[0] ?? ascii;
}

interface Ctx {
  i: number;
  start: Date;
  rand: () => number;
  runId: string;
}

function query(tag: 'isp' | 'foreign', host: string, over: Partial<DnsQuery>, rand: () => number): DnsQuery {
  const isp = tag === 'isp';
  const rtt = isp ? 0.002 + rand() * 0.012 : 0.055 + rand() * 0.05;
  return {
    engine: isp ? 'udp' : 'doh',
    resolver_address: isp ? ISP_RESOLVER : DOH,
    hostname: host,
    query_type: 'A',
    transaction_id: 1,
    t0: 0.001,
    t: 0.001 + rtt,
    failure: null,
    rcode: 'NOERROR',
    flags: ['rd', 'ra'],
    answers: [],
    reply_index: 0,
    tags: [tag],
    ...over,
  };
}

const aRecords = (host: string, addrs: string[]) => addrs.map((a) => ({ section: 'answer' as const, answer_type: 'A', hostname: host, ttl: 60, ipv4: a }));

function tcp(ipAddr: string, port: number, failure: string | null, tags: StepTag[]): TcpConnect {
  return { ip: ipAddr, port, t0: 0.1, t: failure === 'generic_timeout_error' ? 8.1 : 0.12, status: { success: failure === null, failure }, tags };
}

/** One record as `run` writes it: the analysis fields set for the outcome, with matching steps. */
export function makeRecord(spec: EntrySpec, ctx: Ctx): MeasurementRecord {
  const { host, unicode, scheme, path, isIp } = hostOf(spec.input);
  const truth = spec.truth ?? [ip(ctx.i)];
  const [layer, kind] = spec.outcome.includes(':') ? (spec.outcome.split(':') as [keyof Layers, string]) : [null, null];
  const layers: Layers = { dns: null, ip: null, dpi: null, url: null };
  const keys: TestKeys = { queries: [], tcp_connect: [], tls_handshakes: [], requests: [], control: null, control_failure: null };
  let ispAddrs: string[] = truth;
  let verdict: Verdict = layer ?? (spec.outcome as Verdict);
  let reason = '';
  const truthText = `resolvers abroad give ${truth.join(', ')} (doh)`;

  // DNS as asked: the ISP's reply and the truth from DoH (and a UDP resolver abroad for the RTT chart).
  let ispReply: Partial<DnsQuery> = { answers: aRecords(host, truth) };
  if (layer === 'dns') {
    const failures: Record<string, [string, string]> = {
      nxdomain: ['dns_nxdomain_error', 'NXDOMAIN'],
      refused: ['dns_refused_error', 'REFUSED'],
      servfail: ['dns_servfail_error', 'SERVFAIL'],
    };
    const f = failures[kind!];
    if (f) ispReply = { failure: f[0], rcode: f[1], answers: [] };
    else if (kind === 'timeout') ispReply = { failure: 'generic_timeout_error', rcode: null, answers: [] };
    else if (kind === 'no_answer') ispReply = { failure: 'dns_no_answer', answers: [{ section: 'additional', answer_type: 'A', hostname: host, ttl: 60, ipv4: '78.87.2.91' }] };
    else if (kind === 'bogon') ispReply = { answers: aRecords(host, ['127.0.0.1']) };
    else if (kind === 'blockpage') ispReply = { answers: aRecords(host, [BLOCKPAGE_IP]) };
    else if (kind === 'hijack') ispReply = { answers: aRecords(host, ['198.18.200.200']) };
    ispAddrs = (ispReply.answers ?? []).filter((a) => a.section === 'answer').map((a) => a.ipv4!);
  }
  if (spec.outcome === 'down') {
    ispReply = { failure: 'dns_nxdomain_error', rcode: 'NXDOMAIN', answers: [] };
    ispAddrs = [];
  }
  if (!isIp) {
    keys.queries.push(query('isp', host, ispReply, ctx.rand));
    const abroad = spec.outcome === 'down' ? { failure: 'dns_nxdomain_error', rcode: 'NXDOMAIN', answers: [] } : { answers: aRecords(host, truth) };
    keys.queries.push(query('foreign', host, abroad, ctx.rand));
    keys.queries.push(query('foreign', host, { ...abroad, engine: 'udp', resolver_address: UDP_ABROAD }, ctx.rand));
  } else {
    ispAddrs = [];
  }

  // Connections to the true address.
  const port = scheme === 'https' ? 443 : 80;
  const failure = layer === 'ip' ? ({ drop: 'generic_timeout_error', reset: 'connection_reset', unreachable: 'host_unreachable' } as Record<string, string>)[kind!]! : spec.outcome === 'inconclusive' ? 'generic_timeout_error' : null;
  if (spec.outcome !== 'down') {
    for (const a of truth) {
      keys.tcp_connect.push(tcp(a, port, failure, ['swap-innocuous']), tcp(a, port, failure, ['direct']));
    }
  }
  if (layer === 'ip') keys.control = { dns: { failure: null, addrs: truth }, tcp_connect: Object.fromEntries(truth.map((a) => [`${a}:${port}`, { status: true, failure: null }])), tls_handshake: {}, http_request: { failure: null, status_code: 200, title: 'Site', body_length: 100, body_sha256: 'x', headers: {} } };
  if (spec.outcome === 'inconclusive') keys.control_failure = 'generic_timeout_error';

  // The findings, worded as the analysis words them.
  const finding = (evidence: string[], extra: Partial<LayerFinding> = {}): LayerFinding => ({ kind: kind!, evidence, ...extra });
  if (layer === 'dns') {
    const words: Record<string, string> = {
      nxdomain: `the ISP's resolver said the name does not exist (NXDOMAIN) for ${host}`,
      refused: `the ISP's resolver refused to answer (REFUSED) for ${host}`,
      servfail: `the ISP's resolver failed (SERVFAIL) for ${host}`,
      timeout: `the ISP's resolver got no answer (timed out) for ${host}`,
      no_answer: `the ISP's resolver answered NOERROR with no address for ${host} (ADDITIONAL section: 78.87.2.91)`,
      bogon: "the ISP's resolver answered 127.0.0.1, an address no public site can have",
      blockpage: `the ISP's resolver answered ${BLOCKPAGE_IP}, a blockpage server (ote-eeep)`,
      hijack: `the ISP's resolver answered 198.18.200.200, which is not the site: no shared address with abroad, no valid certificate for ${host}`,
    };
    const extra: Partial<LayerFinding> = kind === 'blockpage' ? { fingerprint: 'ote-eeep', addresses: [BLOCKPAGE_IP] } : kind === 'no_answer' ? { addresses: ['78.87.2.91'] } : kind === 'bogon' ? { addresses: ['127.0.0.1'] } : kind === 'hijack' ? { addresses: ['198.18.200.200'] } : {};
    layers.dns = finding([words[kind!]!, truthText], extra) as Layers['dns'];
  } else if (layer === 'ip') {
    const what = ({ drop: 'got no answer (timed out)', reset: 'was reset', unreachable: 'was answered "host unreachable"' } as Record<string, string>)[kind!]!;
    layers.ip = finding(truth.map((a) => `connecting to ${a}:${port} from here ${what} with any name, while the control abroad connects`), { addresses: truth.map((a) => `${a}:${port}`) }) as Layers['ip'];
  } else if (layer === 'dpi') {
    layers.dpi = finding(kind === 'sni'
      ? [`a TLS handshake to ${truth[0]}:443 naming ${host} was reset`, 'the same address completes a handshake with an innocuous name']
      : [`an HTTP request to ${truth[0]}:80 with Host: ${host} was reset`, 'the same address answers an innocuous Host normally'], { addresses: [`${truth[0]}:${kind === 'sni' ? 443 : 80}`] }) as Layers['dpi'];
  } else if (layer === 'url') {
    layers.url = finding([`requesting the listed path ${path} from ${truth[0]}:80 was reset`, "the site's front page on the same address loads normally"], { addresses: [`${truth[0]}:80`] }) as Layers['url'];
  }
  if (layer) reason = layers[layer]!.evidence[0]!;
  else if (verdict === 'ok') reason = `${scheme}://${host}${path} answers 200 over ${scheme === 'https' ? 'HTTPS' : 'HTTP'} from ${truth[0]}:${port}: the same page as the page the control gets abroad`;
  else if (verdict === 'down') reason = `the name ${host} exists nowhere: resolvers abroad say it does not exist`;
  else if (verdict === 'geoblock') reason = `over HTTPS from the site's own address ${truth[0]}:443, with a certificate valid for ${host}, the site answers 451 ("Unavailable") while the control abroad gets the page (status 200)`;
  else reason = `${truth[0]}:${port} cannot be reached from here and the control failed (generic_timeout_error), so an outage cannot be told from a block`;
  if (verdict === 'inconclusive' && layer) verdict = layer;

  const t0 = new Date(ctx.start.getTime() + ctx.i * 1000);
  return {
    input: spec.input,
    measurement_start_time: t0.toISOString().slice(0, 19).replace('T', ' '),
    test_runtime: 0.2 + ctx.rand(),
    software_name: 'censorprobe',
    software_version: '0.1.0',
    test_name: 'censorprobe',
    run_id: ctx.runId,
    verdict,
    layers,
    reason,
    isp_addrs: ispAddrs,
    truth_addrs: spec.outcome === 'down' ? [] : truth,
    truth_source: spec.outcome === 'down' ? null : isIp ? 'listed' : 'doh',
    ipv6_judged: false,
    target: {
      input: spec.input,
      url: `${scheme}://${host}${path}`,
      scheme,
      host,
      host_unicode: unicode,
      port: null,
      path,
      is_ip: isIp,
      category_code: spec.category ?? 'GMB',
      list: spec.list ?? (spec.category === 'COPY' ? 'lists/court-orders.csv' : 'lists/eeep.csv'),
    },
    test_keys: keys,
    context: {
      isp_resolver: ISP_RESOLVER,
      foreign: [{ address: DOH, engine: 'doh' }, { address: UDP_ABROAD, engine: 'udp' }],
      routable_nets: ['198.18.0.0/15'],
      blockpage_ips: {},
      ipv6: false,
    },
  };
}

export interface RunOptions {
  /** Defaults to a fresh folder under the OS temp dir. */
  dir?: string;
  runId?: string;
  start?: Date;
  isp?: { name: string; asn: string } | null;
  seed?: number;
  /** Cut the last line short, as kill -9 in mid-write would. */
  tornTail?: boolean;
  /** Leave report.json out, as a crash before the end would. */
  noReportJson?: boolean;
}

export const RESOLVERS: ResolverInfo[] = [
  { spec: `udp://${ISP_RESOLVER}`, role: 'isp', transport: 'udp', address: ISP_RESOLVER },
  { spec: DOH, role: 'foreign', transport: 'doh', address: DOH },
  { spec: `udp://${UDP_ABROAD}`, role: 'foreign', transport: 'udp', address: UDP_ABROAD },
];

/** Writes a run folder for `entries` and returns its path. */
export function writeRun(entries: EntrySpec[], opts: RunOptions = {}): string {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cp-report-'));
  mkdirSync(dir, { recursive: true });
  const start = opts.start ?? new Date('2026-11-20T10:00:00Z');
  const runId = opts.runId ?? start.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const rand = rng(opts.seed ?? 7);
  const jsonl = new JsonlSink(join(dir, 'measurements.jsonl'));
  const csv = new CsvSummarySink(join(dir, 'summary.csv'));
  const summary = new RunSummary(RESOLVERS);
  entries.forEach((spec, i) => {
    const r = makeRecord(spec, { i, start, rand, runId });
    jsonl.write(r);
    csv.write(r);
    summary.add(r);
  });
  jsonl.close();
  csv.close();
  if (opts.tornTail) writeFileSync(join(dir, 'measurements.jsonl'), '{"input":"torn-entry.com","verdict":"d', { flag: 'a' });
  if (!opts.noReportJson) {
    const end = new Date(start.getTime() + entries.length * 1000);
    const report = summary.toJSON({
      run_id: runId,
      software_name: 'censorprobe',
      software_version: '0.1.0',
      measurement_start_time: start.toISOString().slice(0, 19).replace('T', ' '),
      measurement_end_time: end.toISOString().slice(0, 19).replace('T', ' '),
      complete: true,
      lists: [
        { file: 'eeep.csv', entries: entries.length - 3, edition: '2026-07-29', sha256: 'a'.repeat(64) },
        { file: 'court-orders.csv', entries: 3, edition: '2014-05-12', sha256: 'b'.repeat(64) },
      ],
      total_entries: entries.length,
      settings: { isp_resolver: `udp://${ISP_RESOLVER}`, foreign: [DOH, `udp://${UDP_ABROAD}`], control: 'https://198.18.5.10:8443/', only_nets: ['198.18.0.0/15'] },
      ...(opts.isp ? { isp: opts.isp } : {}),
    });
    writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  }
  return dir;
}

/**
 * A scenario: the standard entries with some outcomes changed (null removes the entry) and some
 * added, as another ISP or a later day would give.
 */
export function scenario(changes: Record<string, Outcome | null>, added: EntrySpec[] = [], base = standardEntries()): EntrySpec[] {
  const out: EntrySpec[] = [];
  for (const e of base) {
    if (!(e.input in changes)) out.push(e);
    else if (changes[e.input] !== null) out.push({ ...e, outcome: changes[e.input]! });
  }
  return [...out, ...added];
}

/** All records of a run folder in memory (tests only: the reports stream them). */
export async function loadRecords(dir: string, warn?: Warn): Promise<MeasurementRecord[]> {
  const out: MeasurementRecord[] = [];
  for await (const r of readRecords(dir, warn)) out.push(r);
  return out;
}
