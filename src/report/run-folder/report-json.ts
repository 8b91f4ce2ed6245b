// report.json: the run's summary (RunSummary.toJSON with the run's facts), written at the end of a
// run and read by the reports, whatever version of censorprobe wrote it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../summary.js';
import { MEASUREMENTS_FILE, REPORT_JSON, RunFolderError, stderrWarn, type Warn } from './files.js';

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

/**
 * report.json, or null when the run never got to write it (interrupted by a crash): the reports
 * then rely on measurements.jsonl alone.
 */
export function readRunMeta(dir: string, warn: Warn = stderrWarn): RunMeta | null {
  const path = join(dir, REPORT_JSON);
  if (!existsSync(path)) {
    warn(`${path} is missing (the run did not finish): run-level figures are computed from ${MEASUREMENTS_FILE} alone`);
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RunFolderError(`${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RunFolderError(`${path} cannot be read: not a JSON object`);
  return value as RunMeta;
}

/** Writes report.json: the summary with the run's facts, scrubbed of the volunteer's address. */
export function writeReportJson(dir: string, summary: RunSummary, meta: Record<string, unknown>, scrub: (text: string) => string = (t) => t): Record<string, unknown> {
  const report = summary.toJSON(meta);
  writeFileSync(join(dir, REPORT_JSON), `${scrub(JSON.stringify(report, null, 2))}\n`);
  return report;
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
