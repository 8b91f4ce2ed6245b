import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerLists } from '../../src/commands/lists.js';

const fixtures = fileURLToPath(new URL('../fixtures/lists/', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

async function run(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: typeof process.exitCode }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const error = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void err.push(String(s)));
  const program = new Command('censorprobe').exitOverride();
  registerLists(program);
  try {
    await program.parseAsync(['node', 'censorprobe', ...args]);
    return { out: out.join('\n').split('\n'), err, exitCode: process.exitCode };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('censorprobe lists check', () => {
  it('prints every bad row as FILE:LINE: reason: input and exits 1', async () => {
    const file = `${fixtures}malformed.csv`;
    const { out, exitCode } = await run('lists', 'check', file);
    expect(exitCode).toBe(1);
    const problems = out.filter((l) => /^:\d+: /.test(l.slice(file.length)) && l.startsWith(file) && !l.includes('duplicate of'));
    expect(problems.map((l) => Number(l.slice(file.length + 1).split(':')[0]))).toEqual([3, 4, 5, 6, 7, 10, 11, 12]);
    expect(problems[0]).toBe(`${file}:3: unsupported scheme "ftp": ftp://files.example.com/`);
    expect(out).toContain(`${file}:9: duplicate of line 2: good.example.com`);
    expect(out).toContain(`${file}: 13 rows: 4 entries, 1 duplicate, 8 errors`);
  });

  it('passes the shipped lists and counts 14,934 + 17 + 46 rows', async () => {
    const files = ['eeep.csv', 'court-orders.csv', 'gr.csv'].map((f) => `${repo}lists/${f}`);
    const { out, exitCode } = await run('lists', 'check', ...files);
    expect(exitCode).toBeUndefined();
    expect(out).toContain(`${files[0]}: 14934 rows: 14933 entries, 1 duplicate, 0 errors`);
    expect(out).toContain(`${files[1]}: 17 rows: 17 entries, 0 duplicates, 0 errors`);
    expect(out).toContain(`${files[2]}: 46 rows: 46 entries, 0 duplicates, 0 errors`);
    expect(out).toContain('total: 14997 rows: 14996 entries, 1 duplicate, 0 errors');
  });
});

describe('censorprobe lists import eeep', () => {
  it('writes the CSV and reports malformed rows and duplicates on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-lists-'));
    try {
      const out = join(dir, 'eeep.csv');
      const xlsx = `${fixtures}eeep-published.xlsx`;
      const { err } = await run('lists', 'import', 'eeep', xlsx, '--out', out, '--date', '2026-07-29', '--source', 'HGC/EEEP blacklist fixture');
      expect(await readFile(out, 'utf8')).toBe(await readFile(`${fixtures}eeep-published.xlsx.expected.csv`, 'utf8'));
      expect(err[0]).toMatch(/^imported 12 entries .* 1 duplicates kept and marked, 2 malformed left out/);
      expect(err).toContain(`${xlsx}:row 11 (A/A 9): malformed: bad URL: whitespace inside: www.casino .com`);
      expect(err).toContain(`${xlsx}:row 10 (A/A 8): duplicate of row 3 (A/A 1): www.10bet.com`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed --date', async () => {
    await expect(run('lists', 'import', 'eeep', `${fixtures}eeep-published.xlsx`, '--date', '29/07/2026')).rejects.toMatchObject({ code: 'CP_USAGE' });
  });
});
