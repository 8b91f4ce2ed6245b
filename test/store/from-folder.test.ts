// Run folders as the store reads them, hostile ones included: each is refused with the reason and
// the line, or recorded cleanly; never a crash.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunRefusedError } from '../../src/store/errors.js';
import { newerVersion, runFromFolder, unixSeconds } from '../../src/store/from-folder.js';
import { standardEntries, writeRun } from '../report/runs.js';

const lines = (dir: string) => readFileSync(join(dir, 'measurements.jsonl'), 'utf8').trim().split('\n');
const rewrite = (dir: string, edit: (ls: string[]) => string[]) => writeFileSync(join(dir, 'measurements.jsonl'), `${edit(lines(dir)).join('\n')}\n`);
const refused = async (dir: string, reason: RegExp) => {
  const err = await runFromFolder(dir).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RunRefusedError);
  expect((err as Error).message).toMatch(reason);
};

describe('a run folder for the store', () => {
  it('reads the run facts and reduces each line to its verdict, kinds and evidence', async () => {
    const dir = writeRun(standardEntries(), { isp: { name: 'OTE', asn: 'AS6799' } });
    const run = await runFromFolder(dir);
    expect(run).toMatchObject({ run_id: '2026-11-20T10-00-00Z', started: unixSeconds('2026-11-20 10:00:00'), complete: true, isp: { asn: 6799, name: 'OTE' } });
    expect(run.measurements).toHaveLength(27);
    expect(run.hash).toMatch(/^[0-9a-f]{64}$/);
    const sni = run.measurements.find((m) => m.input === 'https://sni-blocked.com/')!;
    expect(sni).toMatchObject({ verdict: 'dpi', dpi: 'sni', dns: null, list: 'eeep.csv', line: 12 });
    expect(run.measurements.every((m) => m.t >= 0 && m.t < 100)).toBe(true);
    expect(JSON.stringify(run.facts)).not.toMatch(/lists\//);
  });

  it('without report.json the ISP is unknown and the start comes from the first record; the hash is the same', async () => {
    const a = await runFromFolder(writeRun(standardEntries(), { noReportJson: true }));
    const b = await runFromFolder(writeRun(standardEntries()));
    expect(a.isp).toEqual({ asn: null, name: null });
    expect(a.started).toBe(b.started);
    expect(a.hash).toBe(b.hash);
  });

  it('leaves out a torn last line (an interrupted run) with a warning', async () => {
    const warnings: string[] = [];
    const run = await runFromFolder(writeRun(standardEntries(), { tornTail: true }), { warn: (m) => warnings.push(m) });
    expect(run.measurements).toHaveLength(27);
    expect(warnings.join('\n')).toMatch(/:28: left out a torn last line/);
  });

  it('refuses a damaged line that is not the last, naming it', async () => {
    const dir = writeRun(standardEntries());
    rewrite(dir, (ls) => [...ls.slice(0, 5), '{"input": "cut', ...ls.slice(5)]);
    await refused(dir, /measurements\.jsonl:6: not a JSON line/);
  });

  it('refuses the same entry measured twice', async () => {
    const dir = writeRun(standardEntries());
    rewrite(dir, (ls) => [...ls, ls[0]!]);
    await refused(dir, /:28: measures the same entry as line 1/);
  });

  it.each([
    ['a verdict that is a number', (r: Record<string, unknown>) => ({ ...r, verdict: 3 }), /verdict is missing/],
    ['a verdict with markup', (r: Record<string, unknown>) => ({ ...r, verdict: '<b>dns</b>' }), /verdict is missing/],
    ['layers that are text', (r: Record<string, unknown>) => ({ ...r, layers: 'dns' }), /layers is missing/],
    ['a layer kind that is an object', (r: Record<string, unknown>) => ({ ...r, layers: { dns: { kind: {} }, ip: null, dpi: null, url: null } }), /layers\.dns is neither/],
    ['a target without a host', (r: Record<string, unknown>) => ({ ...r, target: { ...(r.target as object), host: 5 } }), /target\.host/],
    ['a port out of range', (r: Record<string, unknown>) => ({ ...r, target: { ...(r.target as object), port: 70000 } }), /target\.port/],
    ['a huge input', (r: Record<string, unknown>) => ({ ...r, input: 'x'.repeat(1_000_000) }), /input is missing, not text, or longer/],
    ['an array instead of a record', () => [1, 2, 3], /not a JSON object/],
    ['no test_keys', (r: Record<string, unknown>) => ({ ...r, test_keys: null }), /test_keys is missing/],
  ])('refuses a line with %s, naming the line', async (_what, edit, reason) => {
    const dir = writeRun(standardEntries());
    rewrite(dir, (ls) => ls.map((l, i) => (i === 3 ? JSON.stringify(edit(JSON.parse(l) as Record<string, unknown>)) : l)));
    await refused(dir, new RegExp(`:4: ${reason.source}`));
  });

  it('keeps a verdict it does not know yet (geoblock, or one added later) as its own name', async () => {
    const dir = writeRun(standardEntries());
    rewrite(dir, (ls) => ls.map((l, i) => (i === 0 ? JSON.stringify({ ...JSON.parse(l), verdict: 'geoblock', layers: { dns: null, ip: null, dpi: null, url: null } }) : i === 1 ? JSON.stringify({ ...JSON.parse(l), verdict: 'captcha' }) : l)));
    const run = await runFromFolder(dir);
    expect(run.measurements.slice(0, 2).map((m) => m.verdict)).toEqual(['geoblock', 'captcha']);
  });

  it('caps what it keeps of hostile evidence: addresses that are not IPs, long failure strings', async () => {
    const dir = writeRun(standardEntries());
    rewrite(dir, (ls) => ls.map((l, i) => (i === 0 ? JSON.stringify({ ...JSON.parse(l), isp_addrs: ['<script>', '1.2.3.4', ...Array.from({ length: 100 }, (_, k) => `10.0.0.${k}`)] }) : l)));
    const run = await runFromFolder(dir);
    const first = run.measurements[0]!;
    expect(first.isp_answer!.split(' ')).toHaveLength(16);
    expect(first.isp_answer).not.toContain('<');
  });

  it('refuses a report from a newer censorprobe, and a folder without measurements', async () => {
    const dir = writeRun(standardEntries());
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...report, software_version: '99.0.0' }));
    await refused(dir, /written by censorprobe 99\.0\.0, newer than this one/);
    const empty = writeRun([]);
    await refused(empty, /holds no measurements/);
    writeFileSync(join(empty, 'report.json'), '{not json');
    await refused(empty, /report\.json cannot be read/);
  });

  it('compares versions numerically', () => {
    expect(newerVersion('0.10.0', '0.9.9')).toBe(true);
    expect(newerVersion('0.1.0', '0.1.0')).toBe(false);
    expect(newerVersion('0.1.0-rc1', '0.2.0')).toBe(false);
  });
});
