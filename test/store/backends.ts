// The store's back ends for tests: a SQLite file in a temporary folder, and a fresh database on the
// real PostgreSQL named by CENSORPROBE_TEST_POSTGRES (`.ci/run` starts one; README says how to start
// one locally). Without that variable, or with the server down, the PostgreSQL tests fail loudly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_ENV = 'CENSORPROBE_TEST_POSTGRES';

export interface ScratchStore {
  /** What `--store` takes: a file path or a postgres:// URL. */
  spec: string;
  close: () => Promise<void>;
}

export function postgresAdminUrl(): string {
  const url = process.env[PG_ENV];
  if (!url) {
    throw new Error(`${PG_ENV} is not set: the store tests need a real PostgreSQL 15 (e.g. postgres://postgres@127.0.0.1:54311/postgres); see README "Tests"`);
  }
  return url;
}

let counter = 0;

/** A new, empty database on the test server, dropped by close(). */
export async function scratchPostgres(): Promise<ScratchStore> {
  const admin = postgresAdminUrl();
  const name = `cp_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`${PG_ENV}=${admin}: PostgreSQL cannot be reached (${(err as Error).message}); start it (README "Tests")`);
  }
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    spec: u.toString(),
    close: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

export async function scratchSqlite(): Promise<ScratchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'cp-store-'));
  return { spec: join(dir, 'history.sqlite'), close: async () => rmSync(dir, { recursive: true, force: true }) };
}

export const BACKENDS: { name: 'sqlite' | 'postgres'; scratch: () => Promise<ScratchStore> }[] = [
  { name: 'sqlite', scratch: scratchSqlite },
  { name: 'postgres', scratch: scratchPostgres },
];
