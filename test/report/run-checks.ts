// Checks of a run folder's CSV report and OONI export, for any run folder: a generated one or a
// lab run.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { writeCsvReport } from '../../src/report/csv-report.js';
import { SUMMARY_COLUMNS } from '../../src/report/csv.js';
import { exportOoni, validateOoni } from '../../src/report/ooni.js';
import { loadRecords } from '../../src/report/read.js';

const FORMULA = /^[=+\-@\t\r]/;

/** `report csv` on any run folder: both files round-trip through a CSV parser, nothing runs as a formula. */
export async function checkCsvReport(dir: string) {
  const { files, entries } = await writeCsvReport(dir, dir, () => undefined);
  const records = await loadRecords(dir, () => undefined);
  expect(entries).toBe(records.length);
  const [entriesCsv, kindsCsv] = files.map((f) => readFileSync(f, 'utf8')) as [string, string];
  for (const text of [entriesCsv, kindsCsv]) {
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(text, { bom: true }) as string[][];
    for (const row of rows) for (const cell of row) expect(FORMULA.test(cell), cell).toBe(false);
  }
  const rows = parse(entriesCsv, { bom: true, columns: true }) as Record<string, string>[];
  expect(Object.keys(rows[0]!)).toEqual([...SUMMARY_COLUMNS]);
  // Every entry, in order, readable back: a neutralised cell is the input with one apostrophe in front.
  expect(rows.map((r) => r.input!.replace(/^'(?=[=+\-@\t\r])/, ''))).toEqual(records.map((r) => r.input));
  const kinds = parse(kindsCsv, { bom: true, columns: true }) as Record<string, string>[];
  const verdictTotal = kinds.filter((k) => k.group === 'verdict').reduce((s, k) => s + Number(k.entries), 0);
  expect(verdictTotal).toBe(records.length);
  return { rows, kinds };
}

/** Exports a run folder and validates every line; returns the parsed lines. Works on any run folder. */
export async function exportAndValidate(dir: string): Promise<Record<string, unknown>[]> {
  const { path, measurements } = await exportOoni(dir, { warn: () => undefined });
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  expect(lines.length).toBe(measurements);
  expect(measurements).toBe((await loadRecords(dir, () => undefined)).length);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const m of parsed) expect({ input: m.input, problems: validateOoni(m) }).toEqual({ input: m.input, problems: [] });
  return parsed;
}

