// What a run keeps on disk so that it can be resumed after a crash: its settings (run.json) and the
// measurements already written. A torn last line (kill -9 mid-write) is cut off, never parsed.
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readSync, fstatSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/** Settings that define a run; saved at its start, read back by --resume. Never holds secrets. */
export interface RunSettings {
  /** With listsInFolder, the run folder's copies (relative to it); else the paths as given (older runs). */
  lists: string[];
  listsInFolder?: boolean;
  skipInvalid: boolean;
  ispResolver: string;
  foreign: string[];
  control: string | null;
  concurrency: number;
  perIp: number;
  timeoutMs: number;
  onlyNets: string[];
  innocuousName: string;
  neutralIp: string | null;
  started: string;
}

export const SETTINGS_FILE = 'run.json';
export const MEASUREMENTS_FILE = 'measurements.jsonl';

export function saveSettings(dir: string, s: RunSettings): void {
  writeFileSync(join(dir, SETTINGS_FILE), `${JSON.stringify(s, null, 2)}\n`);
}

/** The list files a resumed run reads: its own copies, or the paths an older run saved. */
export function savedListPaths(dir: string, s: RunSettings): string[] {
  return s.listsInFolder ? s.lists.map((l) => join(dir, l)) : s.lists;
}

export function loadSettings(dir: string): RunSettings {
  const path = join(dir, SETTINGS_FILE);
  if (!existsSync(path)) {
    throw new UsageError(`${path} is missing: ${dir} is not a censorprobe run folder`, { hint: 'give the --out folder of an earlier run' });
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunSettings;
  } catch (err) {
    throw new UsageError(`${path}: unreadable run settings (${(err as Error).message})`);
  }
}

/**
 * Cuts a torn last line off measurements.jsonl (a write interrupted by a crash). Returns the bytes
 * removed. Works from the end of the file so it costs nothing on a large run.
 */
export function repairTornLine(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return size - keep;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}

/** Streams the records of a measurements.jsonl, one parsed object at a time. */
export async function* readRecords<T = unknown>(path: string): AsyncGenerator<{ record: T; line: number }> {
  if (!existsSync(path)) return;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    let record: T;
    try {
      record = JSON.parse(text) as T;
    } catch {
      throw new UsageError(`${path}:${line}: not a JSON line`, { hint: 'the file was edited or corrupted; only a torn last line is repaired automatically' });
    }
    yield { record, line };
  }
}
