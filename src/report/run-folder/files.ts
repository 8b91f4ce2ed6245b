// The run folder (`censorprobe run --out DIR`, reports/<UTC timestamp>/ by default): its file names,
// in one place for the probe that writes it and the reports, the lab and the store that read it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CensorprobeError } from '../../errors.js';

/** One record per line, appended as each entry is measured; the run's raw data. */
export const MEASUREMENTS_FILE = 'measurements.jsonl';
/** One row per entry, rebuilt from the measurements at the end of a run. */
export const SUMMARY_CSV = 'summary.csv';
/** The run's summary: counts, resolvers, latency, settings. */
export const REPORT_JSON = 'report.json';
/** The readable bilingual page. */
export const REPORT_HTML = 'report.html';
/** The settings a run started with, read back by --resume. */
export const SETTINGS_FILE = 'run.json';
/** Idle-line round trips before and after the run (kept across a resume). */
export const LATENCY_FILE = 'latency.json';

/** The folder of the run's copies of its lists: --resume reads them, and no path of the machine is saved. */
export const LIST_COPIES = 'lists';

/** Every file (and folder) a run writes, e.g. for clearing a folder before a new run into it. */
export const RUN_FILES = [MEASUREMENTS_FILE, SUMMARY_CSV, REPORT_JSON, REPORT_HTML, SETTINGS_FILE, LATENCY_FILE, LIST_COPIES] as const;

/** A folder that is not a run folder, or one of its files that cannot be read. */
export class RunFolderError extends CensorprobeError {
  override readonly code = 'CP_RUN_FOLDER';
}

/** Throws unless `dir` holds measurements.jsonl. */
export function requireRunFolder(dir: string): void {
  if (!existsSync(join(dir, MEASUREMENTS_FILE))) {
    throw new RunFolderError(`${dir} is not a run folder: no ${MEASUREMENTS_FILE} in it`, {
      hint: 'give the folder `censorprobe run` wrote (reports/<time>/ by default)',
    });
  }
}

/** The run's id: its folder's name. */
export function runIdOf(dir: string): string {
  return dir.split(/[\\/]/).filter(Boolean).pop() ?? 'run';
}

export type Warn = (message: string) => void;

export const stderrWarn: Warn = (m) => console.error(`censorprobe: warning: ${m}`);
