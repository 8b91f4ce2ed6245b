// One suite for both back ends: SQLite in a temporary file and a real PostgreSQL (a fresh database
// per test on the server CENSORPROBE_TEST_POSTGRES names).
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/store/sqlite.js';
import { PostgresBackend } from '../../src/store/postgres.js';
import { StoreError } from '../../src/store/errors.js';
import { runFromFolder } from '../../src/store/from-folder.js';
import { openStore } from '../../src/store/open.js';
import type { RunToRecord } from '../../src/store/run-record.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';
import { bulkEntries, makeRecord, scenario, standardEntries, writeRun } from '../report/runs.js';
import { BACKENDS, type ScratchStore } from './backends.js';

const OTE = { name: 'OTE', asn: 'AS6799' };
const NOVA = { name: 'Nova', asn: 'AS3329' };

describe.each(BACKENDS)('store on $name', ({ name, scratch }) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function fresh(): Promise<ScratchStore> {
    const s = await scratch();
    cleanup.push(s.close);
    return s;
  }
  async function open(spec: string, upTo?: number): Promise<Store> {
    const store = await openStore(spec, upTo === undefined ? {} : { upTo });
    cleanup.push(() => store.close());
    return store;
  }
  const count = async (store: Store, table: string) => Number((await store.db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

  it('an empty store is created at the latest schema version; opening it again changes nothing', async () => {
    const { spec } = await fresh();
    const a = await open(spec);
    expect(a.dialect).toBe(name);
    expect(await a.version()).toBe(SCHEMA_VERSION);
    const b = await open(spec);
    expect(await b.version()).toBe(SCHEMA_VERSION);
    expect(await count(b, 'schema_migrations')).toBe(MIGRATIONS.length);
    expect(await b.runs()).toEqual([]);
  });

  it.each(MIGRATIONS.slice(0, -1).map((m) => m.version))('migrates forward from version %i, keeping what it held', async (from) => {
    const { spec } = await fresh();
    const old = await open(spec, from);
    expect(await old.version()).toBe(from);
    // Rows as a store of that version holds them (version 1 tables only).
    await old.db.run("INSERT INTO isps (id, key, asn, name) VALUES (1, '6799|OTE', 6799, 'OTE')");
    await old.db.run("INSERT INTO runs (id, run_id, started, ended, hash, isp, software_version, complete, entries, total_entries, latency_penalty, intercepted, facts, recorded_at) VALUES (1, 'old-run', 1750000000, 1750000600, 'abc', 1, '0.1.0', 1, 1, 1, 1.5, 0, '{}', 1750000700)");
    await old.db.run("INSERT INTO entries (id, key, input, url, host, category) VALUES (1, 'http://bet365.com:80/', 'bet365.com', 'http://bet365.com/', 'bet365.com', 'GMB')");
    await old.db.run('INSERT INTO measurements (run, entry, verdict, dns, ip, dpi, url, isp_answer, truth, failure, control, t, line) VALUES (1, 1, 2, 9, NULL, NULL, NULL, NULL, NULL, NULL, 1, 3, 1)');
    await old.close();
    cleanup.pop();
    if (name === 'postgres') {
      // Identity columns given explicit ids must move on, as they would have in real use.
      const b = await PostgresBackend.connect(spec);
      for (const t of ['isps', 'runs', 'entries']) await b.exec(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), 1)`);
      await b.close();
    }
    const now = await open(spec);
    expect(await now.version()).toBe(SCHEMA_VERSION);
    const runs = await now.runs();
    expect(runs.map((r) => [r.run_id, r.asn, r.isp_name, r.entries])).toEqual([['old-run', 6799, 'OTE', 1]]);
    const rec = await now.record(await runFromFolder(writeRun(standardEntries(), { isp: OTE })));
    expect(rec.outcome).toBe('recorded');
    expect((await now.runs()).map((r) => r.asn)).toEqual([6799, 6799]);
    expect(await count(now, 'isps')).toBe(1);
    // The old run's entry is the same entry in the new run.
    const ids = await now.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM measurements m JOIN entries e ON e.id = m.entry WHERE e.key = 'http://bet365.com:80/'");
    expect(Number(ids[0]!.n)).toBe(2);
  });

  it('refuses a store written by a newer censorprobe', async () => {
    const { spec } = await fresh();
    const s = await open(spec);
    await s.db.run("INSERT INTO schema_migrations (version, what, applied_at) VALUES (99, 'future', 'x')");
    await expect(openStore(spec)).rejects.toMatchObject({ code: 'CP_STORE', message: expect.stringMatching(/schema version 99, newer/) });
  });

  it('records a run folder: every entry with its verdict, kinds, deciding evidence and the line of its raw record', async () => {
    const { spec } = await fresh();
    const store = await open(spec);
    const dir = writeRun(standardEntries(), { isp: OTE });
    const res = await store.record(await runFromFolder(dir));
    expect(res).toMatchObject({ outcome: 'recorded', measurements: 27 });
    const [run] = await store.runs();
    expect(run).toMatchObject({ asn: 6799, isp_name: 'OTE', complete: true, entries: 27, software_version: '0.1.0' });
    const rows = await store.db.all<Record<string, unknown>>(
      `SELECT e.input, v.name AS verdict, d.name AS dns, i.name AS ip, a.key AS isp_answer, f.key AS failure, m.line, m.control
       FROM measurements m JOIN entries e ON e.id = m.entry JOIN labels v ON v.id = m.verdict
       LEFT JOIN labels d ON d.id = m.dns LEFT JOIN labels i ON i.id = m.ip
       LEFT JOIN strings a ON a.id = m.isp_answer LEFT JOIN strings f ON f.id = m.failure ORDER BY m.line`,
    );
    expect(rows).toHaveLength(27);
    const lines = readFileSync(join(dir, 'measurements.jsonl'), 'utf8').split('\n');
    for (const r of rows) expect(JSON.parse(lines[Number(r.line) - 1]!).input).toBe(r.input);
    const bet = rows.find((r) => r.input === 'bet365.com')!;
    expect(bet).toMatchObject({ verdict: 'dns', dns: 'nxdomain', ip: null, failure: 'dns_nxdomain_error' });
    const page = rows.find((r) => r.input === '22bet.ελ')!;
    expect(page).toMatchObject({ verdict: 'dns', dns: 'blockpage', isp_answer: '83.235.64.20' });
    expect(rows.find((r) => r.input === 'dropped.io')).toMatchObject({ verdict: 'ip', ip: 'drop', failure: 'generic_timeout_error' });
    // Timelines: the court-ordered IP is black-holed here, and the blockpage IP answered.
    const ips = await store.db.all<Record<string, unknown>>('SELECT s.key AS ip, p.role, p.here, p.names FROM ip_states p JOIN strings s ON s.id = p.ip ORDER BY p.role');
    expect(ips.map((r) => [r.ip, Number(r.role), Number(r.here), Number(r.names)])).toEqual([
      ['194.71.107.15', 1, 2, 2],
      ['83.235.64.20', 2, expect.any(Number), 1],
    ]);
    // Editions: one per list, hashed from the entries (this folder's report.json names no file hashes).
    const eds = await store.db.all<{ list: string; entries: number; hashed: string }>('SELECT list, entries, hashed FROM editions ORDER BY list');
    expect(eds.map((e) => [e.list, Number(e.entries), e.hashed])).toEqual([['court-orders.csv', 2, 'entries'], ['eeep.csv', 25, 'entries']]);
    // Nothing of the volunteer's machine: no folder path anywhere in the run's facts.
    const facts = (await store.db.all<{ facts: string }>('SELECT facts FROM runs'))[0]!.facts;
    expect(facts).not.toContain(dir);
    expect(facts).not.toMatch(/\/tmp\//);
  });

  it('the same run twice adds nothing; the run resumed with more lines replaces its earlier recording', async () => {
    const { spec } = await fresh();
    const store = await open(spec);
    const dir = writeRun(standardEntries().slice(0, 20), { isp: OTE });
    expect((await store.record(await runFromFolder(dir))).outcome).toBe('recorded');
    expect((await store.record(await runFromFolder(dir))).outcome).toBe('unchanged');
    expect(await count(store, 'measurements')).toBe(20);
    const more = standardEntries().slice(20).map((spec, i) => makeRecord(spec, { i: 20 + i, start: new Date('2026-11-20T10:00:00Z'), rand: () => 0.5, runId: 'x' }));
    appendFileSync(join(dir, 'measurements.jsonl'), more.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect((await store.record(await runFromFolder(dir))).outcome).toBe('replaced');
    expect(await store.runs()).toHaveLength(1);
    expect(await count(store, 'measurements')).toBe(27);
  });

  it('a failure in the middle of recording leaves nothing of the run', async () => {
    const { spec } = await fresh();
    const store = await open(spec);
    const run = await runFromFolder(writeRun(standardEntries(), { isp: OTE }));
    // The same entry twice breaks the measurements' key after the run row and dictionaries are written.
    const bad: RunToRecord = { ...run, measurements: [...run.measurements, { ...run.measurements[0]!, line: 99 }] };
    await expect(store.record(bad)).rejects.toThrow();
    expect(await store.runs()).toEqual([]);
    for (const t of ['measurements', 'entries', 'strings', 'ip_states', 'editions']) expect(await count(store, t), t).toBe(0);
    expect((await store.record(run)).outcome).toBe('recorded');
  });

  it('two recorders at once: both runs kept, each whole; the same run from both is kept once', async () => {
    const { spec } = await fresh();
    const a = await open(spec);
    const b = await open(spec);
    const ote = await runFromFolder(writeRun(bulkEntries(3000), { isp: OTE, seed: 1 }));
    const nova = await runFromFolder(writeRun(scenario({}, bulkEntries(3000, 'kazino')), { isp: NOVA, seed: 2 }));
    const [x, y] = await Promise.all([a.record(ote), b.record(nova)]);
    expect([x.outcome, y.outcome]).toEqual(['recorded', 'recorded']);
    const per = await a.db.all<{ run: number; n: number }>('SELECT run, COUNT(*) AS n FROM measurements GROUP BY run ORDER BY run');
    expect(per.map((p) => Number(p.n)).sort()).toEqual([3000, 3027]);
    const later = await runFromFolder(writeRun(standardEntries(), { isp: NOVA, start: new Date('2026-11-27T10:00:00Z') }));
    const both = await Promise.all([a.record(later), b.record(later)]);
    expect(both.map((r) => r.outcome).sort()).toEqual(['recorded', 'unchanged']);
    expect(await a.runs()).toHaveLength(3);
  });

  it('kill -9 while recording leaves no part of the run; recording it again completes it', async () => {
    const { spec } = await fresh();
    (await open(spec)).close();
    cleanup.pop();
    const dir = writeRun(bulkEntries(2000), { isp: OTE });
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'hang-in-record.ts'), spec, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('in-transaction') && resolve());
      child.on('exit', (code) => reject(new Error(`child ended (${code}) before recording: ${err}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const store = await open(spec);
    expect(await store.runs()).toEqual([]);
    expect(await count(store, 'measurements')).toBe(0);
    expect((await store.record(await runFromFolder(dir))).outcome).toBe('recorded');
    expect(await count(store, 'measurements')).toBe(2000);
  }, 60_000);
});

describe('store faults', () => {
  it('a read-only SQLite file refuses to record with a clear StoreError', async () => {
    const { spec, close } = await BACKENDS[0]!.scratch();
    try {
      (await openStore(spec)).close();
      const ro = new SqliteBackend(spec, { readonly: true });
      await expect(ro.run("INSERT INTO isps (key) VALUES ('x')")).rejects.toMatchObject({ code: 'CP_STORE', message: expect.stringMatching(/cannot be written/) });
      await ro.close();
    } finally {
      await close();
    }
  });

  it('a PostgreSQL that is not there gives a StoreError saying it cannot be reached', async () => {
    await expect(openStore('postgres://censorprobe@127.0.0.1:9/none')).rejects.toSatisfy((e: unknown) => e instanceof StoreError && /cannot be reached/.test((e as Error).message));
  });
});
