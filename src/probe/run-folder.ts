// The run's output folder: created, or reopened by --resume (what is already measured is read
// back), or refused when it already holds a run; a new run's settings saved for a later resume.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { entryKey } from '../lists/index.js';
import type { MeasurementRecord } from './record.js';
import type { RunOptions } from './run-options.js';
import { loadSettings, MEASUREMENTS_FILE, readRecords, repairTornLine, saveSettings } from './state.js';

/** The run folder's copies of its lists: --resume reads them, and no path of the machine is saved. */
export const LIST_COPIES = 'lists';

/** Copies the lists into the run folder; their names there, relative to it (clashing names numbered). */
export function copyLists(out: string, lists: readonly string[]): string[] {
  mkdirSync(join(out, LIST_COPIES), { recursive: true });
  const used = new Set<string>();
  return lists.map((file, i) => {
    let name = basename(file);
    if (used.has(name)) name = `${i + 1}-${name}`;
    used.add(name);
    copyFileSync(file, join(out, LIST_COPIES, name));
    return `${LIST_COPIES}/${name}`;
  });
}

export interface RunFolder {
  jsonlPath: string;
  /** Keys of the entries already measured (resume). */
  measured: Set<string>;
  started: Date;
}

export async function openRunFolder(opts: RunOptions): Promise<RunFolder> {
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
  // After --resume the run began when it first started, not when this invocation did.
  const started = opts.resume ? firstStart(opts.out) : new Date();
  if (!opts.resume) {
    saveSettings(opts.out, {
      lists: copyLists(opts.out, opts.lists),
      listsInFolder: true, skipInvalid: opts.skipInvalid, ispResolver: opts.ispResolver, foreign: opts.foreign, control: opts.control,
      concurrency: opts.concurrency, perIp: opts.perIp, timeoutMs: opts.timeoutMs, onlyNets: [...opts.guard.cidrs],
      innocuousName: opts.innocuousName, neutralIp: opts.neutralIp, started: started.toISOString(),
    });
  }
  return { jsonlPath, measured, started };
}

function firstStart(out: string): Date {
  const saved = new Date(loadSettings(out).started);
  return Number.isNaN(saved.getTime()) ? new Date() : saved;
}

/** The run's id: its output folder's name. */
export function runIdOf(out: string): string {
  return out.split(/[\\/]/).filter(Boolean).pop() ?? 'run';
}
