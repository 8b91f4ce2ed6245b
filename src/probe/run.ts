// A run: every entry of the lists measured concurrently, judged, and streamed to the sinks as soon
// as it is done. Ctrl-C (an aborted signal) stops new entries, lets those under way finish, and
// still writes the summaries of what was measured.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { analyze } from '../analysis/analyze.js';
import type { AnalysisContext } from '../analysis/types.js';
import { parseResolverSpec, resolverAddress, type ResolverSpec } from '../dns/index.js';
import { controlAsker } from '../control/asker.js';
import { askWhoami } from '../control/client.js';
import { GuardError, UsageError } from '../errors.js';
import { identifyIsp, openAsnDb } from '../isp/index.js';
import { scrubber } from '../report/scrub.js';
import { entryKey, loadLists, requireUsable, type ListEntry } from '../lists/index.js';
import type { Guard } from '../net/guard.js';
import { CsvSummarySink } from '../report/csv.js';
import { writeHtmlReport } from '../report/html/index.js';
import { JsonlSink } from '../report/jsonl.js';
import { median, RunSummary } from '../report/summary.js';
import { softwareName, softwareVersion } from '../version.js';
import { hasGlobalIpv6 } from './ipv6.js';
import { blockpageMemory } from './blockpages.js';
import { courtOrderTargets, loadCourtOrders, shippedCourtOrders } from './court-orders.js';
import { relayPlan } from './relay.js';
import { calibrate, resolverKey } from './latency.js';
import { perIpLimiter } from './limits.js';
import { dnsShare } from './dns-share.js';
import { swapMemory } from './swap-memory.js';
import { rateGate } from './rate.js';
import { emptyKeys, measureTarget, type ProbeEnv } from './measure.js';
import type { MeasurementRecord, ResolverInfo } from './record.js';
import { MEASUREMENTS_FILE, readRecords, repairTornLine, saveSettings } from './state.js';

export interface RunOptions {
  lists: string[];
  skipInvalid: boolean;
  ispResolver: string;
  foreign: string[];
  control: string | null;
  controlToken?: string;
  out: string;
  concurrency: number;
  perIp: number;
  /** Entries started per second at most (--max-rate); null or absent: no ceiling. */
  maxRate?: number | null;
  timeoutMs: number;
  guard: Guard;
  innocuousName: string;
  neutralIp: string | null;
  ca?: string;
  signal?: AbortSignal;
  /** Continue the run in `out`: entries already in its measurements.jsonl are not measured again. */
  resume?: boolean;
  /** The court-orders list whose IPs every run tests too (null: none). Default: the shipped list. */
  courtOrders?: string | null;
  /** A MaxMind-format ASN database instead of the shipped table. */
  asnDb?: string;
  /**
   * Asked once the lists are loaded and before any packet is sent (informed consent); false stops
   * the run with nothing measured.
   */
  confirm?: (facts: { lists: { file: string; entries: number }[]; total: number }) => Promise<boolean>;
  /** Called once the work is known: entries in all, and how many were measured before (resume). */
  onStart?: (total: number, already: number) => void;
  /** Called after each entry is written. */
  onRecord?: (record: MeasurementRecord, done: number, total: number) => void;
}

export interface RunResult {
  out: string;
  complete: boolean;
  /** Entries measured by this invocation. */
  measured: number;
  /** Entries found already measured (resume). */
  resumed: number;
  total: number;
  skipped_invalid: number;
  report: Record<string, unknown>;
}

/** OONI's time format: UTC "YYYY-MM-DD hh:mm:ss". */
export function ooniTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * TCP and TLS timeouts that follow the line: a black-holed address costs seconds, not the worst case.
 * Twenty round trips abroad plus a second, within 2 s and --timeout. HTTP keeps --timeout (slow sites).
 */
export function connectTimeout(idle: Record<string, number[]>, resolvers: ResolverInfo[], max: number): number {
  const medians = resolvers
    .filter((r) => r.role === 'foreign')
    .map((r) => median(idle[resolverKey(r.transport, r.address)] ?? []))
    .filter((m): m is number => m !== null);
  const rtt = median(medians);
  if (rtt === null) return max;
  return Math.round(Math.min(max, Math.max(2000, rtt * 20 + 1000)));
}

function resolverInfo(spec: ResolverSpec, role: ResolverInfo['role']): ResolverInfo {
  return { spec: spec.spec, role, transport: spec.transport, address: resolverAddress(spec) };
}

function checkEndpoints(guard: Guard, specs: ResolverSpec[], control: string | null): void {
  for (const s of specs) {
    if (s.ip) guard.check(s.ip, `resolver ${s.spec}`);
    else if (guard.cidrs.length > 0) {
      throw new UsageError(`resolver ${s.spec}: a host name cannot be checked against --only-nets`, { hint: 'give resolvers by IP literal' });
    }
  }
  if (control) {
    const host = new URL(control).hostname.replace(/^\[|\]$/g, '');
    guard.check(host, `control ${control}`);
  }
}

export async function run(opts: RunOptions): Promise<RunResult> {
  const loaded = await loadLists(opts.lists);
  const usable = requireUsable(loaded, { skipInvalid: opts.skipInvalid });
  const entries: ListEntry[] = [...usable.entries];
  if (usable.notice) console.error(`censorprobe: ${usable.notice}`);
  const courtFile = opts.courtOrders === undefined ? shippedCourtOrders : opts.courtOrders;
  if (courtFile) {
    const { add, refused } = courtOrderTargets(await loadCourtOrders(courtFile), entries, opts.guard);
    entries.push(...add);
    if (refused.length > 0) console.error(`censorprobe: ${refused.length} court-ordered IP(s) outside --only-nets not measured: ${refused.join(', ')}`);
  }
  const isp = parseResolverSpec(opts.ispResolver);
  const foreign = opts.foreign.map(parseResolverSpec);
  if (foreign.length === 0) throw new UsageError('no foreign resolver given', { hint: 'pass --foreign udp://IP or https://IP/dns-query' });
  checkEndpoints(opts.guard, [isp, ...foreign], opts.control);
  if (opts.neutralIp) opts.guard.check(opts.neutralIp, 'neutral server');
  if (opts.confirm) {
    const perList = opts.lists.map((file) => ({ file, entries: entries.filter((e) => e.list === file).length }));
    if (!(await opts.confirm({ lists: perList, total: entries.length }))) {
      throw new UsageError('nothing measured: consent was not given', { hint: 'read docs/volunteers.md; run again and answer yes, or pass --accept' });
    }
  }

  // Who am I: the control helper sees the volunteer's public address. It is used only to name the
  // ISP (offline ASN data) and is scrubbed from every line written.
  const asnDb = openAsnDb(opts.asnDb ? { asnDb: opts.asnDb } : {});
  const whoami = opts.control
    ? await askWhoami(opts.control, { guard: opts.guard, timeoutMs: 10_000, ...(opts.controlToken ? { token: opts.controlToken } : {}), ...(opts.ca ? { ca: opts.ca } : {}) })
    : null;
  const publicIp = whoami?.address ?? null;
  const publicAs = publicIp ? asnDb.lookup(publicIp) : null;
  const ispMatch = identifyIsp({ ...(publicIp ? { publicIp } : {}), asn: publicAs?.asn ?? null });
  const scrub = scrubber(publicIp ? [publicIp] : []);
  const relay = relayPlan(isp, ispMatch, opts.guard, hasGlobalIpv6());
  if (relay.refused.length > 0) console.error(`censorprobe: the ISP's own resolvers outside --only-nets not measured: ${relay.refused.join(', ')}`);

  mkdirSync(opts.out, { recursive: true });
  const jsonlPath = join(opts.out, MEASUREMENTS_FILE);
  const measured = new Set<string>();
  if (opts.resume) {
    const cut = repairTornLine(jsonlPath);
    if (cut > 0) console.error(`censorprobe: ${jsonlPath}: cut a torn last line (${cut} bytes) left by an interrupted write`);
    for await (const { record } of readRecords<MeasurementRecord>(jsonlPath)) measured.add(entryKey(record.target));
  } else if (existsSync(jsonlPath) && statSync(jsonlPath).size > 0) {
    throw new UsageError(`${opts.out} already holds measurements`, { hint: `continue it with \`censorprobe run --resume ${opts.out}\` or choose another --out` });
  }
  const started = new Date();
  if (!opts.resume) {
    saveSettings(opts.out, {
      lists: opts.lists, skipInvalid: opts.skipInvalid, ispResolver: opts.ispResolver, foreign: opts.foreign, control: opts.control,
      concurrency: opts.concurrency, perIp: opts.perIp, timeoutMs: opts.timeoutMs, onlyNets: [...opts.guard.cidrs],
      innocuousName: opts.innocuousName, neutralIp: opts.neutralIp, started: started.toISOString(),
    });
  }
  const runId = opts.out.split(/[\\/]/).filter(Boolean).pop() ?? 'run';
  const ipv6 = hasGlobalIpv6();
  const env: ProbeEnv = {
    guard: opts.guard,
    isp,
    ispDirect: relay.direct,
    foreign: [...foreign].sort((a, b) => Number(b.transport === 'doh') - Number(a.transport === 'doh')),
    control: null,
    timeoutMs: opts.timeoutMs,
    connectTimeoutMs: opts.timeoutMs,
    dnsTimeoutMs: Math.min(opts.timeoutMs, 4000),
    controlTimeoutMs: Math.max(opts.timeoutMs * 3, 15000),
    lateWindowMs: 300,
    innocuousName: opts.innocuousName,
    neutralIp: opts.neutralIp,
    ipv6,
    ...(opts.ca ? { ca: opts.ca } : {}),
    perIp: perIpLimiter(opts.perIp),
    maxAddrs: 2,
    blockpages: blockpageMemory(),
    dnsShare: dnsShare([]),
    swaps: swapMemory(),
  };
  const resolvers = [resolverInfo(isp, 'isp'), ...relay.direct.map((r) => resolverInfo(r, 'isp-direct')), ...foreign.map((f) => resolverInfo(f, 'foreign'))];
  const context: AnalysisContext = {
    isp_resolver: resolverAddress(isp),
    foreign: foreign.map((f) => ({ address: resolverAddress(f), engine: f.transport })),
    routable_nets: [...opts.guard.cidrs],
    blockpage_ips: {},
    ipv6,
  };

  // Idle-line round trips before the bulk of the run (kept across a resume) and after it.
  const latencyPath = join(opts.out, 'latency.json');
  const calibration = { guard: opts.guard, timeoutMs: env.dnsTimeoutMs, rounds: 21, name: opts.innocuousName };
  const idle: Record<string, Record<string, number[]>> = existsSync(latencyPath) ? JSON.parse(readFileSync(latencyPath, 'utf8')) : {};
  if (!idle.idle_before && !opts.signal?.aborted) {
    idle.idle_before = await calibrate([isp, ...foreign], calibration);
    writeFileSync(latencyPath, `${JSON.stringify(idle)}\n`);
  }

  env.connectTimeoutMs = connectTimeout(idle.idle_before ?? {}, resolvers, opts.timeoutMs);

  // One asker for the run: control requests go in batches over kept-alive connections. Enough
  // batches in flight that a few slow ones (a gone host costs the helper its whole budget) do not
  // hold up the others.
  const asker = opts.control
    ? controlAsker(opts.control, {
        guard: opts.guard,
        timeoutMs: env.controlTimeoutMs,
        maxInFlight: 64,
        ...(opts.controlToken ? { token: opts.controlToken } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      })
    : null;
  env.control = asker;
  const jsonl = new JsonlSink(jsonlPath, scrub);
  const limit = pLimit(opts.concurrency);
  const gate = opts.maxRate ? rateGate(opts.maxRate, opts.signal ? { signal: opts.signal } : {}) : null;
  const todo = entries.filter((e) => !measured.has(entryKey(e)));
  env.dnsShare = dnsShare(todo.filter((e) => !e.is_ip).map((e) => e.host));
  opts.onStart?.(entries.length, measured.size);
  let done = 0;

  // A misconfiguration (the guard refusing an address) stops the run; any other error in one entry
  // is recorded as that entry's inconclusive result and the run goes on.
  const stop = new AbortController();
  let fatal: unknown = null;
  const measureOne = async (entry: ListEntry) => {
    if (opts.signal?.aborted || stop.signal.aborted) return;
    if (gate) await gate();
    if (opts.signal?.aborted || stop.signal.aborted) return;
    const t0 = Date.now();
    let keys = emptyKeys();
    let entryContext = context;
    let analysis;
    try {
      keys = await measureTarget(entry, env);
      for (const q of keys.queries) {
        for (const a of q.answers) {
          const ip = a.ipv4 ?? a.ipv6;
          const as = ip ? asnDb.lookup(ip) : null;
          if (as) a.asn = as.asn;
        }
      }
      entryContext = { ...context, blockpage_ips: env.blockpages.known() };
      analysis = analyze({ target: entry, test_keys: keys, context: entryContext });
    } catch (err) {
      if (err instanceof GuardError) {
        fatal ??= err;
        stop.abort();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      analysis = {
        verdict: 'inconclusive' as const,
        layers: { dns: null, ip: null, dpi: null, url: null },
        reason: `the probe failed on this entry: ${message}`,
        isp_addrs: [],
        truth_addrs: [],
        truth_source: null,
        ipv6_judged: ipv6,
      };
    }
    if (stop.signal.aborted) return;
    const { line: _line, source: _source, notes: _notes, extra: _extra, ...target } = entry;
    const record: MeasurementRecord = {
      input: entry.input,
      measurement_start_time: ooniTime(new Date(t0)),
      test_runtime: (Date.now() - t0) / 1000,
      software_name: softwareName,
      software_version: softwareVersion,
      test_name: 'censorprobe',
      run_id: runId,
      ...analysis,
      target,
      test_keys: keys,
      context: entryContext,
    };
    jsonl.write(record);
    done++;
    opts.onRecord?.(record, measured.size + done, entries.length);
  };

  try {
    await Promise.all(todo.map((e) => limit(() => measureOne(e))));
  } finally {
    jsonl.close();
    await asker?.close();
  }
  if (fatal) throw fatal;
  const complete = measured.size + done >= entries.length;
  if (complete && !opts.signal?.aborted) {
    idle.idle_after = await calibrate([isp, ...foreign], calibration);
    writeFileSync(latencyPath, `${JSON.stringify(idle)}\n`);
  }

  // Summaries are rebuilt from the JSONL, streaming: the same code after a run, a Ctrl-C or a resume.
  const csv = new CsvSummarySink(join(opts.out, 'summary.csv'));
  const summary = new RunSummary(resolvers);
  if (idle.idle_before) summary.setCalibration('idle_before', idle.idle_before);
  if (idle.idle_after) summary.setCalibration('idle_after', idle.idle_after);
  try {
    for await (const { record } of readRecords<MeasurementRecord>(jsonlPath)) {
      csv.write(record);
      summary.add(record);
    }
  } finally {
    csv.close();
  }
  const report = summary.toJSON({
    run_id: runId,
    software_name: softwareName,
    software_version: softwareVersion,
    measurement_start_time: ooniTime(started),
    measurement_end_time: ooniTime(new Date()),
    complete,
    lists: opts.lists,
    skipped_invalid: usable.skipped,
    duplicates: loaded.duplicates.length,
    total_entries: entries.length,
    isp: ispMatch
      ? { name: ispMatch.name, asn: ispMatch.asn, brand: ispMatch.brand, historical: ispMatch.historical, simulated: ispMatch.simulated, source: ispMatch.source }
      : null,
    // A home router relaying DNS: the ISP's own resolvers were asked too (role isp-direct).
    isp_resolver_relay: relay.relayedBy,
    probe_asn: publicAs ? `AS${publicAs.asn}` : null,
    probe_as_org: publicAs?.org ?? null,
    // The address itself is never written: only whether it was learnt.
    probe_ip: publicIp ? '[scrubbed]' : null,
    asn_data: asnDb.info,
    control_failure: whoami?.failure ?? null,
    settings: {
      isp_resolver: isp.spec,
      foreign: foreign.map((f) => f.spec),
      control: opts.control,
      concurrency: opts.concurrency,
      per_ip: opts.perIp,
      max_rate: opts.maxRate ?? null,
      timeout_ms: opts.timeoutMs,
      connect_timeout_ms: env.connectTimeoutMs,
      connect_timeout_basis: 'clamp(20 x median idle round trip of the foreign resolvers + 1000 ms, 2000 ms, --timeout)',
      dns_timeout_ms: env.dnsTimeoutMs,
      control_timeout_ms: env.controlTimeoutMs,
      only_nets: opts.guard.cidrs,
      innocuous_name: opts.innocuousName,
      neutral_ip: opts.neutralIp,
      ipv6,
    },
    // What the run did not repeat (docs/performance.md): this invocation's figures, not the whole run's after a resume.
    reuse: {
      dns_shared_entries: env.dnsShare.reused(),
      innocuous_requests_shared: env.swaps.reused(),
      control: asker?.stats() ?? null,
    },
  });
  writeFileSync(join(opts.out, 'report.json'), `${scrub(JSON.stringify(report, null, 2))}\n`);
  try {
    await writeHtmlReport(opts.out);
  } catch (err) {
    // The measurements and summaries are written: a failed page must not fail the run.
    console.error(`censorprobe: could not write report.html (${(err as Error).message}); try \`censorprobe report html ${opts.out}\``);
  }
  return { out: opts.out, complete, measured: done, resumed: measured.size, total: entries.length, skipped_invalid: usable.skipped, report };
}
