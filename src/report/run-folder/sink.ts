// Where a run's records go. The probe hands each record to a RunSink as soon as it is measured and,
// at the end, the run's facts; the run folder is one sink (below), a store can be another.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { entryKey } from '../../lists/index.js';
import type { MeasurementRecord, ResolverInfo } from '../../record.js';
import { CsvSummarySink, type RunColumns } from '../csv.js';
import { writeHtmlReport } from '../html/index.js';
import { JsonlSink } from '../jsonl.js';
import { RunSummary } from '../summary.js';
import { MEASUREMENTS_FILE, SUMMARY_CSV } from './files.js';
import { readRecords, repairTornLine } from './read.js';
import { writeReportJson } from './report-json.js';
import { copyLists, saveSettings, type IdleRounds, type RunSettings } from './state.js';

/** What the probe knows of the run once it ends (complete or interrupted). */
export interface RunEnd {
  /** report.json's run-level facts: run id, times, lists, ISP, settings, reuse. */
  meta: Record<string, unknown>;
  /** The run's resolvers in report order. */
  resolvers: ResolverInfo[];
  /** Idle-line round trips before and after the run. */
  idle: IdleRounds;
  /** What every summary.csv row repeats about the run (day, ISP, AS). */
  columns?: RunColumns;
}

export interface RunSink {
  /** One entry's record, as soon as it is measured; must not lose it if the process dies next. */
  write(record: MeasurementRecord): void;
  /** No more records (the run ended, was stopped, or failed). */
  close(): void;
  /** The run's end: summaries from every record written (this invocation's and a resumed run's). */
  finish(end: RunEnd): Promise<void>;
}

export interface OpenOptions {
  /** Continue the run in `dir`: a torn last line is cut and what was measured is read back. */
  resume: boolean;
  /** A new run's settings, saved for a later --resume; its lists are copied into the folder. */
  settings?: RunSettings;
  /** Rewrites every line written (the run scrubs the volunteer's address with it). */
  scrub?: (text: string) => string;
}

/**
 * The run folder as a sink: measurements.jsonl appended a line per record, then summary.csv,
 * report.json and report.html built from it, the same way after a run, a Ctrl-C or a resume.
 */
export class FolderSink implements RunSink {
  private readonly jsonl: JsonlSink;
  /** report.json as finish wrote it (before scrubbing); empty until then. */
  report: Record<string, unknown> = {};
  /** report.html was written by finish. */
  html = false;

  private constructor(readonly dir: string, private readonly scrub: (text: string) => string) {
    this.jsonl = new JsonlSink(join(dir, MEASUREMENTS_FILE), scrub);
  }

  /**
   * Creates the folder, or reopens it with `resume` (returning the keys of the entries already
   * measured); refuses a folder that already holds measurements otherwise.
   */
  static async open(dir: string, o: OpenOptions): Promise<{ sink: FolderSink; measured: Set<string> }> {
    mkdirSync(dir, { recursive: true });
    const jsonlPath = join(dir, MEASUREMENTS_FILE);
    const measured = new Set<string>();
    if (o.resume) {
      const cut = repairTornLine(jsonlPath);
      if (cut > 0) console.error(`censorprobe: ${jsonlPath}: cut a torn last line (${cut} bytes) left by an interrupted write`);
      if (existsSync(jsonlPath)) for await (const record of readRecords(dir)) measured.add(entryKey(record.target));
    } else if (existsSync(jsonlPath) && statSync(jsonlPath).size > 0) {
      throw new UsageError(`${dir} already holds measurements`, { hint: `continue it with \`censorprobe run --resume ${dir}\` or choose another --out` });
    }
    if (o.settings) saveSettings(dir, { ...o.settings, lists: copyLists(dir, o.settings.lists), listsInFolder: true });
    return { sink: new FolderSink(dir, o.scrub ?? ((t) => t)), measured };
  }

  write(record: MeasurementRecord): void {
    this.jsonl.write(record);
  }

  close(): void {
    this.jsonl.close();
  }

  async finish(end: RunEnd): Promise<void> {
    this.close();
    const summary = await summarise(this.dir, end);
    this.report = writeReportJson(this.dir, summary, end.meta, this.scrub);
    try {
      await writeHtmlReport(this.dir);
      this.html = true;
    } catch (err) {
      // The measurements and summaries are written: a failed page must not fail the run.
      console.error(`censorprobe: could not write report.html (${(err as Error).message}); try \`censorprobe report html ${this.dir}\``);
    }
  }
}

/** Writes summary.csv and returns the run's summary, the idle-line round trips filed in. */
async function summarise(dir: string, end: RunEnd): Promise<RunSummary> {
  const csv = new CsvSummarySink(join(dir, SUMMARY_CSV), end.columns);
  const summary = new RunSummary(end.resolvers);
  if (end.idle.idle_before) summary.setCalibration('idle_before', end.idle.idle_before);
  if (end.idle.idle_after) summary.setCalibration('idle_after', end.idle.idle_after);
  try {
    for await (const record of readRecords(dir)) {
      csv.write(record);
      summary.add(record);
    }
  } finally {
    csv.close();
  }
  return summary;
}
