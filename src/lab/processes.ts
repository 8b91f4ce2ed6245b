// Long-lived lab processes: started detached in a namespace (their own process group), recorded by
// PID in the state dir, stopped by those PIDs only.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { files, repoRoot, statePath } from './paths.js';
import { LabStartError } from './errors.js';

export interface TrackedProcess {
  name: string;
  ns: string;
  pid: number;
  argv: string[];
  log: string;
}

export function readPids(): TrackedProcess[] {
  const file = files.pids();
  if (!existsSync(file)) return [];
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(data) ? (data as TrackedProcess[]).filter((p) => Number.isInteger(p.pid) && p.pid > 1) : [];
  } catch {
    return [];
  }
}

function writePids(list: readonly TrackedProcess[]): void {
  writeFileSync(files.pids(), `${JSON.stringify(list, null, 2)}\n`);
}

/** Alive and not a zombie (a zombie's namespace references are already gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Starts `argv` inside namespace `ns` (ip netns exec execs it, so the PID is the program's). */
export function startInNs(name: string, ns: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): TrackedProcess {
  mkdirSync(statePath('logs'), { recursive: true });
  const log = statePath('logs', `${name}.log`);
  const fd = openSync(log, 'w');
  try {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: ['ignore', fd, fd], env, cwd: repoRoot });
    if (child.pid === undefined) throw new LabStartError(`cannot start ${name} in ${ns}`);
    child.on('error', () => undefined);
    child.unref();
    const proc: TrackedProcess = { name, ns, pid: child.pid, argv: [...argv], log };
    writePids([...readPids().filter((p) => p.name !== name), proc]);
    return proc;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to the process group, then SIGKILL after `graceMs`. Safe for PIDs already gone. */
export async function stopPids(pids: readonly number[], graceMs = 2000): Promise<number[]> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, sig);
      } catch {
        /* already gone */
      }
    }
  };
  const live = pids.filter(isAlive);
  live.forEach((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (live.some(isAlive) && Date.now() < deadline) await sleep(25);
  const stubborn = live.filter(isAlive);
  stubborn.forEach((pid) => signal(pid, 'SIGKILL'));
  const deadline2 = Date.now() + 2000;
  while (stubborn.some(isAlive) && Date.now() < deadline2) await sleep(25);
  return live.filter(isAlive);
}

export function forgetPids(): void {
  if (existsSync(files.pids())) writePids([]);
}
