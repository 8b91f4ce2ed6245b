// A run: every entry of the lists measured concurrently, judged, and streamed to the sinks as soon
// as it is done. Ctrl-C (an aborted signal) stops new entries, lets those under way finish, and
// still writes the summaries of what was measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { analyze } from '../analysis/analyze.js';
import type { AnalysisContext } from '../analysis/types.js';
import { parseResolverSpec, resolverAddress, type ResolverSpec } from '../dns/index.js';
import { GuardError, ListError, UsageError } from '../errors.js';
import { loadLists, type ListEntry } from '../lists/index.js';
import type { Guard } from '../net/guard.js';
import { CsvSummarySink } from '../report/csv.js';
import { JsonlSink } from '../report/jsonl.js';
import { RunSummary } from '../report/summary.js';
import { softwareName, softwareVersion } from '../version.js';
import { hasGlobalIpv6 } from './ipv6.js';
import { perIpLimiter } from './limits.js';
import { emptyKeys, measureTarget, type ProbeEnv } from './measure.js';
import type { MeasurementRecord, ResolverInfo } from './record.js';

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
  timeoutMs: number;
  guard: Guard;
  innocuousName: string;
  neutralIp: string | null;
  ca?: string;
  signal?: AbortSignal;
  /** Called after each entry is written. */
  onRecord?: (record: MeasurementRecord, done: number, total: number) => void;
}

export interface RunResult {
  out: string;
  complete: boolean;
  measured: number;
  total: number;
  skipped_invalid: number;
  report: Record<string, unknown>;
}

/** OONI's time format: UTC "YYYY-MM-DD hh:mm:ss". */
export function ooniTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function resolverInfo(spec: ResolverSpec, role: 'isp' | 'foreign'): ResolverInfo {
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
  if (loaded.problems.length > 0 && !opts.skipInvalid) {
    const first = loaded.problems.slice(0, 3).map((p) => `${p.file}:${p.line}: ${p.reason}`).join('; ');
    throw new ListError(`${loaded.problems.length} invalid list row(s): ${first}`, {
      hint: 'fix them (see `censorprobe lists check`) or pass --skip-invalid to measure the rest',
    });
  }
  const entries: ListEntry[] = loaded.entries;
  const isp = parseResolverSpec(opts.ispResolver);
  const foreign = opts.foreign.map(parseResolverSpec);
  if (foreign.length === 0) throw new UsageError('no foreign resolver given', { hint: 'pass --foreign udp://IP or https://IP/dns-query' });
  checkEndpoints(opts.guard, [isp, ...foreign], opts.control);
  if (opts.neutralIp) opts.guard.check(opts.neutralIp, 'neutral server');

  mkdirSync(opts.out, { recursive: true });
  const started = new Date();
  const runId = opts.out.split(/[\\/]/).filter(Boolean).pop() ?? 'run';
  const ipv6 = hasGlobalIpv6();
  const env: ProbeEnv = {
    guard: opts.guard,
    isp,
    foreign: [...foreign].sort((a, b) => Number(b.transport === 'doh') - Number(a.transport === 'doh')),
    control: opts.control ? { url: opts.control, ...(opts.controlToken ? { token: opts.controlToken } : {}) } : null,
    timeoutMs: opts.timeoutMs,
    dnsTimeoutMs: Math.min(opts.timeoutMs, 4000),
    controlTimeoutMs: Math.max(opts.timeoutMs * 3, 15000),
    lateWindowMs: 300,
    innocuousName: opts.innocuousName,
    neutralIp: opts.neutralIp,
    ipv6,
    ...(opts.ca ? { ca: opts.ca } : {}),
    perIp: perIpLimiter(opts.perIp),
    maxAddrs: 2,
  };
  const resolvers = [resolverInfo(isp, 'isp'), ...foreign.map((f) => resolverInfo(f, 'foreign'))];
  const context: AnalysisContext = {
    isp_resolver: resolverAddress(isp),
    foreign: foreign.map((f) => ({ address: resolverAddress(f), engine: f.transport })),
    routable_nets: [...opts.guard.cidrs],
    blockpage_ips: {},
    ipv6,
  };

  const jsonl = new JsonlSink(join(opts.out, 'measurements.jsonl'));
  const csv = new CsvSummarySink(join(opts.out, 'summary.csv'));
  const summary = new RunSummary(resolvers);
  const limit = pLimit(opts.concurrency);
  let done = 0;

  // A misconfiguration (the guard refusing an address) stops the run; any other error in one entry
  // is recorded as that entry's inconclusive result and the run goes on.
  const stop = new AbortController();
  let fatal: unknown = null;
  const measureOne = async (entry: ListEntry) => {
    if (opts.signal?.aborted || stop.signal.aborted) return;
    const t0 = Date.now();
    let keys = emptyKeys();
    let analysis;
    try {
      keys = await measureTarget(entry, env);
      analysis = analyze({ target: entry, test_keys: keys, context });
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
    };
    jsonl.write(record);
    csv.write(record);
    summary.add(record);
    done++;
    opts.onRecord?.(record, done, entries.length);
  };

  try {
    await Promise.all(entries.map((e) => limit(() => measureOne(e))));
  } finally {
    jsonl.close();
    csv.close();
  }
  if (fatal) throw fatal;
  const complete = done === entries.length;
  const report = summary.toJSON({
    run_id: runId,
    software_name: softwareName,
    software_version: softwareVersion,
    measurement_start_time: ooniTime(started),
    measurement_end_time: ooniTime(new Date()),
    complete,
    lists: opts.lists,
    skipped_invalid: loaded.problems.length,
    duplicates: loaded.duplicates.length,
    total_entries: entries.length,
    settings: {
      isp_resolver: isp.spec,
      foreign: foreign.map((f) => f.spec),
      control: opts.control,
      concurrency: opts.concurrency,
      per_ip: opts.perIp,
      timeout_ms: opts.timeoutMs,
      dns_timeout_ms: env.dnsTimeoutMs,
      control_timeout_ms: env.controlTimeoutMs,
      only_nets: opts.guard.cidrs,
      innocuous_name: opts.innocuousName,
      neutral_ip: opts.neutralIp,
      ipv6,
    },
  });
  writeFileSync(join(opts.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return { out: opts.out, complete, measured: done, total: entries.length, skipped_invalid: loaded.problems.length, report };
}
