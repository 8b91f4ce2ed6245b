import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { writeCsvReport } from '../../src/commands/report.js';
import { SUMMARY_COLUMNS } from '../../src/report/csv.js';
import { loadRecords } from '../../src/report/read.js';
import { standardEntries, writeRun } from './runs.js';

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

describe('report csv', () => {
  it('writes entries.csv and kinds.csv that round-trip Greek text and neutralise hostile cells', async () => {
    const dir = writeRun(standardEntries());
    const { rows, kinds } = await checkCsvReport(dir);
    const byInput = new Map(rows.map((r) => [r.input, r]));
    expect(byInput.get("'=cmd|'/C calc'!A0")?.dns).toBe('nxdomain');
    expect(byInput.get("'+1")?.verdict).toBe('ok');
    expect(byInput.get("'-2")).toBeDefined();
    expect(byInput.get("'@x")).toBeDefined();
    expect(byInput.get('22bet.ελ')?.domain).toBe('22bet.ελ');
    expect(byInput.get('<img src=x onerror=alert(1)>.com')).toBeDefined();
    const nx = kinds.find((k) => k.group === 'dns' && k.name === 'nxdomain')!;
    expect(nx).toMatchObject({ entries: '4', label_en: 'says "no such name"', label_el: 'λέει «δεν υπάρχει»' });
    const dnsVerdict = kinds.find((k) => k.group === 'verdict' && k.name === 'dns')!;
    expect(dnsVerdict.label_el).toBe('αποκλεισμός μέσω DNS');
    expect(readFileSync(join(dir, 'kinds.csv'), 'utf8')).toContain('αποκλεισμός μέσω DNS');
  });
});
