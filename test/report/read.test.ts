import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ispLabel, latencyFigures, loadRecords, readRunMeta, RunFolderError } from '../../src/report/read.js';
import { binLabels, binOf, RttHistogram, RTT_EDGES_MS } from '../../src/report/html/rtt.js';
import { standardEntries, writeRun } from './runs.js';

describe('reading a run folder', () => {
  it('reads every record and report.json', async () => {
    const dir = writeRun(standardEntries(), { isp: { name: 'Cosmote', asn: 'AS6799' } });
    const warnings: string[] = [];
    const records = await loadRecords(dir, (m) => warnings.push(m));
    expect(records.map((r) => r.input)).toEqual(standardEntries().map((e) => e.input));
    expect(warnings).toEqual([]);
    const meta = readRunMeta(dir);
    expect(meta?.entries).toBe(standardEntries().length);
    expect(ispLabel(meta, 'x')).toBe('Cosmote (AS6799)');
  });

  it('skips a torn last line with a warning', async () => {
    const dir = writeRun(standardEntries().slice(0, 3), { tornTail: true });
    const warnings: string[] = [];
    const records = await loadRecords(dir, (m) => warnings.push(m));
    expect(records).toHaveLength(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/measurements\.jsonl:4: skipped the last line, cut short/);
  });

  it('tells a damaged middle line from a torn last one', async () => {
    const dir = writeRun(standardEntries().slice(0, 2));
    const path = join(dir, 'measurements.jsonl');
    const [a, b] = (await loadRecords(dir)).map((r) => JSON.stringify(r));
    writeFileSync(path, `${a}\n{"broken\n${b}\n["not a record"]\n`);
    const warnings: string[] = [];
    const records = await loadRecords(dir, (m) => warnings.push(m));
    expect(records).toHaveLength(2);
    expect(warnings[0]).toMatch(/:2: skipped a damaged line/);
    expect(warnings[1]).toMatch(/:4: skipped the last line, cut short \(not a measurement record\)/);
    appendFileSync(path, '\n\n');
    expect(await loadRecords(dir, () => undefined)).toHaveLength(2);
  });

  it('refuses a folder that is not a run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-empty-'));
    await expect(loadRecords(dir)).rejects.toMatchObject({ code: 'CP_RUN_FOLDER' });
    await expect(loadRecords(dir)).rejects.toBeInstanceOf(RunFolderError);
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

describe('RTT histogram', () => {
  it('bins round trips on fixed edges, one series per resolver and transport, ISP first', async () => {
    expect(binOf(0.4)).toBe(0);
    expect(binOf(1)).toBe(1);
    expect(binOf(99.9)).toBe(RTT_EDGES_MS.indexOf(100));
    expect(binOf(60_000)).toBe(RTT_EDGES_MS.length);
    expect(binLabels()).toHaveLength(RTT_EDGES_MS.length + 1);
    const h = new RttHistogram();
    for (const r of await loadRecords(writeRun(standardEntries()))) h.add(r);
    const series = h.result();
    expect(series.map((s) => `${s.role} ${s.engine} ${s.address}`)).toEqual(['isp udp 198.18.1.53:53', 'foreign doh https://198.18.3.53/dns-query', 'foreign udp 198.18.3.54:53']);
    // One entry is an IP (no lookup) and the ISP timed out once (no round trip); the rest count once.
    expect(series.map((s) => s.answered)).toEqual([standardEntries().length - 1 - 1, standardEntries().length - 1, standardEntries().length - 1]);
    for (const s of series) expect(s.bins.reduce((a, b) => a + b, 0)).toBe(s.answered);
  });
});
