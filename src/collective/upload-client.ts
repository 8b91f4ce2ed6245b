// The volunteer's side of an upload: the run folder as one compressed bundle, sent in chunks that
// the server acknowledges by offset. A dropped connection (or a restarted server or database) costs
// a retry from the last acknowledged byte, never a restart from zero; finishing is idempotent, so a
// retried finish of a run already stored answers "stored".
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { CaOption } from '../net/certificate.js';
import type { Guard } from '../net/guard.js';
import { helperDispatcher, resolveHelper } from '../control/client.js';
import { buildBundle, type Bundle } from './bundle.js';
import { CollectiveClientError, UploadRefusedError } from './errors.js';
import { UPLOADS_PATH } from './paths.js';

export interface UploadOptions {
  url: string;
  token: string;
  guard: Guard;
  ca?: CaOption;
  /** Bytes per chunk (default 256 KiB: about 2 s on a 1 Mbit/s uplink). */
  chunkBytes?: number;
  /** Failed attempts in a row, without progress, before giving up (default 8). */
  attempts?: number;
  /** Backoff before the n-th retry (default 0.5 s doubling to 30 s). */
  backoffMs?: (n: number) => number;
  log?: (m: string) => void;
}

export interface UploadResult {
  dir: string;
  run_id: string;
  /** 'stored': stored now; 'already': the server had it. */
  outcome: 'stored' | 'already';
  records: number;
  unknown_lists: string[];
  bytes: number;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A transient failure (network, 5xx, 429 retry-after): worth another attempt. */
class Transient extends Error {}

async function call(d: Dispatcher, origin: string, base: string, method: 'GET' | 'POST' | 'PUT', path: string, token: string, body: Buffer | string | null, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  let res;
  try {
    res = await d.request({
      origin, method, path: `${base}${path}`,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body !== null ? { body } : {}),
      headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw new Transient(`${method} ${path}: ${(err as Error).message}`);
  }
  let text = '';
  try {
    text = await res.body.text();
  } catch (err) {
    throw new Transient(`${method} ${path}: the answer was cut (${(err as Error).message})`);
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    if (res.statusCode < 500) throw new CollectiveClientError(`${method} ${path}: the server answered ${res.statusCode} with something that is not JSON`);
  }
  if (res.statusCode >= 500 || res.statusCode === 429 && parsed.reason === undefined) throw new Transient(`${method} ${path}: HTTP ${res.statusCode} ${String(parsed.error ?? '')}`);
  return { status: res.statusCode, body: parsed };
}

function refusal(a: Answer, runId: string): never {
  const reason = typeof a.body.reason === 'string' ? a.body.reason : `http_${a.status}`;
  const why = typeof a.body.error === 'string' ? a.body.error : `HTTP ${a.status}`;
  throw new UploadRefusedError(a.status, reason, `run ${runId} refused: ${why}`);
}

function stored(dir: string, b: Bundle, body: Record<string, unknown>): UploadResult {
  return {
    dir, run_id: b.run_id, outcome: body.new === false ? 'already' : 'stored', records: Number(body.records ?? b.records),
    unknown_lists: Array.isArray(body.unknown_lists) ? body.unknown_lists.map(String) : [], bytes: b.bytes.length,
  };
}

/** Sends one run folder; resolves when the server has stored it (or had it), throws UploadRefusedError when refused. */
export async function uploadRun(dir: string, o: UploadOptions): Promise<UploadResult> {
  const bundle = await buildBundle(dir);
  return uploadBundle(dir, bundle, o);
}

export async function uploadBundle(dir: string, bundle: Bundle, o: UploadOptions): Promise<UploadResult> {
  const helper = await resolveHelper(o.url, o.guard);
  const base = helper.base.pathname.replace(/\/+$/, '');
  const origin = helper.base.origin;
  const chunkBytes = o.chunkBytes ?? 256 * 1024;
  const attempts = o.attempts ?? 8;
  const backoff = o.backoffMs ?? ((n: number) => Math.min(30_000, 500 * 2 ** n));
  const log = o.log ?? (() => undefined);
  let failures = 0;
  let d: Dispatcher = helperDispatcher(helper, o.ca, 1);
  try {
    for (;;) {
      try {
        const opened = await call(d, origin, base, 'POST', UPLOADS_PATH, o.token, JSON.stringify({ run_id: bundle.run_id, bytes: bundle.bytes.length, sha256: bundle.sha256 }), { 'content-type': 'application/json' }, 60_000);
        if (opened.status === 200 && opened.body.state === 'stored') return stored(dir, bundle, opened.body);
        if (opened.status !== 200 && opened.status !== 201) refusal(opened, bundle.run_id);
        const id = String(opened.body.id);
        let offset = Number(opened.body.offset);
        if (offset > 0) log(`${bundle.run_id}: resuming at byte ${offset} of ${bundle.bytes.length}`);
        while (offset < bundle.bytes.length) {
          const part = bundle.bytes.subarray(offset, Math.min(offset + chunkBytes, bundle.bytes.length));
          const a = await call(d, origin, base, 'PUT', `${UPLOADS_PATH}/${id}`, o.token, part, { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, 120_000);
          if (a.status === 409 && a.body.reason === 'offset_mismatch') {
            const s = await call(d, origin, base, 'GET', `${UPLOADS_PATH}/${id}`, o.token, null, {}, 60_000);
            if (s.status !== 200) refusal(s, bundle.run_id);
            offset = Number(s.body.offset);
            continue;
          }
          if (a.status !== 200) refusal(a, bundle.run_id);
          if (a.body.state === 'stored') break;
          offset = Number(a.body.offset);
          failures = 0; // progress
        }
        // Finishing decompresses, checks and records the whole run: allow it time.
        const done = await call(d, origin, base, 'POST', `${UPLOADS_PATH}/${id}/finish`, o.token, '{}', { 'content-type': 'application/json' }, 15 * 60_000);
        if (done.status !== 200) refusal(done, bundle.run_id);
        return stored(dir, bundle, done.body);
      } catch (err) {
        if (!(err instanceof Transient)) throw err;
        if (++failures >= attempts) {
          throw new CollectiveClientError(`run ${bundle.run_id}: the collective at ${o.url} did not take the upload after ${attempts} attempts (${err.message})`, {
            hint: `send it later with \`censorprobe upload ${dir}\`: it resumes where it stopped`,
          });
        }
        log(`${bundle.run_id}: ${err.message}; retrying`);
        await d.destroy().catch(() => undefined);
        await sleep(backoff(failures));
        d = helperDispatcher(helper, o.ca, 1);
      }
    }
  } finally {
    await d.destroy().catch(() => undefined);
  }
}
