import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { entryKey } from '../../../src/lists/index.js';
import {
  FolderSink, loadSettings, MEASUREMENTS_FILE, readRunMeta, REPORT_HTML, REPORT_JSON, SUMMARY_CSV, type RunSettings,
} from '../../../src/report/run-folder/index.js';
import { makeRecord, RESOLVERS, standardEntries } from '../runs.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'cp-sink-')), 'run');
const records = (n: number) => standardEntries().slice(0, n).map((spec, i) => makeRecord(spec, { i, start: new Date('2026-12-07T00:00:00Z'), rand: () => 0.5, runId: 'run' }));
const listFile = join(mkdtempSync(join(tmpdir(), 'cp-sink-list-')), 'a.csv');
writeFileSync(listFile, 'url,category_code\nhttp://casino.example/,GMB\n');
const settings: RunSettings = {
  lists: [listFile], skipInvalid: false, ispResolver: 'udp://198.18.1.53:53', foreign: [], control: null,
  concurrency: 1, perIp: 1, timeoutMs: 1000, onlyNets: ['198.18.0.0/15'], innocuousName: 'example.org', neutralIp: null, started: 'x',
};

describe('the run folder as a sink', () => {
  it('writes each record as a line at once, then summary.csv, report.json and report.html from them', async () => {
    const dir = tmp();
    const { sink, measured } = await FolderSink.open(dir, { resume: false, settings, scrub: (t) => t.replaceAll('198.18.1.53', '[scrubbed]') });
    expect(measured.size).toBe(0);
    // The lists are copied into the folder: a resume reads them there, and no path of the machine is saved.
    expect(loadSettings(dir)).toEqual({ ...settings, lists: ['lists/a.csv'], listsInFolder: true });
    expect(readFileSync(join(dir, 'lists', 'a.csv'), 'utf8')).toBe(readFileSync(listFile, 'utf8'));
    const rs = records(4);
    for (const r of rs) sink.write(r);
    // On disk before the end: a crash now loses nothing written.
    expect(readFileSync(join(dir, MEASUREMENTS_FILE), 'utf8').trim().split('\n')).toHaveLength(4);
    await sink.finish({ meta: { run_id: 'run', complete: true }, resolvers: RESOLVERS, idle: { idle_before: { 'udp|198.18.1.53:53': [10], 'doh|https://198.18.3.53/dns-query': [40] } } });
    const rows = parse(readFileSync(join(dir, SUMMARY_CSV), 'utf8'), { columns: true, bom: true }) as { input: string }[];
    expect(rows.map((r) => r.input)).toEqual(rs.map((r) => r.input));
    const report = readRunMeta(dir);
    expect(report).toMatchObject({ run_id: 'run', complete: true, entries: 4, latency: { measured_on: 'idle_before' } });
    expect(sink.report.entries).toBe(4);
    expect(readFileSync(join(dir, REPORT_JSON), 'utf8')).not.toContain('198.18.1.53');
    expect(readFileSync(join(dir, MEASUREMENTS_FILE), 'utf8')).not.toContain('198.18.1.53');
    expect(existsSync(join(dir, REPORT_HTML))).toBe(true);
    expect(sink.html).toBe(true);
  });

  it('refuses a folder holding measurements unless resumed; a resume cuts a torn line and reads back what was measured', async () => {
    const dir = tmp();
    const rs = records(3);
    const first = await FolderSink.open(dir, { resume: false, settings });
    first.sink.write(rs[0]!);
    first.sink.write(rs[1]!);
    first.sink.close();
    appendFileSync(join(dir, MEASUREMENTS_FILE), '{"input":"torn');
    await expect(FolderSink.open(dir, { resume: false, settings })).rejects.toMatchObject({ code: 'CP_USAGE' });
    const again = await FolderSink.open(dir, { resume: true });
    expect([...again.measured].sort()).toEqual([entryKey(rs[0]!.target), entryKey(rs[1]!.target)].sort());
    again.sink.write(rs[2]!);
    again.sink.close();
    const lines = readFileSync(join(dir, MEASUREMENTS_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { input: string }).input)).toEqual(rs.map((r) => r.input));
  });
});
