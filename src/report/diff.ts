// `censorprobe report diff OLD NEW`: what changed between two runs of the same ISP, and the
// court-order view: each IP named in an order, whether it is still a black hole, since when it has
// been seen so, and which other names resolve to it now (collateral damage of an IP block).
// The old run is held as a small map (verdict and method per entry); the new one is streamed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Verdict } from '../analysis/types.js';
import { UsageError } from '../errors.js';
import { parseListText, splitIps } from '../lists/index.js';
import type { MeasurementRecord } from '../record.js';
import { safeCell } from './csv.js';
import { LAYERS } from './html/model.js';
import { isBlocked } from './merge.js';
import { requireRunFolder, type Warn } from './run-folder/files.js';
import { readRecords } from './run-folder/read.js';
import { ispLabel, readRunMeta } from './run-folder/report-json.js';

export interface Outcome {
  verdict: Verdict;
  kinds: string[];
}

/** `site_refuses`/`site_admits`: the site's own refusal of this network began or ended (never censorship). */
export type ChangeKind = 'newly_blocked' | 'unblocked' | 'method_changed' | 'site_refuses' | 'site_admits' | 'added' | 'removed';

export interface Change {
  change: ChangeKind;
  input: string;
  category: string;
  old: Outcome | null;
  new: Outcome | null;
}

export type IpStatus = 'unreachable' | 'reachable' | 'not_measured';

export interface OrderIp {
  ip: string;
  old: IpStatus;
  new: IpStatus;
  still_unreachable: boolean;
  /** The earliest of the two runs in which it was seen unreachable without a break, or null. */
  unreachable_since: string | null;
  /** Days between `unreachable_since` and the new run. */
  days: number | null;
  /** Other names that resolve to it now (abroad or at the ISP): sites hit by the IP block. */
  names_now: string[];
}

export interface RunRef {
  dir: string;
  run_id: string;
  isp: string;
  start: string;
}

export interface RunDiff {
  old: RunRef;
  new: RunRef;
  changes: Change[];
  counts: Record<ChangeKind, number> & { unchanged: number };
  orders: OrderIp[];
}

const outcome = (r: MeasurementRecord): Outcome => ({ verdict: r.verdict, kinds: LAYERS.flatMap((l) => (r.layers[l] ? [`${l}:${r.layers[l]!.kind}`] : [])) });

/** How the ISP blocks an entry: the layers, not the details (a new lying IP is not a new method). */
const method = (o: Outcome) => [o.verdict, ...o.kinds.map((k) => k.split(':')[0])].join(' ');

/** What changed for one entry, or null. A verdict that cannot judge (inconclusive) changes nothing. */
export function classify(old: Outcome | null, now: Outcome | null): ChangeKind | null {
  if (!old && now) return 'added';
  if (old && !now) return 'removed';
  if (!old || !now) return null;
  if (old.verdict === 'inconclusive' || now.verdict === 'inconclusive') return null;
  const was = isBlocked(old.verdict);
  const is = isBlocked(now.verdict);
  if (!was && is) return 'newly_blocked';
  // The site's own refusal is counted apart: it is neither a block nor its end.
  if (now.verdict === 'geoblock' && old.verdict !== 'geoblock') return 'site_refuses';
  if (old.verdict === 'geoblock' && now.verdict !== 'geoblock') return 'site_admits';
  if (was && !is && now.verdict === 'ok') return 'unblocked';
  if (was && is && (method(old) !== method(now) || old.kinds.join() !== now.kinds.join())) return 'method_changed';
  return null;
}

/** Per IP: whether any direct connection to it worked in this record. */
function ipSeen(r: MeasurementRecord, into: Map<string, IpStatus>, watch: Set<string>): void {
  for (const c of r.test_keys.tcp_connect) {
    if (!watch.has(c.ip) || c.tags.includes('isp-answer')) continue;
    if (c.status.success) into.set(c.ip, 'reachable');
    else if (into.get(c.ip) !== 'reachable') into.set(c.ip, 'unreachable');
  }
}

/** The IPs an order file names: its IP-literal rows and its `ips` column (lists/court-orders.csv). */
export function orderIpsFromList(path: string): string[] {
  const parsed = parseListText(readFileSync(path, 'utf8'), path);
  const ips = new Set<string>();
  for (const e of parsed.entries) {
    if (e.is_ip) ips.add(e.host);
    for (const ip of splitIps(e.extra.ips ?? '')) if (isIP(ip)) ips.add(ip);
  }
  return [...ips];
}

function days(from: string, to: string): number | null {
  const a = Date.parse(`${from.replace(' ', 'T')}Z`);
  const b = Date.parse(`${to.replace(' ', 'T')}Z`);
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.round(((b - a) / 86_400_000) * 10) / 10;
}

export interface DiffOptions {
  /** IPs named in orders, besides the IP-literal entries of the runs. */
  orderIps?: string[];
  warn?: Warn;
}

export async function diffRuns(oldDir: string, newDir: string, opts: DiffOptions = {}): Promise<RunDiff> {
  requireRunFolder(oldDir);
  requireRunFolder(newDir);
  const ref = (dir: string): RunRef => {
    const meta = readRunMeta(dir, opts.warn);
    return { dir, run_id: meta?.run_id ?? basename(resolve(dir)), isp: ispLabel(meta, basename(resolve(dir))), start: meta?.measurement_start_time ?? '' };
  };
  const oldRef = ref(oldDir);
  const newRef = ref(newDir);
  if (oldRef.isp !== newRef.isp) opts.warn?.(`comparing runs of different ISPs (${oldRef.isp} and ${newRef.isp}): use \`report merge\` to compare ISPs`);

  // Two streaming passes over each run: the first learns outcomes and the IP-literal entries (which
  // join the watched IPs), the second reads the watched IPs' reachability and who resolves to them.
  const watch = new Set(opts.orderIps ?? []);
  const old = new Map<string, { o: Outcome; category: string }>();
  for await (const r of readRecords(oldDir, opts.warn)) {
    old.set(r.input, { o: outcome(r), category: r.target.category_code });
    if (r.target.is_ip) watch.add(r.target.host);
    if (!oldRef.start) oldRef.start = r.measurement_start_time;
  }
  const changes: Change[] = [];
  const seen = new Set<string>();
  let unchanged = 0;
  for await (const r of readRecords(newDir, opts.warn)) {
    if (!newRef.start) newRef.start = r.measurement_start_time;
    seen.add(r.input);
    if (r.target.is_ip) watch.add(r.target.host);
    const was = old.get(r.input);
    const kind = classify(was?.o ?? null, outcome(r));
    if (kind) changes.push({ change: kind, input: r.input, category: r.target.category_code, old: was?.o ?? null, new: outcome(r) });
    else unchanged++;
  }
  for (const [input, was] of old) {
    if (!seen.has(input)) changes.push({ change: 'removed', input, category: was.category, old: was.o, new: null });
  }
  const oldIps = new Map<string, IpStatus>();
  const newIps = new Map<string, IpStatus>();
  const namesNow = new Map<string, Set<string>>();
  if (watch.size > 0) {
    for await (const r of readRecords(oldDir, () => undefined)) ipSeen(r, oldIps, watch);
    for await (const r of readRecords(newDir, () => undefined)) {
      ipSeen(r, newIps, watch);
      if (r.target.is_ip) continue;
      for (const ip of new Set([...r.truth_addrs, ...r.isp_addrs])) {
        if (!watch.has(ip)) continue;
        if (!namesNow.has(ip)) namesNow.set(ip, new Set());
        namesNow.get(ip)!.add(r.target.host_unicode || r.target.host);
      }
    }
  }

  const orders: OrderIp[] = [...watch].sort().map((ip) => {
    const before = oldIps.get(ip) ?? 'not_measured';
    const now = newIps.get(ip) ?? 'not_measured';
    const still = now === 'unreachable';
    const since = !still ? null : before === 'unreachable' ? oldRef.start : newRef.start;
    return { ip, old: before, new: now, still_unreachable: still, unreachable_since: since || null, days: since ? days(since, newRef.start) : null, names_now: [...(namesNow.get(ip) ?? [])].sort() };
  });
  const counts = { newly_blocked: 0, unblocked: 0, method_changed: 0, site_refuses: 0, site_admits: 0, added: 0, removed: 0, unchanged };
  for (const c of changes) counts[c.change]++;
  return { old: oldRef, new: newRef, changes, counts, orders };
}

const BOM = '\uFEFF';
const csv = (rows: (string | number | boolean | null)[][]) =>
  BOM + stringify(rows.map((r) => r.map((c) => (typeof c === 'string' ? safeCell(c) : c === null ? '' : String(c)))));
const text = (o: Outcome | null) => (o ? [o.verdict, o.kinds.join(' ')] : ['', '']);

/** diff.csv, orders.csv and diff.json in `out`. */
export function writeDiff(d: RunDiff, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const files: [string, string][] = [
    ['diff.csv', csv([['change', 'input', 'category', 'old_verdict', 'old_method', 'new_verdict', 'new_method'], ...d.changes.map((c) => [c.change, c.input, c.category, ...text(c.old), ...text(c.new)])])],
    ['orders.csv', csv([['ip', 'old_status', 'new_status', 'still_unreachable', 'unreachable_since', 'days', 'names_now'], ...d.orders.map((o) => [o.ip, o.old, o.new, o.still_unreachable, o.unreachable_since, o.days, o.names_now.join(' ')])])],
    ['diff.json', `${JSON.stringify(d, null, 2)}\n`],
  ];
  return files.map(([name, body]) => {
    const path = join(out, name);
    writeFileSync(path, body);
    return path;
  });
}

/** A few plain lines for the terminal. */
export function formatDiff(d: RunDiff, limit = 10): string {
  const lines = [
    `${d.old.isp}: ${d.old.run_id} (${d.old.start || '?'}) → ${d.new.run_id} (${d.new.start || '?'})`,
    `newly blocked ${d.counts.newly_blocked}, unblocked ${d.counts.unblocked}, method changed ${d.counts.method_changed}, refused by the site itself ${d.counts.site_refuses}, no longer refused by the site ${d.counts.site_admits}, added to the list ${d.counts.added}, removed from the list ${d.counts.removed}, unchanged ${d.counts.unchanged}`,
  ];
  for (const kind of ['newly_blocked', 'unblocked', 'method_changed', 'site_refuses', 'site_admits'] as const) {
    const some = d.changes.filter((c) => c.change === kind).slice(0, limit);
    const show = (o: Outcome | null) => (o ? o.kinds.join('+') || o.verdict : '-');
    for (const c of some) lines.push(`  ${kind.replace('_', ' ')}: ${JSON.stringify(c.input)} ${show(c.old)} → ${show(c.new)}`);
  }
  for (const o of d.orders) {
    const state = o.still_unreachable ? `still unreachable${o.unreachable_since ? ` since at least ${o.unreachable_since} (${o.days ?? '?'} days)` : ''}` : o.new === 'reachable' ? 'reachable now' : 'not measured in the new run';
    lines.push(`  order IP ${o.ip}: ${state}${o.names_now.length ? `; names on it now: ${o.names_now.join(', ')}` : ''}`);
  }
  return lines.join('\n');
}

export function requireTwo(dirs: string[]): [string, string] {
  if (dirs.length !== 2) throw new UsageError('report diff takes two run folders: OLD NEW');
  return [dirs[0]!, dirs[1]!];
}
