// What an upload carries: one gzip-compressed JSON-lines stream, a header line (the run's
// report.json) and then the run's measurement lines. Built the same way every time from the same
// folder, so that a resumed upload continues the same bytes. Paths of the volunteer's machine
// (list files) are cut to their file names before anything leaves.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGzip } from 'node:zlib';
import { MEASUREMENTS, readRunMeta, requireRunFolder, type RunMeta } from '../report/read.js';
import { CollectiveClientError } from './errors.js';

export const BUNDLE_FORMAT = 'censorprobe-run-upload';
export const BUNDLE_VERSION = 1;

export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  version: number;
  run_id: string;
  report: RunMeta | null;
  /** When the run first started (run.json), so that a resumed run keeps its identity. */
  started?: string;
}

export interface Bundle {
  run_id: string;
  bytes: Buffer;
  sha256: string;
  records: number;
}

/** report.json without the machine's paths: list files by name only. */
function shareableMeta(meta: RunMeta | null): RunMeta | null {
  if (!meta) return null;
  return { ...meta, ...(Array.isArray(meta.lists) ? { lists: meta.lists.map((l) => basename(String(l))) } : {}) };
}

/** The run folder as an upload. A torn last line (interrupted run) is left out. */
export async function buildBundle(dir: string): Promise<Bundle> {
  requireRunFolder(dir);
  const meta = readRunMeta(dir, () => undefined);
  const started = firstStart(dir);
  // Compressed as it is read: a whole-list run is ~180 MB of JSON, ~10% of it once compressed.
  const gzip = createGzip({ level: 6 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  let records = 0;
  let pendingHeader = true;
  let runId = typeof meta?.run_id === 'string' ? meta.run_id : null;
  const input = createInterface({ input: createReadStream(join(dir, MEASUREMENTS), { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of input) {
    if (line.trim() === '') continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a torn line: the server would refuse it, and the run's resume re-measures it
    }
    runId ??= typeof rec.run_id === 'string' ? rec.run_id : null;
    const target = rec.target as Record<string, unknown> | undefined;
    if (target && typeof target.list === 'string') target.list = basename(target.list);
    if (pendingHeader) {
      if (runId === null) break;
      const header: BundleHeader = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, run_id: runId, report: shareableMeta(meta), ...(started ? { started } : {}) };
      await put(gzip, `${JSON.stringify(header)}\n`);
      pendingHeader = false;
    }
    await put(gzip, `${JSON.stringify(rec)}\n`);
    records++;
  }
  gzip.end();
  await ended;
  if (runId === null) throw new CollectiveClientError(`${dir}: no run id in report.json or measurements.jsonl`, { hint: 'is this a censorprobe run folder?' });
  if (records === 0) throw new CollectiveClientError(`${dir}: no measurements to upload`);
  const bytes = Buffer.concat(out);
  return { run_id: runId, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), records };
}

/** Whether `dir` looks like a run folder (for `upload DIR...` messages). */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, MEASUREMENTS));
}

function put(gzip: ReturnType<typeof createGzip>, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (gzip.write(text)) resolve();
    else gzip.once('drain', resolve);
  });
}

function firstStart(dir: string): string | null {
  try {
    const v = (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { started?: unknown }).started;
    return typeof v === 'string' && v.length <= 40 ? v : null;
  } catch {
    return null;
  }
}
