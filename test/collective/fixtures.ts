// A collective for tests: a fresh database on the real PostgreSQL (CENSORPROBE_TEST_POSTGRES, as
// the store's tests), the server on loopback with its real store recorder, and helpers to speak
// its upload API directly (for hostile clients) or through the real client.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { request } from 'undici';
import { serveCollective, type ServeOptions } from '../../src/collective/serve.js';
import { addToken, revokeToken } from '../../src/collective/tokens.js';
import type { UploadLimits } from '../../src/collective/uploads.js';
import { scratchPostgres } from '../store/backends.js';
import { standardEntries, writeRun, type EntrySpec, type RunOptions } from '../report/runs.js';

export interface TestCollective {
  url: string;
  store: string;
  token: (name: string, quotas?: { runsPerDay?: number }) => Promise<string>;
  /** `collective token revoke NAME`, as the command does it. */
  revoke: (name: string) => Promise<boolean>;
  /** Row counts of the store's and the collective's tables: "the store unchanged" is these equal. */
  counts: () => Promise<Record<string, number>>;
  sql: <R = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;
  close: () => Promise<void>;
}

export async function testCollective(limits: Partial<UploadLimits> = {}, serve: Partial<ServeOptions> = {}): Promise<TestCollective> {
  const scratch = await scratchPostgres();
  const server = await serveCollective({ host: '127.0.0.1', port: 0, store: scratch.spec, onlyNets: '127.0.0.0/8', resolver: '127.0.0.1', limits, changesWaitMs: 60_000, ...serve });
  const client = new pg.Client({ connectionString: scratch.spec });
  await client.connect();
  const sql = async <R,>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[];
  return {
    url: server.url,
    store: scratch.spec,
    token: (name, quotas = {}) => addToken(server.db, name, quotas),
    revoke: (name) => revokeToken(server.db, name),
    counts: async () => {
      const out: Record<string, number> = {};
      for (const t of ['runs', 'measurements', 'entries', 'spans', 'collective_runs']) out[t] = Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n);
      return out;
    },
    sql,
    close: async () => {
      await client.end();
      await server.close();
      await scratch.close();
    },
  };
}

/** Entries of the report tests without the bogon answer 127.0.0.1: on loopback that is the uploader's own address. */
export const loopbackSafeEntries = (): EntrySpec[] => standardEntries().filter((e) => e.outcome !== 'dns:bogon');

export function runFolder(opts: RunOptions = {}, entries = loopbackSafeEntries()): string {
  return writeRun(entries, { isp: { name: 'Cosmote', asn: 'AS6799' }, ...opts });
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export async function api(base: string, method: 'GET' | 'POST' | 'PUT', path: string, token: string | null, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(`${base}${path}`, {
    method, headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...headers }, ...(body !== undefined ? { body } : {}),
  });
  const text = await res.body.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.statusCode, body: parsed };
}

/** Sends raw bytes as one upload (create, one chunk at a time, finish): the last answer. */
export async function rawUpload(base: string, token: string, runId: string, bytes: Buffer, chunk = 1024 * 1024): Promise<Answer> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const opened = await api(base, 'POST', '/api/v1/uploads', token, JSON.stringify({ run_id: runId, bytes: bytes.length, sha256 }), { 'content-type': 'application/json' });
  if (opened.status !== 201 && opened.status !== 200) return opened;
  if (opened.body.state === 'stored') return opened;
  const id = String(opened.body.id);
  for (let at = Number(opened.body.offset); at < bytes.length; at += chunk) {
    const a = await api(base, 'PUT', `/api/v1/uploads/${id}`, token, bytes.subarray(at, at + chunk), { 'upload-offset': String(at) });
    if (a.status !== 200) return a;
  }
  return api(base, 'POST', `/api/v1/uploads/${id}/finish`, token, '{}', { 'content-type': 'application/json' });
}

/** An upload body from a header and lines, compressed. */
export function bundleOf(runId: string, lines: string[], header: Record<string, unknown> = {}): Buffer {
  return gzipSync(`${JSON.stringify({ format: 'censorprobe-run-upload', version: 1, run_id: runId, report: null, ...header })}\n${lines.join('\n')}\n`);
}
