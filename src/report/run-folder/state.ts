// What a run keeps in its folder so that it can be resumed after a crash: its settings (run.json)
// and the idle-line round trips (latency.json).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { LATENCY_FILE, LIST_COPIES, SETTINGS_FILE } from './files.js';

/** Settings that define a run; saved at its start, read back by --resume. Never holds secrets. */
export interface RunSettings {
  /** With listsInFolder, the run folder's copies (relative to it); else the paths as given (older runs). */
  lists: string[];
  listsInFolder?: boolean;
  skipInvalid: boolean;
  ispResolver: string;
  foreign: string[];
  control: string | null;
  /** A fixed number, or 'auto' (src/probe/concurrency.ts). */
  concurrency: number | 'auto';
  perIp: number;
  timeoutMs: number;
  onlyNets: string[];
  innocuousName: string;
  neutralIp: string | null;
  started: string;
}

export function saveSettings(dir: string, s: RunSettings): void {
  writeFileSync(join(dir, SETTINGS_FILE), `${JSON.stringify(s, null, 2)}\n`);
}

/** The list files a resumed run reads: its own copies, or the paths an older run saved. */
export function savedListPaths(dir: string, s: RunSettings): string[] {
  return s.listsInFolder ? s.lists.map((l) => join(dir, l)) : s.lists;
}

/** Copies the lists into the run folder; their names there, relative to it (clashing names numbered). */
export function copyLists(dir: string, lists: readonly string[]): string[] {
  mkdirSync(join(dir, LIST_COPIES), { recursive: true });
  const used = new Set<string>();
  return lists.map((file, i) => {
    let name = basename(file);
    if (used.has(name)) name = `${i + 1}-${name}`;
    used.add(name);
    copyFileSync(file, join(dir, LIST_COPIES, name));
    return `${LIST_COPIES}/${name}`;
  });
}

/** When the run in `dir` first started (a resumed run keeps it), or now when run.json does not say. */
export function savedStart(dir: string): Date {
  const saved = new Date(loadSettings(dir).started);
  return Number.isNaN(saved.getTime()) ? new Date() : saved;
}

export function loadSettings(dir: string): RunSettings {
  const path = join(dir, SETTINGS_FILE);
  if (!existsSync(path)) {
    throw new UsageError(`${path} is missing: ${dir} is not a censorprobe run folder`, { hint: 'give the --out folder of an earlier run' });
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunSettings;
  } catch (err) {
    throw new UsageError(`${path}: unreadable run settings (${(err as Error).message})`);
  }
}

/** Round trips (ms) per idle phase, then per resolver key (src/record.ts resolverKey). */
export type IdleRounds = Record<string, Record<string, number[]>>;

/** latency.json, or nothing yet. */
export function loadIdleRounds(dir: string): IdleRounds {
  const path = join(dir, LATENCY_FILE);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as IdleRounds;
  } catch (err) {
    throw new UsageError(`${path}: unreadable idle-line round trips (${(err as Error).message})`, { hint: `delete ${LATENCY_FILE} to measure them again` });
  }
}

export function saveIdleRounds(dir: string, rounds: IdleRounds): void {
  writeFileSync(join(dir, LATENCY_FILE), `${JSON.stringify(rounds)}\n`);
}
