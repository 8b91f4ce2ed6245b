import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { MeasurementRecord } from '../../src/record.js';
import { CsvSummarySink, safeCell, SUMMARY_COLUMNS } from '../../src/report/csv.js';

describe('summary.csv', () => {
  it('neutralises formula-like cells', () => {
    for (const v of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(safeCell(v)).toBe(`'${v}`);
    expect(safeCell('22bet.ελ')).toBe('22bet.ελ');
  });

  it('round-trips Greek text and hostile cells through a CSV parser, with a BOM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-csv-'));
    const sink = new CsvSummarySink(join(dir, 'summary.csv'));
    const rec = {
      input: "=cmd|'/C calc'!A0",
      target: { host_unicode: '22bet.ελ', category_code: 'GMB' },
      verdict: 'dns',
      layers: { dns: { kind: 'nxdomain', evidence: [] }, ip: null, dpi: null, url: null },
      isp_addrs: [],
      truth_addrs: ['198.18.16.1'],
      reason: 'ο πάροχος είπε "NXDOMAIN", με κόμμα, και\nνέα γραμμή',
    } as unknown as MeasurementRecord;
    sink.write(rec);
    sink.close();
    // A row handed over after close would be lost: a coded error, not a silent drop.
    expect(() => sink.write(rec)).toThrow(expect.objectContaining({ code: 'CP_WRITE_AFTER_CLOSE' }));
    const text = readFileSync(join(dir, 'summary.csv'), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...SUMMARY_COLUMNS]);
    expect(rows[0]!.input).toBe("'=cmd|'/C calc'!A0");
    expect(rows[0]!.domain).toBe('22bet.ελ');
    expect(rows[0]!.dns).toBe('nxdomain');
    expect(rows[0]!.evidence).toBe(rec.reason);
  });
});
