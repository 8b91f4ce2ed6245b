// Reading a run folder (`censorprobe run --out DIR`): report.json for the run's facts and
// measurements.jsonl streamed line by line, so a 15,000-entry run never sits in memory as text.
// A crash can tear the last line (the sink writes whole lines, but kill -9 may cut one): it is
// skipped with a warning, never fatal, since everything before it is intact.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CensorprobeError } from '../errors.js';
import type { MeasurementRecord } from '../probe/record.js';

/** A folder that is not a run folder, or a report.json that cannot be read. */
export class RunFolderError extends CensorprobeError {
  override readonly code = 'CP_RUN_FOLDER';
}

export const MEASUREMENTS = 'measurements.jsonl';
export const REPORT_JSON = 'report.json';

/** The parts of report.json (RunSummary.toJSON plus run's meta) the reports use; all optional. */
export interface RunMeta {
  run_id?: string;
  software_name?: string;
  software_version?: string;
  measurement_start_time?: string;
  measurement_end_time?: string;
  complete?: boolean;
  /** By name, edition and SHA-256; paths as given in runs before that. */
  lists?: (string | { file: string; entries?: number; edition?: string | null; sha256?: string })[];
  total_entries?: number;
  entries?: number;
  settings?: {
    isp_resolver?: string;
    foreign?: string[];
    control?: string | null;
    [k: string]: unknown;
  };
  counts?: Record<string, number>;
  kinds?: Record<string, Record<string, number>>;
  resolvers?: {
    spec: string;
    role: 'isp' | 'isp-direct' | 'foreign';
    transport: string;
    address: string;
    queries: number;
    failures: number;
    rtt_ms: { median: number | null; p95: number | null };
    intercepted_answers?: number;
  }[];
  latency_penalty?: number | null;
  /** Shapes vary by version: flat medians (early), or per phase (idle_before, under_load, ...). */
  latency?: Record<string, unknown>;
  dns_interception?: { detected: boolean; resolvers: string[]; evidence: { input: string; resolver: string; says: string; isp_says: string; doh_says: string }[] };
  /** Added by later work: the ISP the line belongs to. */
  isp?: { name?: string | null; asn?: string | number | null };
  probe_asn?: string | null;
  probe_as_org?: string | null;
}

/** The columns every summary row repeats, from a run's report.json (empty when unknown). */
export function runColumnsOf(meta: RunMeta | null): { runDate: string; isp: string; asn: string } {
  const asn = meta?.isp?.asn ?? meta?.probe_asn ?? '';
  return {
    runDate: meta?.measurement_start_time?.slice(0, 10) ?? '',
    isp: meta?.isp?.name ?? meta?.probe_as_org ?? '',
    asn: asn === '' || asn === null ? '' : /^AS/i.test(String(asn)) ? String(asn) : `AS${asn}`,
  };
}

export type Warn = (message: string) => void;

const stderrWarn: Warn = (m) => console.error(`censorprobe: warning: ${m}`);

/** Throws unless `dir` holds measurements.jsonl. */
export function requireRunFolder(dir: string): void {
  if (!existsSync(join(dir, MEASUREMENTS))) {
    throw new RunFolderError(`${dir} is not a run folder: no ${MEASUREMENTS} in it`, {
      hint: 'give the folder `censorprobe run` wrote (reports/<time>/ by default)',
    });
  }
}

/**
 * report.json, or null when the run never got to write it (interrupted by a crash): the reports
 * then rely on measurements.jsonl alone.
 */
export function readRunMeta(dir: string, warn: Warn = stderrWarn): RunMeta | null {
  const path = join(dir, REPORT_JSON);
  if (!existsSync(path)) {
    warn(`${path} is missing (the run did not finish): run-level figures are computed from ${MEASUREMENTS} alone`);
    return null;
  }
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as RunMeta;
  } catch (err) {
    throw new RunFolderError(`${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function looksLikeRecord(v: unknown): v is MeasurementRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<MeasurementRecord>;
  return typeof r.input === 'string' && typeof r.verdict === 'string' && typeof r.target === 'object' && r.target !== null &&
    typeof r.layers === 'object' && r.layers !== null && typeof r.test_keys === 'object' && r.test_keys !== null;
}

/**
 * Every record of measurements.jsonl in file order. A line that does not parse is skipped with a
 * warning naming its line number: at the end it is the torn line of an interrupted run; elsewhere
 * the file was damaged, and the rest is still worth reporting.
 */
export async function* readRecords(dir: string, warn: Warn = stderrWarn): AsyncGenerator<MeasurementRecord> {
  requireRunFolder(dir);
  const path = join(dir, MEASUREMENTS);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  // A bad line is only reported once the next line is seen, to tell a torn last line from damage.
  let pending: { line: number; reason: string } | null = null;
  const flush = (last: boolean) => {
    if (!pending) return;
    warn(last
      ? `${path}:${pending.line}: skipped the last line, cut short (${pending.reason}); the run was probably interrupted`
      : `${path}:${pending.line}: skipped a damaged line (${pending.reason})`);
    pending = null;
  };
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    flush(false);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      pending = { line: n, reason: (err as Error).message };
      continue;
    }
    if (!looksLikeRecord(value)) {
      pending = { line: n, reason: 'not a measurement record' };
      continue;
    }
    yield value;
  }
  flush(true);
}

/** All records in memory: for small runs and tests; reports stream with readRecords instead. */
export async function loadRecords(dir: string, warn?: Warn): Promise<MeasurementRecord[]> {
  const out: MeasurementRecord[] = [];
  for await (const r of readRecords(dir, warn)) out.push(r);
  return out;
}

/** The ISP as a short label: report.json's `isp` when known, else the resolver or the run id. */
export function ispLabel(meta: RunMeta | null, fallback: string): string {
  const name = meta?.isp?.name ?? null;
  const asn = meta?.isp?.asn ?? null;
  const asText = asn === null || asn === undefined || asn === '' ? null : String(asn).toUpperCase().startsWith('AS') ? String(asn).toUpperCase() : `AS${asn}`;
  if (name && asText) return `${name} (${asText})`;
  if (name) return name;
  if (asText) return asText;
  return meta?.settings?.isp_resolver ? `resolver ${meta.settings.isp_resolver}` : fallback;
}

export interface LatencyFigures {
  penalty: number | null;
  isp_median_ms: number | null;
  foreign_median_ms: number | null;
  /** 'idle_before' | 'idle_after' | 'under_load', or null when report.json does not say. */
  measured_on: string | null;
  excluded: string[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The latency penalty and the medians it was computed from, whatever the report.json version:
 * per-phase figures (`latency.measured_on` names the phase used) or the early flat form.
 */
export function latencyFigures(meta: RunMeta | null): LatencyFigures {
  const lat = meta?.latency ?? {};
  const on = typeof lat.measured_on === 'string' ? lat.measured_on : null;
  const phase = on && typeof lat[on] === 'object' && lat[on] !== null ? (lat[on] as Record<string, unknown>) : lat;
  const excluded = Array.isArray(lat.excluded_intercepted) ? lat.excluded_intercepted.filter((x): x is string => typeof x === 'string') : [];
  return {
    penalty: num(meta?.latency_penalty) ?? num(phase.penalty),
    isp_median_ms: num(phase.isp_median_ms),
    foreign_median_ms: num(phase.foreign_median_ms),
    measured_on: on,
    excluded,
  };
}
