// Runs `censorprobe run` inside the lab's client namespace, configured from the lab's endpoints:
// the one way the lab demo and the integration tests drive the probe, with the guard always on.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LabProbeError } from './errors.js';
import { readRecords, RUN_FILES } from '../report/run-folder/index.js';
import { fromSources, nodeModuleCommand } from './paths.js';

/** The endpoint fields the probe needs (a subset of the lab's endpoints.json). */
export interface ProbeEndpoints {
  namespaces: { client: string };
  only_nets: string;
  isp_resolver: string;
  foreign: string[];
  control_url: string;
  ca_file: string;
  neutral_ip: string;
  list: string;
}

export function probeCommand(ep: ProbeEndpoints, out: string, extra: string[] = []): string[] {
  const cli = new URL(fromSources ? '../cli.ts' : '../cli.js', import.meta.url);
  const args = [
    'run',
    '--list', ep.list,
    '--isp-resolver', ep.isp_resolver,
    ...ep.foreign.flatMap((f) => ['--foreign', f]),
    '--control', ep.control_url,
    '--only-nets', ep.only_nets,
    '--neutral-ip', ep.neutral_ip,
    '--out', out,
    ...extra,
  ];
  return ['ip', 'netns', 'exec', ep.namespaces.client, ...nodeModuleCommand(cli, args)];
}

export interface ProbeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ProbeRunOptions {
  /** Sees the probe's output lines as they come. */
  onLine?: (line: string) => void;
  /** The probe talks to this terminal (the consent question): stdin and stderr are inherited. */
  interactive?: boolean;
  /** The probe's stderr is this terminal (its progress bar), without reading stdin. */
  progress?: boolean;
}

/** Spawns the probe in the client namespace. */
export function runProbeInLab(ep: ProbeEndpoints, out: string, extra: string[] = [], o: ProbeRunOptions = {}): Promise<ProbeRun> {
  const [cmd, ...args] = probeCommand(ep, out, extra);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ep.ca_file },
      stdio: o.interactive ? ['inherit', 'pipe', 'inherit'] : o.progress ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (o.onLine) for (const l of d.split('\n')) if (l) o.onLine(l);
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (o.onLine) for (const l of d.split('\n')) if (l) o.onLine(l);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `lab demo`'s probe: `censorprobe run` in the client namespace over the lab's list, into `outDir`
 * (the demo's own folder: an earlier demo's files there are replaced). On a terminal the probe asks
 * for consent itself; `accept` passes --accept.
 */
export function labProbeRunner(options: { accept?: boolean } = {}) {
  return async (ep: ProbeEndpoints, outDir: string): Promise<{ input: string; verdict: string }[]> => {
    for (const f of RUN_FILES) rmSync(join(outDir, f), { force: true, recursive: true });
    const interactive = !options.accept && process.stdin.isTTY === true;
    // On a terminal the probe draws its progress bar there; elsewhere it stays quiet. A simulated
    // ISP never enters the volunteer's history store.
    const progress = process.stderr.isTTY === true;
    const r = await runProbeInLab(ep, outDir, [...(progress ? [] : ['--quiet']), '--no-store', ...(options.accept ? ['--accept'] : [])], { interactive, progress });
    if (r.code !== 0) throw new LabProbeError(`the probe failed in the lab (exit ${r.code})${r.stderr ? `: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` : ' (its messages are above)'}`);
    const out: { input: string; verdict: string }[] = [];
    for await (const record of readRecords(outDir)) {
      out.push({ input: record.input, verdict: record.verdict });
    }
    return out;
  };
}
