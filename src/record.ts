// The record: one line of measurements.jsonl. Its schema sits at the bottom beside the observations,
// so that every layer (probe, analysis, report, store) reads it without importing another layer.
import type { Analysis, AnalysisContext } from './analysis/types.js';
import type { Target, TestKeys } from './observations.js';

/** One line of measurements.jsonl: the entry, its verdict with evidence, and every observation. */
export interface MeasurementRecord extends Analysis {
  /** The entry exactly as listed. */
  input: string;
  /** OONI's form: UTC "YYYY-MM-DD hh:mm:ss". */
  measurement_start_time: string;
  /** Seconds the entry took. */
  test_runtime: number;
  software_name: string;
  software_version: string;
  test_name: 'censorprobe';
  /** The run's id (its output folder name); ties lines to report.json. */
  run_id: string;
  target: Target;
  test_keys: TestKeys;
  /** The run-level facts the analysis used, so the line re-judges alone: `analyze(target, test_keys, context)`. */
  context: AnalysisContext;
}

/** A resolver as configured for a run; `address` is what queries record as `resolver_address`. */
export interface ResolverInfo {
  spec: string;
  /** `isp-direct`: the detected ISP's own resolver, asked besides a relaying home router. */
  role: 'isp' | 'isp-direct' | 'foreign';
  transport: 'udp' | 'tcp' | 'doh';
  address: string;
}

/** The key a resolver's round trips are filed under (report.json, latency.json): transport and address. */
export function resolverKey(transport: string, address: string): string {
  return `${transport}|${address}`;
}
