import { closeSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { MeasurementRecord } from '../record.js';

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
] as const;

/** Spreadsheets run cells starting with these as formulas (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralises a cell a spreadsheet would run as a formula by prefixing an apostrophe. */
export function safeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function summaryRow(r: MeasurementRecord): string[] {
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
  ].map(safeCell);
}

/** summary.csv, written a row per entry as results arrive (UTF-8 with BOM so Excel reads Greek). */
export class CsvSummarySink {
  private fd: number | null;
  constructor(readonly path: string, append = false) {
    this.fd = openSync(path, append ? 'a' : 'w');
    if (!append) this.put(`\uFEFF${stringify([SUMMARY_COLUMNS as unknown as string[]])}`);
  }

  write(r: MeasurementRecord): void {
    this.put(stringify([summaryRow(r)]));
  }

  private put(text: string): void {
    if (this.fd === null) throw new Error(`${this.path}: write after close`);
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
