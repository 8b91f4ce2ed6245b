// A run folder as the store keeps it: report.json's run facts and each line of measurements.jsonl
// reduced to its verdict, kinds and deciding evidence, with the line number of the raw record.
// Everything is checked first: a folder that does not hold up is refused with the reason and the
// line, so the store never holds half a run or a value of the wrong type.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { entryKey } from '../lists/index.js';
import { latencyFigures, readRunMeta, requireRunFolder, type RunMeta } from '../report/read.js';
import { readRecords } from '../probe/state.js';
import { softwareVersion } from '../version.js';
import { RunRefusedError } from './errors.js';
import { CONTROL, IP_ROLE, REACH, type EditionRow, type IpStateRow, type MeasurementRow, type RunToRecord } from './run-record.js';

/** Longest listed form or URL kept; a longer one is hostile or damaged. */
export const MAX_INPUT = 2048;
const MAX_ADDRS = 16;
const MAX_FAILURE = 160;
const LABEL = /^[a-z][a-z0-9_]{0,31}$/;
const LAYER_NAMES = ['dns', 'ip', 'dpi', 'url'] as const;

/** OONI's "YYYY-MM-DD hh:mm:ss" (UTC) or ISO 8601, as Unix seconds; null when unreadable. */
export function unixSeconds(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const iso = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** Version triples compared numerically; pre-release tags ignored. */
export function newerVersion(a: string, b: string): boolean {
  const parts = (v: string) => v.replace(/^v/, '').split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = MAX_INPUT): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

function addrs(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  const ok = [...new Set(v.filter((a): a is string => typeof a === 'string' && isIP(a) !== 0))].sort().slice(0, MAX_ADDRS);
  return ok.length ? ok.join(' ') : null;
}

type Rec = Record<string, unknown>;
const arr = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isObj) : []);
const tagged = (step: Rec, tag: string) => Array.isArray(step.tags) && step.tags.includes(tag);
const failureOf = (step: Rec | undefined): string | null => {
  if (!step) return null;
  const f = isObj(step.status) ? step.status.failure : step.failure;
  return typeof f === 'string' && f ? f.slice(0, MAX_FAILURE) : null;
};

/** The failure behind the first blocking layer (or the outage), in OONI's words. */
function decidingFailure(layers: Rec, tk: Rec, verdict: string): string | null {
  const pick = (steps: Rec[], tag: string) => failureOf(steps.find((s) => tagged(s, tag) && failureOf(s) !== null));
  if (layers.dns) return failureOf(arr(tk.queries).find((q) => tagged(q, 'isp') && q.reply_index === 0)) ?? pick(arr(tk.queries), 'isp');
  if (layers.ip) return pick(arr(tk.tcp_connect), 'direct');
  if (layers.dpi) return pick(arr(tk.tls_handshakes), 'direct') ?? pick(arr(tk.requests), 'direct') ?? pick(arr(tk.tls_handshakes), 'swap-real-neutral') ?? pick(arr(tk.requests), 'swap-real-neutral');
  if (layers.url) return pick(arr(tk.requests), 'path');
  if (verdict === 'down' && isObj(tk.control) && isObj(tk.control.http_request)) return failureOf(tk.control.http_request);
  return null;
}

function controlState(tk: Rec): number {
  if (typeof tk.control_failure === 'string' && tk.control_failure) return CONTROL.helper_failed;
  if (!isObj(tk.control)) return CONTROL.none;
  const http = isObj(tk.control.http_request) ? tk.control.http_request : null;
  return http && http.failure === null ? CONTROL.reachable : CONTROL.failing;
}

interface Checked {
  row: MeasurementRow;
  isIp: boolean;
  host: string;
  dnsKind: string | null;
  tcp: Rec[];
  control: Rec | null;
  ispAddrs: string[];
  truthAddrs: string[];
}

/** One parsed line checked and reduced, or the reason it is refused. */
export function checkRecord(v: unknown, line: number, started: number): Checked | string {
  if (!isObj(v)) return 'not a JSON object';
  if (!str(v.input)) return 'input is missing, not text, or longer than 2048 characters';
  if (!str(v.verdict, 32) || !LABEL.test(v.verdict)) return 'verdict is missing or not a verdict name';
  const t = v.target;
  if (!isObj(t)) return 'target is missing';
  for (const k of ['url', 'host', 'path'] as const) if (!str(t[k])) return `target.${k} is missing, not text, or too long`;
  if (t.scheme !== 'http' && t.scheme !== 'https') return 'target.scheme is neither http nor https';
  if (t.port !== null && t.port !== undefined && (!Number.isInteger(t.port) || (t.port as number) < 1 || (t.port as number) > 65535)) return 'target.port is not a port number';
  if (t.category_code !== undefined && !str(t.category_code, 64)) return 'target.category_code is not short text';
  if (t.list !== undefined && typeof t.list !== 'string') return 'target.list is not text';
  const layers = v.layers;
  if (!isObj(layers)) return 'layers is missing';
  const kinds: Record<string, string | null> = {};
  for (const l of LAYER_NAMES) {
    const f = layers[l];
    if (f === null || f === undefined) kinds[l] = null;
    else if (isObj(f) && str(f.kind, 32) && LABEL.test(f.kind)) kinds[l] = f.kind;
    else return `layers.${l} is neither null nor a finding with a kind`;
  }
  const tk = isObj(v.test_keys) ? v.test_keys : null;
  if (!tk) return 'test_keys is missing';
  const at = unixSeconds(v.measurement_start_time);
  const target = { scheme: t.scheme as 'http' | 'https', host: t.host as string, port: (t.port as number | null | undefined) ?? null, path: t.path as string };
  const ispAddrs = Array.isArray(v.isp_addrs) ? v.isp_addrs.filter((a): a is string => typeof a === 'string' && isIP(a) !== 0) : [];
  const isIp = t.is_ip === true || isIP(target.host) !== 0;
  const truthAddrs = Array.isArray(v.truth_addrs) ? v.truth_addrs.filter((a): a is string => typeof a === 'string' && isIP(a) !== 0) : [];
  return {
    row: {
      key: entryKey(target),
      input: v.input,
      url: t.url as string,
      host: target.host,
      category: typeof t.category_code === 'string' ? t.category_code : '',
      list: typeof t.list === 'string' && t.list ? basename(t.list) : '',
      verdict: v.verdict,
      dns: kinds.dns ?? null,
      ip: kinds.ip ?? null,
      dpi: kinds.dpi ?? null,
      url_kind: kinds.url ?? null,
      isp_answer: addrs(v.isp_addrs),
      truth: addrs(v.truth_addrs),
      failure: decidingFailure(layers, tk, v.verdict),
      control: controlState(tk),
      t: at === null ? 0 : Math.max(0, at - started),
      line,
    },
    isIp,
    host: target.host,
    dnsKind: kinds.dns ?? null,
    // Only the records the IP timelines read keep their connections (the rest would weigh megabytes).
    tcp: isIp || kinds.dns === 'blockpage' ? arr(tk.tcp_connect) : [],
    control: isIp && isObj(tk.control) ? tk.control : null,
    ispAddrs,
    truthAddrs,
  };
}

/** Lines in a file (a last line without a newline counts), streamed. */
async function countLines(path: string): Promise<number> {
  let n = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) n++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  return last === 0x0a ? n : n + 1;
}

/** Court-ordered IPs (the run's IP-literal entries) and the blockpage IPs the ISP answered with, per run. */
function ipStates(checked: Checked[]): IpStateRow[] {
  const pointing = new Map<string, number>();
  for (const c of checked) for (const a of new Set([...c.ispAddrs, ...c.truthAddrs])) pointing.set(a, (pointing.get(a) ?? 0) + 1);
  const out: IpStateRow[] = [];
  for (const c of checked) {
    if (!c.isIp) continue;
    let here: number = REACH.not_measured;
    for (const s of c.tcp) {
      if (s.ip !== c.host || tagged(s, 'isp-answer')) continue;
      if (isObj(s.status) && s.status.success === true) here = REACH.reachable;
      else if (here !== REACH.reachable) here = REACH.unreachable;
    }
    let control: number = REACH.not_measured;
    const tc = c.control && isObj(c.control.tcp_connect) ? c.control.tcp_connect : {};
    for (const [k, s] of Object.entries(tc)) {
      if (!k.startsWith(c.host.includes(':') ? `[${c.host}]:` : `${c.host}:`) || !isObj(s)) continue;
      if (s.status === true) control = REACH.reachable;
      else if (control !== REACH.reachable) control = REACH.unreachable;
    }
    // Other names that resolve to it: the collateral of an IP block.
    out.push({ ip: c.host, role: IP_ROLE.court_order, here, control, names: Math.max(0, (pointing.get(c.host) ?? 0) - 1) });
  }
  const blockpages = new Map<string, number>();
  for (const c of checked) if (c.dnsKind === 'blockpage') for (const a of c.ispAddrs) blockpages.set(a, (blockpages.get(a) ?? 0) + 1);
  for (const [ip, names] of blockpages) {
    let here: number = REACH.not_measured;
    for (const c of checked) {
      for (const s of c.tcp) {
        if (s.ip !== ip || !tagged(s, 'isp-answer')) continue;
        if (isObj(s.status) && s.status.success === true) here = REACH.reachable;
        else if (here !== REACH.reachable) here = REACH.unreachable;
      }
    }
    out.push({ ip, role: IP_ROLE.blockpage, here, control: REACH.not_measured, names });
  }
  const seen = new Set<string>();
  return out.filter((r) => (seen.has(`${r.role}:${r.ip}`) ? false : (seen.add(`${r.role}:${r.ip}`), true)));
}

function asnNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 2 ** 32) return v;
  if (typeof v === 'string') {
    const m = /^(?:AS)?(\d{1,10})$/i.exec(v.trim());
    const n = m ? Number(m[1]) : NaN;
    if (Number.isInteger(n) && n > 0 && n < 2 ** 32) return n;
  }
  return null;
}

const short = (v: unknown, max = 200): string | null => (typeof v === 'string' && v ? v.slice(0, max) : null);

/** The run's own facts kept beside its measurements: small, and never the volunteer's address or paths. */
function runFacts(meta: RunMeta | null): Record<string, unknown> {
  const m = (meta ?? {}) as Record<string, unknown>;
  const resolvers = Array.isArray(meta?.resolvers)
    ? meta.resolvers.filter(isObj).slice(0, 32).map((r) => ({
        spec: short(r.spec), role: short(r.role, 16), transport: short(r.transport, 8), address: short(r.address),
        queries: typeof r.queries === 'number' ? r.queries : null, failures: typeof r.failures === 'number' ? r.failures : null,
        rtt_ms: isObj(r.rtt_ms) ? { median: typeof r.rtt_ms.median === 'number' ? r.rtt_ms.median : null, p95: typeof r.rtt_ms.p95 === 'number' ? r.rtt_ms.p95 : null } : null,
      }))
    : [];
  const di = isObj(m.dns_interception) ? m.dns_interception : null;
  return {
    resolvers,
    latency: latencyFigures(meta),
    dns_interception: di ? { detected: di.detected === true, resolvers: Array.isArray(di.resolvers) ? di.resolvers.filter((x) => typeof x === 'string').slice(0, 16) : [], evidence: Array.isArray(di.evidence) ? di.evidence.length : 0 } : null,
    probe_as_org: short(m.probe_as_org),
    isp_resolver_relay: short(m.isp_resolver_relay),
    lists: Array.isArray(m.lists) ? m.lists.filter((x): x is string => typeof x === 'string').map((x) => basename(x)).slice(0, 32) : [],
  };
}

export interface FolderOptions {
  warn?: (message: string) => void;
}

/**
 * Reads and checks a run folder. Throws RunRefusedError naming the file and line when it does not
 * hold up; a torn last line (an interrupted write) is left out with a warning.
 */
export async function runFromFolder(dir: string, opts: FolderOptions = {}): Promise<RunToRecord> {
  const warn = opts.warn ?? (() => undefined);
  const name = basename(resolve(dir));
  try {
    requireRunFolder(dir);
  } catch (err) {
    throw new RunRefusedError((err as Error).message);
  }
  let meta: RunMeta | null;
  try {
    meta = readRunMeta(dir, warn);
  } catch (err) {
    throw new RunRefusedError((err as Error).message);
  }
  if (meta?.software_version !== undefined && typeof meta.software_version !== 'string') throw new RunRefusedError(`${dir}/report.json: software_version is not text`);
  if (typeof meta?.software_version === 'string' && newerVersion(meta.software_version, softwareVersion)) {
    throw new RunRefusedError(`${dir} was written by censorprobe ${meta.software_version.slice(0, 40)}, newer than this one (${softwareVersion})`, { hint: 'update censorprobe, then import it again' });
  }
  const settingsPath = join(dir, 'run.json');
  let firstStart: number | null = null;
  if (existsSync(settingsPath)) {
    try {
      firstStart = unixSeconds((JSON.parse(readFileSync(settingsPath, 'utf8')) as Rec).started);
    } catch {
      warn(`${settingsPath} is unreadable: the run's start is taken from its report`);
    }
  }
  const runIdText = short(meta?.run_id, 200) ?? name;
  const path = join(dir, 'measurements.jsonl');

  // First pass: parse and check every line; keep only the reduced rows (small), hash the records.
  const hash = createHash('sha256');
  const checked: Checked[] = [];
  const keys = new Map<string, number>();
  let started = firstStart ?? unixSeconds(meta?.measurement_start_time);
  let firstRecordTime: number | null = null;
  try {
    for await (const { record, line } of readRecords<unknown>(path)) {
      const at = isObj(record) ? unixSeconds(record.measurement_start_time) : null;
      if (at !== null && (firstRecordTime === null || at < firstRecordTime)) firstRecordTime = at;
      // Without run.json or report.json, times count from the first record.
      started ??= at;
      const c = checkRecord(record, line, started ?? 0);
      if (typeof c === 'string') throw new RunRefusedError(`${path}:${line}: ${c}`);
      const dup = keys.get(c.row.key);
      if (dup !== undefined) throw new RunRefusedError(`${path}:${line}: measures the same entry as line ${dup} (${c.row.key.slice(0, 200)})`);
      keys.set(c.row.key, line);
      checked.push(c);
      // The hash covers what the store keeps of each line (and where it is), not its full text:
      // cheaper, and what decides whether a second recording would change anything.
      hash.update(`${JSON.stringify(c.row)}\n`);
    }
  } catch (err) {
    if (err instanceof RunRefusedError) throw err;
    // The line reader refuses a line that is not JSON; the last one is a torn write, anything else is damage.
    const m = /:(\d+): not a JSON line/.exec((err as Error).message);
    if (!m) throw new RunRefusedError(`${path}: ${(err as Error).message}`);
    const bad = Number(m[1]);
    if (bad < (await countLines(path))) throw new RunRefusedError(`${path}:${bad}: not a JSON line (the file is damaged, not merely cut short)`);
    warn(`${path}:${bad}: left out a torn last line (the run was interrupted)`);
  }
  if (checked.length === 0) throw new RunRefusedError(`${path} holds no measurements`);
  started ??= firstRecordTime ?? 0;

  const perList = new Map<string, string[]>();
  for (const c of checked) {
    const l = c.row.list;
    if (!perList.has(l)) perList.set(l, []);
    perList.get(l)!.push(c.row.key);
  }
  const declared = Array.isArray((meta as Rec | null)?.list_editions) ? ((meta as Rec).list_editions as unknown[]).filter(isObj) : [];
  const editions: EditionRow[] = [];
  for (const [list, entryKeys] of perList) {
    if (!list) continue;
    const d = declared.find((e) => typeof e.list === 'string' && basename(e.list) === list && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256));
    if (d) editions.push({ list, sha256: d.sha256 as string, entries: Number.isInteger(d.entries) ? (d.entries as number) : entryKeys.length, hashed: 'file' });
    else editions.push({ list, sha256: createHash('sha256').update([...entryKeys].sort().join('\n')).digest('hex'), entries: entryKeys.length, hashed: 'entries' });
  }

  const isp = isObj(meta?.isp) ? (meta!.isp as Rec) : {};
  const asn = asnNumber(isp.asn) ?? asnNumber((meta as Rec | null)?.probe_asn);
  const resolverName = typeof meta?.settings?.isp_resolver === 'string' ? `resolver ${meta.settings.isp_resolver.slice(0, 100)}` : null;
  const ended = unixSeconds(meta?.measurement_end_time);
  const penalty = latencyFigures(meta).penalty;
  const interception = isObj((meta as Rec | null)?.dns_interception) ? ((meta as Rec).dns_interception as Rec) : null;
  return {
    run_id: runIdText,
    started,
    ended,
    hash: hash.digest('hex'),
    software_version: short(meta?.software_version, 40),
    complete: meta?.complete === true,
    total_entries: Number.isInteger(meta?.total_entries) ? (meta!.total_entries as number) : null,
    isp: { asn, name: short(isp.name) ?? (asn === null ? resolverName : null) },
    latency_penalty: penalty,
    intercepted: interception ? interception.detected === true : null,
    facts: runFacts(meta),
    editions,
    measurements: checked.map((c) => c.row),
    ips: ipStates(checked),
  };
}
