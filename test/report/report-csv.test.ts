import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { writeCsvReport } from '../../src/report/csv-report.js';
import { SUMMARY_COLUMNS } from '../../src/report/csv.js';
import { loadRecords } from '../../src/report/read.js';
import { checkCsvReport } from './run-checks.js';
import { standardEntries, writeRun } from './runs.js';

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
