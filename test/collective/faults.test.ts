// Faults on the server's side: kill -9 of the server in the middle of an upload (nothing partial
// is stored; the client's retry completes it once the server is back), and PostgreSQL restarted
// while several members upload (the server reconnects; every run is stored exactly once).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/collective/bundle.js';
import { serveCollective } from '../../src/collective/serve.js';
import { addToken } from '../../src/collective/tokens.js';
import { uploadBundle } from '../../src/collective/upload-client.js';
import { openGuard } from '../../src/net/guard.js';
import { scratchPostgres } from '../store/backends.js';
import { loopbackSafeEntries, runFolder } from './fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PGBIN = '/usr/lib/postgresql/15/bin';
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A big enough run: the standard entries and a few hundred more, so an upload takes many chunks. */
function bigRun(runId: string): string {
  return runFolder({ runId }, [...loopbackSafeEntries(), ...Array.from({ length: 400 }, (_, i) => ({ input: `casino-${runId}-${i}.com`, outcome: 'dns:nxdomain' as const }))]);
}

async function count(url: string, sql: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

function startServer(store: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'collective', 'serve', '--listen', `127.0.0.1:${port}`, '--store', store, '--only-nets', '127.0.0.0/8', '--resolver', '127.0.0.1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
}

describe('server faults', () => {
  it('kill -9 mid-upload stores nothing partial; the retry completes the run once', async () => {
    const scratch = await scratchPostgres();
    cleanups.push(() => scratch.close());
    const port = await freePort();
    let server = await startServer(scratch.spec, port);
    cleanups.push(() => void server.kill('SIGKILL'));
    const token = await addTokenVia(scratch.spec, 'kill-test');
    const dir = bigRun('killed-run');
    const bundle = await buildBundle(dir);
    const chunk = Math.ceil(bundle.bytes.length / 40);
    const logs: string[] = [];
    const upload = uploadBundle(dir, bundle, { url: `http://127.0.0.1:${port}`, token, guard: openGuard, chunkBytes: chunk, attempts: 20, backoffMs: () => 500, log: (m) => logs.push(m) });
    // Kill the server once about half the bytes are in.
    for (;;) {
      const got = await count(scratch.spec, "SELECT coalesce(max(received), 0) AS n FROM collective_uploads WHERE run_id = 'killed-run'");
      if (got > bundle.bytes.length / 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    expect(await count(scratch.spec, 'SELECT count(*) AS n FROM runs')).toBe(0);
    expect(await count(scratch.spec, 'SELECT count(*) AS n FROM measurements')).toBe(0);
    server = await startServer(scratch.spec, port);
    const r = await upload;
    expect(r.outcome).toBe('stored');
    expect(logs.some((m) => /resuming at byte [1-9]/.test(m))).toBe(true);
    expect(await count(scratch.spec, "SELECT count(*) AS n FROM runs WHERE run_id = 'killed-run'")).toBe(1);
    expect(await count(scratch.spec, 'SELECT count(*) AS n FROM measurements')).toBe(r.records);
    server.kill('SIGTERM');
  }, 120_000);

  it('PostgreSQL restarted during uploads: the server reconnects and every run is stored once', async () => {
    // Its own cluster: restarting the shared test server would break the other tests running.
    const dir = mkdtempSync(join(tmpdir(), 'cp-pg-restart-'));
    chmodSync(dir, 0o777);
    const asPg = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    const run = (args: string[]) => {
      const cmd = [...asPg, ...args];
      const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr || r.stdout}`);
    };
    const port = await freePort();
    const data = join(dir, 'data');
    run([`${PGBIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres']);
    const ctl = (what: string) => run([`${PGBIN}/pg_ctl`, '-D', data, '-l', join(dir, 'log'), '-o', `-h 127.0.0.1 -p ${port} -k ${dir}`, '-w', '-m', 'fast', what]);
    ctl('start');
    cleanups.push(() => {
      try {
        ctl('stop');
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    });
    const store = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const server = await serveCollective({ host: '127.0.0.1', port: 0, store, onlyNets: '127.0.0.0/8', resolver: '127.0.0.1' });
    cleanups.push(() => server.close());
    const uploads = await Promise.all(['a', 'b', 'c'].map(async (n) => {
      const token = await addToken(server.db, `member-${n}`);
      const folder = bigRun(`restart-${n}`);
      return { folder, token, bundle: await buildBundle(folder) };
    }));
    const sending = uploads.map((u) =>
      uploadBundle(u.folder, u.bundle, { url: server.url, token: u.token, guard: openGuard, chunkBytes: Math.ceil(u.bundle.bytes.length / 30), attempts: 30, backoffMs: () => 300 }));
    await new Promise((r) => setTimeout(r, 150));
    // The restart comes while the uploads are under way.
    expect(await count(store, 'SELECT count(*) AS n FROM collective_runs')).toBeLessThan(3);
    ctl('restart');
    const results = await Promise.all(sending);
    expect(results.map((r) => r.outcome)).toEqual(['stored', 'stored', 'stored']);
    expect(await count(store, "SELECT count(*) AS n FROM runs WHERE run_id LIKE 'restart-%'")).toBe(3);
    expect(await count(store, 'SELECT count(*) AS n FROM collective_runs')).toBe(3);
    // A second restart after the uploads: the view's pool reconnects too.
    ctl('restart');
    const page = await fetch(`${server.url}/?format=json`);
    expect(page.status).toBe(200);
  }, 120_000);
});

async function addTokenVia(store: string, name: string): Promise<string> {
  const { openCollectiveDb } = await import('../../src/collective/serve.js');
  const db = await openCollectiveDb(store);
  try {
    return await addToken(db, name);
  } finally {
    await db.close();
  }
}
