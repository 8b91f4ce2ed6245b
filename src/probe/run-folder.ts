// The run's output folder: created, or reopened by --resume (what is already measured is read
// back), or refused when it already holds a run; a new run's settings saved for a later resume.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { entryKey } from '../lists/index.js';
import type { MeasurementRecord } from '../record.js';
import type { RunOptions } from './run-options.js';
import { MEASUREMENTS_FILE, readRecords, repairTornLine, saveSettings } from './state.js';

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
  const started = new Date();
  if (!opts.resume) {
    saveSettings(opts.out, {
      lists: opts.lists, skipInvalid: opts.skipInvalid, ispResolver: opts.ispResolver, foreign: opts.foreign, control: opts.control,
      concurrency: opts.concurrency, perIp: opts.perIp, timeoutMs: opts.timeoutMs, onlyNets: [...opts.guard.cidrs],
      innocuousName: opts.innocuousName, neutralIp: opts.neutralIp, started: started.toISOString(),
    });
  }
  return { jsonlPath, measured, started };
}

/** The run's id: its output folder's name. */
export function runIdOf(out: string): string {
  return out.split(/[\\/]/).filter(Boolean).pop() ?? 'run';
}
