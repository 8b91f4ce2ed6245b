// The upload API against a real PostgreSQL store: a run stored once however often it is sent, and
// every hostile upload refused with a clear status and reason while the store stays as it was.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/collective/bundle.js';
import { UploadRefusedError } from '../../src/collective/errors.js';
import { uploadBundle, uploadRun } from '../../src/collective/upload-client.js';
import { openGuard } from '../../src/net/guard.js';
import { standardEntries } from '../report/runs.js';
import { api, bundleOf, rawUpload, runFolder, testCollective, type TestCollective } from './fixtures.js';

let c: TestCollective;
let maria: string;
let nikos: string;

beforeAll(async () => {
  c = await testCollective({ maxExpandedBytes: 24 * 1024 * 1024, maxLineBytes: 1024 * 1024, maxUploadBytes: 8 * 1024 * 1024, maxChunkBytes: 256 * 1024 });
  maria = await c.token('maria');
  nikos = await c.token('nikos-laptop');
}, 60_000);
afterAll(async () => c?.close());

const linesOf = (dir: string) => readFileSync(join(dir, 'measurements.jsonl'), 'utf8').trim().split('\n');

async function expectRefused(fn: () => Promise<{ status: number; body: Record<string, unknown> }>, status: number, reason: string, text?: RegExp): Promise<void> {
  const before = await c.counts();
  const a = await fn();
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.body.reason).toBe(reason);
  expect(typeof a.body.error).toBe('string');
  if (text) expect(String(a.body.error)).toMatch(text);
  expect(await c.counts()).toEqual(before);
}

describe('uploads', () => {
  it('stores a run once, however often it is sent', async () => {
    const dir = runFolder({ runId: 'run-once' });
    const first = await uploadRun(dir, { url: c.url, token: maria, guard: openGuard });
    const n = linesOf(dir).length;
    expect(first).toMatchObject({ run_id: 'run-once', outcome: 'stored', records: n });
    const after = await c.counts();
    const again = await uploadRun(dir, { url: c.url, token: maria, guard: openGuard });
    expect(again.outcome).toBe('already');
    expect(await c.counts()).toEqual(after);
    const runs = await c.sql<{ run_id: string; entries: number }>("SELECT run_id, entries FROM runs WHERE run_id = 'run-once'");
    expect(runs).toEqual([{ run_id: 'run-once', entries: n }]);
    const owner = await c.sql<{ token_name: string; records: number }>("SELECT token_name, records FROM collective_runs WHERE run_id = 'run-once'");
    expect(owner).toEqual([{ token_name: 'maria', records: n }]);
  });

  it('resumes an upload cut off part way from the offset the server holds', async () => {
    const dir = runFolder({ runId: 'run-resumed' }, [...standardEntries().filter((e) => e.outcome !== 'dns:bogon'), ...Array.from({ length: 300 }, (_, i) => ({ input: `casino${i}.com`, outcome: 'dns:nxdomain' as const }))]);
    const bundle = await buildBundle(dir);
    const K = 4096;
    expect(bundle.bytes.length).toBeGreaterThan(4 * K);
    // A first client sends the first two chunks and is "cut off".
    const opened = await api(c.url, 'POST', '/api/v1/uploads', maria, JSON.stringify({ run_id: bundle.run_id, bytes: bundle.bytes.length, sha256: bundle.sha256 }), { 'content-type': 'application/json' });
    expect(opened.status).toBe(201);
    const id = String(opened.body.id);
    for (const at of [0, K]) {
      expect((await api(c.url, 'PUT', `/api/v1/uploads/${id}`, maria, bundle.bytes.subarray(at, at + K), { 'upload-offset': String(at) })).status).toBe(200);
    }
    // The same chunk sent again (a retry after a lost answer) is not stored twice.
    const dup = await api(c.url, 'PUT', `/api/v1/uploads/${id}`, maria, bundle.bytes.subarray(K, 2 * K), { 'upload-offset': String(K) });
    expect(dup).toMatchObject({ status: 409, body: { reason: 'offset_mismatch' } });
    expect(await c.sql('SELECT at FROM collective_upload_chunks WHERE upload_id = $1 ORDER BY at', [id])).toEqual([{ at: '0' }, { at: String(K) }]);
    const logs: string[] = [];
    const r = await uploadBundle(dir, bundle, { url: c.url, token: maria, guard: openGuard, chunkBytes: K, log: (m) => logs.push(m) });
    expect(logs.join('\n')).toContain(`resuming at byte ${2 * K}`);
    expect(r).toMatchObject({ outcome: 'stored', records: linesOf(dir).length });
    expect(await c.sql("SELECT run_id FROM runs WHERE run_id = 'run-resumed'")).toHaveLength(1);
  });

  it('refuses a missing, wrong or revoked token', async () => {
    const body = JSON.stringify({ run_id: 'x', bytes: 10, sha256: 'a'.repeat(64) });
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', null, body), 401, 'unauthorized');
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', 'cpt_wrong', body), 401, 'unauthorized');
    const gone = await c.token('revoked-one');
    await c.sql("UPDATE collective_tokens SET revoked_at = now() WHERE name = 'revoked-one'");
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', gone, body), 401, 'unauthorized');
    await expectRefused(() => rawUpload(c.url, gone, 'revoked-run', bundleOf('revoked-run', linesOf(runFolder({ runId: 'revoked-run' })))), 401, 'unauthorized');
  });

  it("keeps two members' runs of the same run id apart, each idempotent; another member's upload stays invisible", async () => {
    // Two volunteers on one ISP whose scheduled runs started in the same second: same run id, same
    // start, same ISP, other measurements. Both are kept, each under its own id in the store.
    const start = new Date('2026-11-22T06:00:00Z');
    const ofMaria = runFolder({ runId: 'same-second', start, seed: 7 });
    const ofNikos = runFolder({ runId: 'same-second', start, seed: 99 }, [...standardEntries().filter((e) => e.outcome !== 'dns:bogon'), { input: 'casino-extra.com', outcome: 'dns:nxdomain' }]);
    const before = await c.counts();
    expect(await uploadRun(ofMaria, { url: c.url, token: maria, guard: openGuard })).toMatchObject({ run_id: 'same-second', outcome: 'stored' });
    expect(await uploadRun(ofNikos, { url: c.url, token: nikos, guard: openGuard })).toMatchObject({ run_id: 'same-second', outcome: 'stored' });
    const stored = () => c.sql<{ run_id: string; entries: number; hash: string }>("SELECT run_id, entries, hash FROM runs WHERE run_id LIKE 'same-second%' ORDER BY run_id");
    const runs = await stored();
    expect(runs.map((r) => [r.run_id, r.entries])).toEqual([['same-second', linesOf(ofMaria).length], ['same-second~2', linesOf(ofNikos).length]]);
    const claims = await c.sql("SELECT token_name, run_id, store_run_id FROM collective_runs WHERE run_id = 'same-second' ORDER BY token_name");
    expect(claims).toEqual([{ token_name: 'maria', run_id: 'same-second', store_run_id: 'same-second' }, { token_name: 'nikos-laptop', run_id: 'same-second', store_run_id: 'same-second~2' }]);
    const after = await c.counts();
    expect(after.runs! - before.runs!).toBe(2);
    expect(after.collective_runs! - before.collective_runs!).toBe(2);
    // Each sent again: stored once, nothing added, neither touches the other's.
    expect((await uploadRun(ofNikos, { url: c.url, token: nikos, guard: openGuard })).outcome).toBe('already');
    expect((await uploadRun(ofMaria, { url: c.url, token: maria, guard: openGuard })).outcome).toBe('already');
    expect(await c.counts()).toEqual(after);
    // Nikos's run resumed and grown: his recording is replaced, Maria's stays as it was.
    const grown = runFolder({ runId: 'same-second', start, seed: 99 }, [...standardEntries().filter((e) => e.outcome !== 'dns:bogon'), { input: 'casino-extra.com', outcome: 'dns:nxdomain' }, { input: 'casino-extra2.com', outcome: 'dns:nxdomain' }]);
    expect(await uploadRun(grown, { url: c.url, token: nikos, guard: openGuard })).toMatchObject({ outcome: 'stored' });
    const later = await stored();
    expect(later.map((r) => [r.run_id, r.entries])).toEqual([['same-second', linesOf(ofMaria).length], ['same-second~2', linesOf(grown).length]]);
    expect(later[0]!.hash).toBe(runs[0]!.hash);
    expect((await c.counts()).runs).toBe(after.runs);
    // The view counts both volunteers behind the ISP.
    const view = (await api(c.url, 'GET', '/?format=json', null)).body as { isps: Array<{ name: string; volunteers: number }> };
    const senders = await c.sql<{ n: string }>("SELECT count(DISTINCT token_name) AS n FROM collective_runs WHERE records > 0");
    expect(view.isps.find((i) => i.name === 'Cosmote')?.volunteers).toBe(Number(senders[0]!.n));
    expect(Number(senders[0]!.n)).toBeGreaterThanOrEqual(2);
    // Maria's open upload is invisible to Nikos.
    const lines = linesOf(runFolder({ runId: 'marias-second' }));
    const bytes = bundleOf('marias-second', lines);
    const opened = await api(c.url, 'POST', '/api/v1/uploads', maria, JSON.stringify({ run_id: 'marias-second', bytes: bytes.length, sha256: require_sha(bytes) }), { 'content-type': 'application/json' });
    await expectRefused(() => api(c.url, 'PUT', `/api/v1/uploads/${String(opened.body.id)}`, nikos, bytes, { 'upload-offset': '0' }), 404, 'no_such_upload');
  });

  it('refuses a run claiming another run id inside its bytes', async () => {
    const lines = linesOf(runFolder({ runId: 'real-id' }));
    await expectRefused(() => rawUpload(c.url, maria, 'claimed-id', bundleOf('real-id', lines)), 422, 'run_id_mismatch', /opened for run claimed-id/);
    // Header and records disagree: a record of another run smuggled in.
    const mixed = [...lines.slice(0, 3), ...linesOf(runFolder({ runId: 'other-id' })).slice(3, 5)];
    await expectRefused(() => rawUpload(c.url, maria, 'real-id', bundleOf('real-id', mixed)), 422, 'run_id_mismatch', /^line 5: /);
  });

  it('refuses oversized bodies: the announced upload, a chunk, a JSON request', async () => {
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', maria, JSON.stringify({ run_id: 'huge', bytes: 9 * 1024 * 1024, sha256: 'a'.repeat(64) })), 413, 'too_large');
    const opened = await api(c.url, 'POST', '/api/v1/uploads', maria, JSON.stringify({ run_id: 'chunky', bytes: 1024 * 1024, sha256: 'b'.repeat(64) }));
    await expectRefused(() => api(c.url, 'PUT', `/api/v1/uploads/${String(opened.body.id)}`, maria, Buffer.alloc(300 * 1024), { 'upload-offset': '0' }), 413, 'too_large');
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', maria, JSON.stringify({ run_id: 'x'.repeat(10), pad: 'y'.repeat(20_000) })), 413, 'too_large');
  });

  it('refuses malformed JSON: the request and a line of the run', async () => {
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', maria, '{"run_id": '), 400, 'malformed_json');
    const lines = linesOf(runFolder({ runId: 'torn' }));
    lines[4] = lines[4]!.slice(0, 100);
    await expectRefused(() => rawUpload(c.url, maria, 'torn', bundleOf('torn', lines)), 422, 'malformed_json', /^line 6 /);
    await expectRefused(() => rawUpload(c.url, maria, 'not-gzip', Buffer.from('plain text, not gzip')), 422, 'not_gzip');
  });

  it('stops a compression bomb while decompressing', async () => {
    // 64 MiB of JSON-looking lines compress to a few hundred KiB; the server stops at its cap (24 MiB here).
    // Records that pass every check, padded: only the cap on decompressed bytes stops them.
    const record = JSON.parse(linesOf(runFolder({ runId: 'bomb' }))[0]!) as { test_keys: Record<string, unknown> };
    record.test_keys.padding = 'x'.repeat(512 * 1024);
    const line = JSON.stringify(record);
    const bomb = bundleOf('bomb', Array.from({ length: 128 }, () => line));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expectRefused(() => rawUpload(c.url, maria, 'bomb', bomb, 256 * 1024), 413, 'too_large_expanded', /compression bomb/);
    // One endless line.
    await expectRefused(() => rawUpload(c.url, maria, 'long-line', bundleOf('long-line', ['0'.repeat(4 * 1024 * 1024)]), 256 * 1024), 413, 'line_too_long');
  });

  it("refuses a run holding the uploader's own address, and never stores an address", async () => {
    // The report tests' bogon answer is 127.0.0.1: on loopback, the uploader's own address.
    const dir = runFolder({ runId: 'unscrubbed' }, standardEntries());
    const before = await c.counts();
    const err = await uploadRun(dir, { url: c.url, token: maria, guard: openGuard }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadRefusedError);
    expect(err).toMatchObject({ status: 422, reason: 'client_address' });
    expect((err as Error).message).toMatch(/not scrubbed of the volunteer's address/);
    expect(await c.counts()).toEqual(before);
    // No table of the collective holds a client address.
    const cols = await c.sql<{ table_name: string; column_name: string }>("SELECT table_name, column_name FROM information_schema.columns WHERE table_name LIKE 'collective_%'");
    expect(cols.map((x) => x.column_name)).not.toContain('address');
    const dump = JSON.stringify(await c.sql('SELECT * FROM collective_uploads'));
    expect(dump).not.toContain('127.0.0.1');
  });

  it('stores SQL-looking text as text and refuses it where a field has a form', async () => {
    const evil = "'); DROP TABLE runs; --";
    const dir = runFolder({ runId: 'sql-text' }, [{ input: `bet${evil}.com`, outcome: 'dns:nxdomain', category: `GMB${evil}`.slice(0, 30) }, ...standardEntries().filter((e) => e.outcome !== 'dns:bogon')]);
    const lines = linesOf(dir).map((l) => {
      const r = JSON.parse(l) as Record<string, any>;
      r.reason = evil;
      r.target.list = `x${evil}.csv`;
      if (r.layers.dns) r.layers.dns.evidence = [evil];
      return JSON.stringify(r);
    });
    const stored = await rawUpload(c.url, maria, 'sql-text', bundleOf('sql-text', lines, { report: { run_id: 'sql-text', isp: { name: `Cosmote${evil}`, asn: 'AS6799' }, software_version: evil } }));
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    expect(stored.body.unknown_lists).toEqual([`x${evil}.csv`]);
    expect(await c.sql('SELECT input FROM entries WHERE input = $1', [`bet${evil}.com`])).toHaveLength(1);
    expect(await c.sql('SELECT name FROM isps WHERE name = $1', [`Cosmote${evil}`])).toHaveLength(1);
    const fresh = linesOf(runFolder({ runId: 'sql-field' }));
    for (const field of ['verdict', 'run_id', 'measurement_start_time']) {
      const bad = fresh.map((l, i) => (i === 2 ? JSON.stringify({ ...JSON.parse(l), [field]: evil }) : l));
      await expectRefused(() => rawUpload(c.url, maria, 'sql-field', bundleOf('sql-field', bad)), 422, field === 'run_id' ? 'run_id_mismatch' : 'schema', /^line 4: /);
    }
    await expectRefused(() => api(c.url, 'POST', '/api/v1/uploads', maria, JSON.stringify({ run_id: evil, bytes: 10, sha256: 'a'.repeat(64) })), 400, 'schema');
  });

  it('marks lists it does not know, and keeps the quota of runs per day', async () => {
    const few = await c.token('one-a-day', { runsPerDay: 1 });
    const r = await uploadRun(runFolder({ runId: 'daily-1' }), { url: c.url, token: few, guard: openGuard });
    expect(r.unknown_lists).toEqual([]);
    await expectRefused(() => rawUpload(c.url, few, 'daily-2', bundleOf('daily-2', linesOf(runFolder({ runId: 'daily-2' })))), 429, 'quota_runs', /quota is 1/);
  });
});

function require_sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
