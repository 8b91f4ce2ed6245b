// What `lab up` writes for tests and the probe: addresses, URLs, files, latencies, PIDs.
import { existsSync, readFileSync } from 'node:fs';
import { median as statsMedian } from '../stats.js';
import { files } from './paths.js';
import { LabNotUpError } from './errors.js';
import type { GroundTruth } from './scenarios.js';

export interface LabLatency {
  /** The ISP resolver's reply time (ms): its configured delay plus the lab's overhead, calibrated at `up`. */
  isp_ms: number;
  /** Reply time per foreign resolver spec (ms), calibrated the same way. */
  foreign_ms: Record<string, number>;
  /** median(foreign_ms over the `foreign` specs) / isp_ms; see docs/lab.md. */
  expected_penalty: number;
  /** The delays the lab adds (ms): `isp` and one per foreign spec. */
  delay_ms: Record<string, number>;
  /** Queries per resolver behind each median. */
  samples: number;
}

export interface LabEndpoints {
  namespaces: { client: string; isp: string; world: string };
  only_nets: string;
  isp_resolver: string;
  /** Foreign resolvers as specs: `udp://IP:53`, `tcp://IP:53`, DoH URLs. */
  foreign: string[];
  doh_url: string;
  slow_doh_url: string;
  control_url: string;
  /** Whether `lab up` started the control helper (the CLI has a `control` command). */
  control_running: boolean;
  ca_file: string;
  neutral_ip: string;
  neutral_host: string;
  no_resolver_ip: string;
  blockpage_ip: string;
  intercept: boolean;
  list: string;
  ground_truth: string;
  scenarios: string;
  latency: LabLatency;
  pids: Record<string, number>;
  state_dir: string;
  started_at: string;
  up_ms: number;
}

export function readEndpoints(): LabEndpoints {
  const file = files.endpoints();
  if (!existsSync(file)) throw new LabNotUpError(`no lab is up (${file} is missing)`, { hint: 'run `sudo censorprobe lab up` first' });
  return JSON.parse(readFileSync(file, 'utf8')) as LabEndpoints;
}

export function readGroundTruth(endpoints: LabEndpoints = readEndpoints()): GroundTruth[] {
  return JSON.parse(readFileSync(endpoints.ground_truth, 'utf8')) as GroundTruth[];
}

/** src/stats.ts's median as a plain number (NaN when empty) for the lab's arithmetic on it. */
export function median(values: readonly number[]): number {
  return statsMedian(values) ?? NaN;
}
