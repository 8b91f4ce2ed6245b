import { closeSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { MeasurementRecord } from '../record.js';
import { WriteAfterCloseError } from './errors.js';

export const SUMMARY_COLUMNS = [
  'input',
  'domain',
  'category',
  'verdict',
  'dns',
  'ip',
  'dpi',
  'url',
  'isp_answer',
  'foreign_answer',
  'evidence',
  'measured_at',
  'run_date',
  'isp',
  'asn',
] as const;

/** What every row repeats, so a CSV that travels alone still says what it describes. */
export interface RunColumns {
  /** The run's first start, UTC YYYY-MM-DD. */
  runDate: string;
  /** The ISP's name, or the AS's organisation, or ''. */
  isp: string;
  /** "AS6799", or ''. */
  asn: string;
}

export const NO_RUN_COLUMNS: RunColumns = { runDate: '', isp: '', asn: '' };

/** Spreadsheets run cells starting with these as formulas (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralises a cell a spreadsheet would run as a formula by prefixing an apostrophe. */
export function safeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function summaryRow(r: MeasurementRecord, run: RunColumns = NO_RUN_COLUMNS): string[] {
  return [
    r.input,
    r.target.host_unicode,
    r.target.category_code,
    r.verdict,
    r.layers.dns?.kind ?? '',
    r.layers.ip?.kind ?? '',
    r.layers.dpi?.kind ?? '',
    r.layers.url?.kind ?? '',
    r.isp_addrs.join(' '),
    r.truth_addrs.join(' '),
    r.reason,
    // OONI's "YYYY-MM-DD hh:mm:ss" (UTC) as ISO 8601, which spreadsheets read as a time.
    r.measurement_start_time ? `${r.measurement_start_time.replace(' ', 'T')}Z` : '',
    run.runDate,
    run.isp,
    run.asn,
  ].map(safeCell);
}

/** summary.csv, written a row per entry as results arrive (UTF-8 with BOM so Excel reads Greek). */
export class CsvSummarySink {
  private fd: number | null;
  constructor(readonly path: string, private readonly run: RunColumns = NO_RUN_COLUMNS, append = false) {
    this.fd = openSync(path, append ? 'a' : 'w');
    if (!append) this.put(`\uFEFF${stringify([SUMMARY_COLUMNS as unknown as string[]])}`);
  }

  write(r: MeasurementRecord): void {
    this.put(stringify([summaryRow(r, this.run)]));
  }

  private put(text: string): void {
    if (this.fd === null) throw new WriteAfterCloseError(`${this.path}: write after close`);
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
