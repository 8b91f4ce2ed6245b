// Running the lab's commands: short ones awaited with a timeout, long-lived ones tracked by PID.
import { spawn } from 'node:child_process';
import { LabStartError } from './errors.js';

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a command to completion; never throws for a non-zero exit (callers judge the result). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new LabStartError(`cannot run ${cmd}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a command and throws LabStartError with its stderr when it fails. */
export async function must(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const why = r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`;
    throw new LabStartError(`${cmd} ${args.join(' ')} failed (${why}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
  }
  return r;
}

/** argv prefix that runs a command inside a namespace. */
export function nsArgs(ns: string, argv: readonly string[]): string[] {
  return ['netns', 'exec', ns, ...argv];
}

export function inNs(ns: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run('ip', nsArgs(ns, argv), opts);
}
