// The upload API (docs/collective.md): a member opens an upload for a run (its id, size and
// SHA-256 of the compressed bytes), sends the bytes in chunks at offsets it can ask for again after
// a dropped connection, then asks the server to finish it. Finishing decompresses with caps, checks
// every line and records the run through the RunRecorder in one transaction; an upload refused at
// any point leaves the store as it was. Chunks wait in PostgreSQL, so a restarted server resumes.
import { createHash, randomBytes } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MEASUREMENTS_FILE, REPORT_JSON, SETTINGS_FILE } from '../report/run-folder/files.js';
import type { Spool } from './spool.js';
import type { Db } from './db.js';
import { UploadRefusedError } from './errors.js';
import type { RunRecorder } from './recorder.js';
import type { Member } from './tokens.js';
import type { BundleHeader } from './bundle.js';
import { RUN_ID, addressFinder, checkHeader, checkRecord } from './validate.js';

export interface UploadLimits {
  /** Compressed bytes of one upload. */
  maxUploadBytes: number;
  /** Bytes of one chunk request. */
  maxChunkBytes: number;
  /** Decompressed bytes of one upload (a gzip bomb stops here, while streaming). */
  maxExpandedBytes: number;
  /** Bytes of one decompressed line. */
  maxLineBytes: number;
  /** Records of one run. */
  maxRecords: number;
  /** Defaults for members without their own quotas. */
  runsPerDay: number;
  bytesPerDay: number;
  /** Uploads finished at once (each holds one run's records in flight). */
  finishConcurrency: number;
}

export const UPLOAD_DEFAULTS: UploadLimits = {
  maxUploadBytes: 64 * 1024 * 1024,
  maxChunkBytes: 1024 * 1024,
  maxExpandedBytes: 768 * 1024 * 1024,
  maxLineBytes: 4 * 1024 * 1024,
  maxRecords: 100_000,
  runsPerDay: 48,
  bytesPerDay: 1024 * 1024 * 1024,
  finishConcurrency: 2,
};

export interface UploadStatus {
  id: string;
  run_id: string;
  size: number;
  offset: number;
  state: 'open' | 'stored' | 'refused';
  result?: unknown;
}

export interface StoredResult {
  state: 'stored';
  run_id: string;
  /** The id the run is recorded under in the store: its run id, or with a suffix when another member's run holds that id. */
  stored_as: string;
  /** False when this run was stored before (same id, same content). */
  new: boolean;
  records: number;
  unknown_lists: string[];
}

const SHA256 = /^[0-9a-f]{64}$/;

function refused(status: number, reason: string, message: string): never {
  throw new UploadRefusedError(status, reason, message);
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface UploadService {
  create(member: Member, body: unknown): Promise<{ status: number; body: UploadStatus | StoredResult }>;
  status(member: Member, id: string): Promise<UploadStatus>;
  chunk(member: Member, id: string, offset: number, data: Buffer, clientAddress: string): Promise<UploadStatus>;
  finish(member: Member, id: string, clientAddress: string): Promise<StoredResult>;
  limits: UploadLimits;
}

export function uploadService(db: Db, recorder: RunRecorder, knownLists: ReadonlySet<string>, spool: Spool, limits: UploadLimits = UPLOAD_DEFAULTS): UploadService {
  const finishing = new Map<string, Promise<StoredResult>>();
  // Addresses a session's chunks came from, in memory only (never stored, never logged): the run
  // must not contain any of them.
  const seenFrom = new Map<string, Set<string>>();
  const gate = new Semaphore(limits.finishConcurrency);

  async function session(member: Member, id: string): Promise<UploadStatus & { token_name: string; sha256: string }> {
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(id)) refused(404, 'no_such_upload', 'no such upload');
    const rows = await db.query<Record<string, unknown>>('SELECT id, token_name, run_id, size, sha256, received, state, result FROM collective_uploads WHERE id = $1', [id]);
    const r = rows[0];
    // Another member's upload is as invisible as a missing one.
    if (!r || r.token_name !== member.name) refused(404, 'no_such_upload', 'no such upload (it belongs to no one, or to another token)');
    return {
      id: String(r.id), token_name: String(r.token_name), run_id: String(r.run_id), size: Number(r.size), sha256: String(r.sha256),
      offset: Number(r.received), state: r.state as UploadStatus['state'], ...(r.result ? { result: r.result } : {}),
    };
  }

  const publicStatus = (s: UploadStatus): UploadStatus => ({ id: s.id, run_id: s.run_id, size: s.size, offset: s.offset, state: s.state, ...(s.result ? { result: s.result } : {}) });

  async function create(member: Member, body: unknown): Promise<{ status: number; body: UploadStatus | StoredResult }> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const runId = b.run_id;
    const size = b.bytes;
    const sha = b.sha256;
    if (typeof runId !== 'string' || !RUN_ID.test(runId)) refused(400, 'schema', '"run_id" must be a run id (letters, digits and ._:+- only, at most 128)');
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) refused(400, 'schema', '"bytes" must be the positive size of the compressed upload');
    if (typeof sha !== 'string' || !SHA256.test(sha)) refused(400, 'schema', '"sha256" must be 64 lowercase hex digits');
    if (size > limits.maxUploadBytes) refused(413, 'too_large', `the upload is ${size} bytes, over this server's limit of ${limits.maxUploadBytes}`);
    return db.tx(async (q) => {
      // A run is its sender's (token and run id): another member's run of the same id is another run.
      const mine = (await q.query<{ sha256: string; records: number; unknown_lists: string[]; store_run_id: string }>(
        'SELECT sha256, records, unknown_lists, store_run_id FROM collective_runs WHERE token_name = $1 AND run_id = $2', [member.name, runId]))[0];
      if (mine && mine.sha256 === sha) {
        return { status: 200, body: { state: 'stored' as const, run_id: runId, stored_as: mine.store_run_id, new: false, records: mine.records, unknown_lists: mine.unknown_lists } };
      }
      // Same member, other content: the run was resumed and grew; the store replaces its recording.
      const open = (await q.query<Record<string, unknown>>(
        "SELECT id, run_id, size, received, state FROM collective_uploads WHERE token_name = $1 AND run_id = $2 AND sha256 = $3 AND state = 'open'",
        [member.name, runId, sha]))[0];
      if (open) return { status: 200, body: { id: String(open.id), run_id: runId, size: Number(open.size), offset: Number(open.received), state: 'open' as const } };
      const runsPerDay = member.runs_per_day ?? limits.runsPerDay;
      const bytesPerDay = member.bytes_per_day ?? limits.bytesPerDay;
      const day = (await q.query<{ runs: string; bytes: string | null }>(
        `SELECT (SELECT count(*) FROM collective_runs WHERE token_name = $1 AND stored_at > now() - interval '1 day') AS runs,
                (SELECT sum(size) FROM collective_uploads WHERE token_name = $1 AND created_at > now() - interval '1 day') AS bytes`,
        [member.name]))[0]!;
      if (Number(day.runs) >= runsPerDay) refused(429, 'quota_runs', `this token stored ${day.runs} runs in the last 24 hours, its quota is ${runsPerDay}`);
      if (Number(day.bytes ?? 0) + size > bytesPerDay) refused(429, 'quota_bytes', `this token sent ${Number(day.bytes ?? 0)} bytes in the last 24 hours; ${size} more would pass its quota of ${bytesPerDay}`);
      // Uploads abandoned for a week (their chunks with them) make room; a client resuming later starts over.
      await q.query("DELETE FROM collective_uploads WHERE state = 'open' AND created_at < now() - interval '7 days'");
      const id = randomBytes(18).toString('base64url');
      await q.query('INSERT INTO collective_uploads (id, token_name, run_id, size, sha256) VALUES ($1, $2, $3, $4, $5)', [id, member.name, runId, size, sha]);
      return { status: 201, body: { id, run_id: runId, size, offset: 0, state: 'open' as const } };
    });
  }

  async function chunk(member: Member, id: string, offset: number, data: Buffer, clientAddress: string): Promise<UploadStatus> {
    const s = await session(member, id);
    if (s.state !== 'open') return publicStatus(s);
    let seen = seenFrom.get(id);
    if (!seen) seenFrom.set(id, (seen = new Set()));
    seen.add(clientAddress);
    if (offset !== s.offset) refused(409, 'offset_mismatch', `the server has ${s.offset} bytes of this upload; send from there`);
    if (data.length === 0) refused(400, 'empty_chunk', 'an empty chunk');
    if (offset + data.length > s.size) refused(413, 'too_large', `the chunk ends at ${offset + data.length}, past the upload's declared ${s.size} bytes`);
    const moved = await db.tx(async (q) => {
      // Only from the offset the server holds: a chunk sent twice (a retry) is not stored twice.
      const rows = await q.query('UPDATE collective_uploads SET received = received + $3 WHERE id = $1 AND received = $2 AND state = \'open\' RETURNING received', [id, offset, data.length]);
      if (rows.length === 0) return false;
      await q.query('INSERT INTO collective_upload_chunks (upload_id, at, data) VALUES ($1, $2, $3)', [id, offset, data]);
      return true;
    });
    const now = await session(member, id);
    if (!moved) refused(409, 'offset_mismatch', `the server has ${now.offset} bytes of this upload; send from there`);
    return publicStatus(now);
  }

  async function* chunksOf(id: string): AsyncGenerator<Buffer> {
    const ats = await db.query<{ at: string }>('SELECT at FROM collective_upload_chunks WHERE upload_id = $1 ORDER BY at', [id]);
    for (const { at } of ats) {
      const rows = await db.query<{ data: Buffer }>('SELECT data FROM collective_upload_chunks WHERE upload_id = $1 AND at = $2', [id, at]);
      if (rows[0]) yield rows[0].data;
    }
  }

  /** Decompressed lines, capped in total and per line, the compressed bytes hashed on the way. */
  async function* lines(id: string, hash: ReturnType<typeof createHash>): AsyncGenerator<string> {
    const gunzip = createGunzip();
    let expanded = 0;
    let partial: Buffer[] = [];
    let partialSize = 0;
    const feed = (async () => {
      try {
        for await (const c of chunksOf(id)) {
          hash.update(c);
          if (gunzip.destroyed) return;
          // A refused upload destroys the stream: wake on close too, or this loop would wait forever.
          if (!gunzip.write(c)) await new Promise<void>((r) => {
            gunzip.once('drain', () => r());
            gunzip.once('close', () => r());
          });
        }
        if (!gunzip.destroyed) gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    try {
      for await (const out of gunzip as AsyncIterable<Buffer>) {
        expanded += out.length;
        if (expanded > limits.maxExpandedBytes) refused(413, 'too_large_expanded', `the upload expands past ${limits.maxExpandedBytes} bytes; refused (a compression bomb, or a run far larger than a whole-list run)`);
        let start = 0;
        for (let nl = out.indexOf(0x0a); nl !== -1; nl = out.indexOf(0x0a, start)) {
          partial.push(out.subarray(start, nl));
          const line = Buffer.concat(partial).toString('utf8');
          partial = [];
          partialSize = 0;
          start = nl + 1;
          if (line.trim() !== '') yield line;
        }
        if (start < out.length) {
          partial.push(out.subarray(start));
          partialSize += out.length - start;
          if (partialSize > limits.maxLineBytes) refused(413, 'line_too_long', `a line of the upload is over ${limits.maxLineBytes} bytes`);
        }
      }
    } catch (err) {
      if (err instanceof UploadRefusedError) throw err;
      refused(422, 'not_gzip', `the upload is not valid gzip: ${(err as Error).message}`);
    } finally {
      gunzip.destroy();
      await feed;
    }
    if (partialSize > 0) refused(422, 'schema', 'the upload ends in the middle of a line');
  }

  async function process(member: Member, s: UploadStatus & { sha256: string }, clientAddress: string): Promise<StoredResult> {
    const addresses = new Set([clientAddress, ...(seenFrom.get(s.id) ?? [])]);
    const finders = [...addresses].map(addressFinder);
    const hash = createHash('sha256');
    const unknown = new Set<string>();
    let records = 0;
    const folder = await spool.folder();
    try {
      const out = createWriteStream(join(folder, MEASUREMENTS_FILE));
      const outDone = new Promise<void>((resolve, reject) => {
        out.once('close', resolve);
        out.once('error', reject);
      });
      let header: BundleHeader | null = null;
      try {
        let n = 0;
        for await (const line of lines(s.id, hash)) {
          n++;
          if (finders.some((f) => f(line))) {
            refused(422, 'client_address', `line ${n} contains the address this upload comes from: the run was not scrubbed of the volunteer's address, so it is refused and nothing was stored; update censorprobe and run again`);
          }
          let value: unknown;
          try {
            value = JSON.parse(line) as unknown;
          } catch (err) {
            refused(422, 'malformed_json', `line ${n} is not valid JSON (${(err as Error).message})`);
          }
          if (n === 1) {
            header = checkHeader(value);
            if (header.run_id !== s.run_id) refused(422, 'run_id_mismatch', `the upload holds run ${header.run_id}, but was opened for run ${s.run_id}`);
            continue;
          }
          const { list } = checkRecord(value, header!.run_id, n);
          if (!knownLists.has(list)) unknown.add(list);
          if (++records > limits.maxRecords) refused(413, 'too_many_records', `the run has more than ${limits.maxRecords} records`);
          if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
        }
      } finally {
        out.end();
        await outDone;
      }
      if (header === null) refused(422, 'schema', 'the upload is empty');
      if (records === 0) refused(422, 'schema', 'the upload holds no measurements');
      const got = hash.digest('hex');
      if (got !== s.sha256) refused(422, 'sha256_mismatch', `the bytes received hash to ${got}, not the ${s.sha256} announced; send the upload again`);
      if (typeof header.started === 'string') await writeFile(join(folder, SETTINGS_FILE), `${JSON.stringify({ started: header.started })}\n`);
      const runId = header.run_id;
      // The member's claim on the run, with the id it is recorded under in the store: the run id
      // itself when no other run holds it, else the run id with the first free suffix ~2, ~3...
      // (a character run ids never have). Serialised per run id, so two members cannot pick alike.
      const storeRunId = await db.tx(async (q) => {
        await q.query(`SELECT pg_advisory_xact_lock(hashtext('collective run ' || $1))`, [runId]);
        const mine = (await q.query<{ store_run_id: string }>('SELECT store_run_id FROM collective_runs WHERE token_name = $1 AND run_id = $2', [member.name, runId]))[0];
        if (mine) return mine.store_run_id;
        const taken = new Set([
          ...(await q.query<{ id: string }>("SELECT store_run_id AS id FROM collective_runs WHERE run_id = $1 OR store_run_id LIKE $2", [runId, `${runId}~%`])).map((r) => r.id),
          ...(await q.query<{ id: string }>("SELECT DISTINCT run_id AS id FROM runs WHERE run_id = $1 OR run_id LIKE $2", [runId, `${runId}~%`])).map((r) => r.id),
        ]);
        let id = runId;
        for (let k = 2; taken.has(id); k++) id = `${runId}~${k}`;
        await q.query('INSERT INTO collective_runs (run_id, token_name, store_run_id, sha256, bytes, records) VALUES ($1, $2, $3, $4, $5, 0)', [runId, member.name, id, s.sha256, s.size]);
        return id;
      });
      // The store reads the run's id from report.json: the server's id, not the volunteer's.
      await writeFile(join(folder, REPORT_JSON), `${JSON.stringify({ ...(header.report ?? {}), run_id: storeRunId })}\n`);
      let outcome;
      try {
        outcome = await recorder.recordFolder(folder);
      } catch (err) {
        // Refused: the store rolled back; drop the claim unless an earlier upload stored this run.
        await db.query('DELETE FROM collective_runs WHERE token_name = $1 AND run_id = $2 AND records = 0', [member.name, runId]).catch(() => undefined);
        // The store's own checks (RunRefusedError, code CP_RUN_REFUSED): named after the upload, not the spool path.
        if ((err as { code?: unknown }).code === 'CP_RUN_REFUSED') refused(422, 'schema', (err as Error).message.split(folder).join('upload'));
        throw err;
      }
      const result: StoredResult = { state: 'stored', run_id: runId, stored_as: storeRunId, new: outcome.stored, records, unknown_lists: [...unknown].sort() };
      await db.tx(async (q) => {
        await q.query('UPDATE collective_runs SET records = $3, unknown_lists = $4, sha256 = $5, bytes = $6 WHERE token_name = $1 AND run_id = $2', [member.name, runId, records, JSON.stringify(result.unknown_lists), s.sha256, s.size]);
        await q.query("UPDATE collective_uploads SET state = 'stored', result = $2 WHERE id = $1", [s.id, JSON.stringify(result)]);
        await q.query('DELETE FROM collective_upload_chunks WHERE upload_id = $1', [s.id]);
      });
      seenFrom.delete(s.id);
      return result;
    } catch (err) {
      if (err instanceof UploadRefusedError) {
        await db.query("UPDATE collective_uploads SET state = 'refused', result = $2 WHERE id = $1", [s.id, JSON.stringify({ status: err.status, reason: err.reason, error: err.message })]);
        await db.query('DELETE FROM collective_upload_chunks WHERE upload_id = $1', [s.id]);
        seenFrom.delete(s.id);
      }
      throw err;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async function finish(member: Member, id: string, clientAddress: string): Promise<StoredResult> {
    const s = await session(member, id);
    if (s.state === 'stored') return s.result as StoredResult;
    if (s.state === 'refused') {
      const r = s.result as { status: number; reason: string; error: string };
      refused(r.status, r.reason, r.error);
    }
    if (s.offset !== s.size) refused(409, 'incomplete', `the server has ${s.offset} of ${s.size} bytes; send the rest first`);
    // A client that timed out and asks again joins the finish under way.
    let p = finishing.get(id);
    if (!p) {
      p = gate.run(() => process(member, s, clientAddress)).finally(() => finishing.delete(id));
      finishing.set(id, p);
    }
    return p;
  }

  return { create, status: async (m, id) => publicStatus(await session(m, id)), chunk, finish, limits };
}
