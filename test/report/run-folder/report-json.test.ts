import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ispLabel, latencyFigures, readRunMeta } from '../../../src/report/run-folder/index.js';
import { standardEntries, writeRun } from '../runs.js';

describe('report.json', () => {
  it('refuses one that is not a JSON object, naming the file, with a coded error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-rjson-'));
    for (const text of ['[1, 2]', 'null', '{"cut": ']) {
      writeFileSync(join(dir, 'report.json'), text);
      expect(() => readRunMeta(dir)).toThrow(expect.objectContaining({ code: 'CP_RUN_FOLDER', message: expect.stringContaining(join(dir, 'report.json')) }));
    }
  });

  it('reads report.json', () => {
    const dir = writeRun(standardEntries(), { isp: { name: 'Cosmote', asn: 'AS6799' } });
    const meta = readRunMeta(dir);
    expect(meta?.entries).toBe(standardEntries().length);
    expect(ispLabel(meta, 'x')).toBe('Cosmote (AS6799)');
  });

  it('labels the ISP by resolver when report.json names no ISP, and warns when report.json is missing', () => {
    const dir = writeRun(standardEntries().slice(0, 1));
    expect(ispLabel(readRunMeta(dir), 'x')).toBe('resolver udp://198.18.1.53:53');
    expect(ispLabel({ isp: { asn: 3329 } }, 'x')).toBe('AS3329');
    const bare = writeRun(standardEntries().slice(0, 1), { noReportJson: true });
    const warnings: string[] = [];
    expect(readRunMeta(bare, (m) => warnings.push(m))).toBeNull();
    expect(warnings[0]).toMatch(/report\.json is missing/);
  });

  it('reads the latency penalty from report.json, per phase or in the early flat form', () => {
    const dir = writeRun(standardEntries());
    const lat = latencyFigures(readRunMeta(dir));
    expect(lat.measured_on).toBe('under_load');
    expect(lat.penalty).toBeGreaterThan(3);
    expect(lat.isp_median_ms).toBeLessThan(lat.foreign_median_ms!);
    expect(latencyFigures({ latency_penalty: 2, latency: { isp_median_ms: 10, foreign_median_ms: 20, excluded_intercepted: ['udp://x'] } })).toEqual({
      penalty: 2, isp_median_ms: 10, foreign_median_ms: 20, measured_on: null, excluded: ['udp://x'],
    });
    expect(latencyFigures({ latency_penalty: 4.1, latency: { measured_on: 'idle_before', idle_before: { penalty: 4.1, isp_median_ms: 15, foreign_median_ms: 61.5 }, under_load: { penalty: 9 } } })).toMatchObject({
      penalty: 4.1, isp_median_ms: 15, foreign_median_ms: 61.5, measured_on: 'idle_before',
    });
    expect(latencyFigures(null)).toEqual({ penalty: null, isp_median_ms: null, foreign_median_ms: null, measured_on: null, excluded: [] });
  });
});
