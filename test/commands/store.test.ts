// `censorprobe store import` and the recording at the end of `censorprobe run`, through the CLI's
// own command code, against both back ends; cross-process cases spawn the real CLI.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRun } from '../../src/commands/run.js';
import { registerStore } from '../../src/commands/store.js';
import { openStore } from '../../src/store/open.js';
import { bulkEntries, scenario, standardEntries, writeRun } from '../report/runs.js';
import { BACKENDS, scratchSqlite } from '../store/backends.js';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

function program(): Command {
  const p = new Command('censorprobe').exitOverride();
  registerStore(p);
  return p;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let out: string[] = [];
beforeEach(() => {
  out = [];
  process.exitCode = undefined;
  vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => void out.push(String(m)));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe.each(BACKENDS)('store import into $name', ({ scratch }) => {
  it('records good folders, refuses a hostile one with its reason, and adds nothing the second time', async () => {
    const s = await scratch();
    try {
      const a = writeRun(standardEntries(), { isp: { name: 'OTE', asn: 'AS6799' } });
      const bad = writeRun(standardEntries());
      writeFileSync(join(bad, 'measurements.jsonl'), '{"input": 1}\n{"also": "bad"}\n');
      const b = writeRun(scenario({ 'bet365.com': 'ok' }), { isp: { name: 'OTE', asn: 'AS6799' }, start: new Date('2026-11-21T10:00:00Z') });
      await program().parseAsync(['node', 'censorprobe', 'store', 'import', a, bad, b, '--store', s.spec]);
      expect(out.join('\n')).toMatch(/refused .*: .*measurements\.jsonl:1: input is missing/);
      expect(out.join('\n')).toMatch(/2 of 3 folder\(s\) in .*; 1 refused/);
      expect(process.exitCode).toBe(1);
      process.exitCode = undefined;
      out = [];
      await program().parseAsync(['node', 'censorprobe', 'store', 'import', a, b, '--store', s.spec]);
      expect(out.filter((l) => l.startsWith('already recorded'))).toHaveLength(2);
      expect(process.exitCode).toBeUndefined();
      const store = await openStore(s.spec);
      expect((await store.runs()).map((r) => r.entries)).toEqual([27, 27]);
      await store.close();
    } finally {
      await s.close();
    }
  });

  it('after a run: a store that is down or cannot be written leaves the folder as it is, says so and how to record it later', async () => {
    const dir = writeRun(standardEntries());
    const s = await scratch();
    try {
      const unusable = s.spec.startsWith('postgres') ? 'postgres://censorprobe@127.0.0.1:9/none' : join(writeFileSafe(), 'history.sqlite');
      expect(await recordRun(dir, unusable, false)).toBe(false);
      const text = out.join('\n');
      expect(text).toMatch(/the run was NOT recorded in the history store \(the store .* (cannot be reached|cannot be written)/);
      expect(text).toContain(`Record it later with: censorprobe store import ${dir} --store`);
      out = [];
      expect(await recordRun(dir, s.spec, false)).toBe(true);
      expect(out.join('\n')).toMatch(/recorded in the history store/);
    } finally {
      await s.close();
    }
  });
});

/** A regular file: a store "inside" it can never be created, even by root. */
function writeFileSafe(): string {
  const f = join(mkdtempSync(join(tmpdir(), 'cp-notdir-')), 'a-file');
  writeFileSync(f, 'x');
  return f;
}

describe('store import across processes (SQLite)', () => {
  it('two imports at once into one file: both runs kept, each whole', async () => {
    const s = await scratchSqlite();
    try {
      const a = writeRun(bulkEntries(2000), { isp: { name: 'OTE', asn: 'AS6799' } });
      const b = writeRun(bulkEntries(2000, 'kazino'), { isp: { name: 'Nova', asn: 'AS3329' } });
      const [x, y] = await Promise.all([runCli(['store', 'import', a, '--store', s.spec]), runCli(['store', 'import', b, '--store', s.spec])]);
      expect([x.code, y.code], x.stderr + y.stderr).toEqual([0, 0]);
      const store = await openStore(s.spec);
      const per = await store.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM measurements GROUP BY run');
      expect(per.map((p) => Number(p.n))).toEqual([2000, 2000]);
      await store.close();
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a store locked by another process for too long: the import fails clearly (exit 1) and records nothing', async () => {
    const s = await scratchSqlite();
    try {
      (await openStore(s.spec)).close();
      const Database = (await import('better-sqlite3')).default;
      const holder = new Database(s.spec);
      holder.exec('BEGIN EXCLUSIVE');
      const r = await runCli(['store', 'import', writeRun(standardEntries()), '--store', s.spec], { CENSORPROBE_STORE_WAIT_MS: '300' });
      holder.exec('ROLLBACK');
      holder.close();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/locked by another process for too long/);
      const store = await openStore(s.spec);
      expect(await store.runs()).toEqual([]);
      await store.close();
    } finally {
      await s.close();
    }
  }, 30_000);
});
