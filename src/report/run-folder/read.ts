// The one reader of measurements.jsonl, streamed line by line so that a 15,000-entry run never sits
// in memory as text. Its policy for lines that are not records: a crash can tear the last line (the
// writer appends whole lines, but kill -9 may cut one), and that line is skipped with a warning,
// never fatal, since everything before it is intact; a bad line elsewhere means the file was damaged,
// and it is skipped with a warning naming its line too, since the rest is still worth reading.
// Appending to a torn file would glue the next record onto the torn line, so the writer cuts it
// first (repairTornLine).
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { MeasurementRecord } from '../../record.js';
import { MEASUREMENTS_FILE, requireRunFolder, stderrWarn, type Warn } from './files.js';

/** A line that is not a record: where, and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

/** What a read skipped, known once it has read to the end. */
export interface Skipped {
  /** The last line, cut short. */
  torn: SkippedLine | null;
  /** Lines elsewhere that are not records (the file was damaged). */
  damaged: SkippedLine[];
}

export interface RecordReader {
  /** The records in file order; each call reads the file again. */
  records(): AsyncGenerator<MeasurementRecord>;
  /**
   * Every line that is JSON, with its line number, for a caller that checks the shape itself (the
   * store, which refuses a bad record naming its fault); the same policy for lines that are not JSON.
   */
  lines(): AsyncGenerator<{ value: unknown; line: number }>;
  /** What the last read skipped. */
  readonly skipped: Skipped;
}

function looksLikeRecord(v: unknown): v is MeasurementRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<MeasurementRecord>;
  return typeof r.input === 'string' && typeof r.verdict === 'string' && typeof r.target === 'object' && r.target !== null &&
    typeof r.layers === 'object' && r.layers !== null && typeof r.test_keys === 'object' && r.test_keys !== null;
}

const CHUNK_BYTES = 1 << 20;

/**
 * The file's lines, as readline splits them (at \n, \r\n or a lone \r), read in big chunks and cut
 * at the bytes: readline's own splitting of a string stream cost more CPU than parsing the JSON
 * (2 s of a 3,000-entry run's 4.5 s of summaries, lines of ~15 KB).
 */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    // The start of a line that runs past the chunks read so far, joined once its end is read (joining
    // at every chunk would copy a long line over and over).
    let carry: Buffer[] = [];
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        const line = carry.length > 0 ? Buffer.concat([...carry, chunk.subarray(0, nl)]) : chunk.subarray(start, nl);
        carry = [];
        yield* splitCr(line.toString('utf8', 0, line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length));
        start = nl + 1;
      }
      // Copied: `buf` is read into again.
      if (start < chunk.length) carry.push(Buffer.from(chunk.subarray(start)));
    }
    if (carry.length > 0) yield* splitCr(Buffer.concat(carry).toString('utf8'));
  } finally {
    await file.close();
  }
}

/** A lone \r ends a line too (readline's rule); JSON.stringify never writes one. */
function splitCr(line: string): string[] {
  return line.includes('\r') ? line.split('\r') : [line];
}

/** A reader of the run folder `dir`'s measurements; throws RunFolderError when it is not one. */
export function recordReader(dir: string, warn: Warn = stderrWarn): RecordReader {
  requireRunFolder(dir);
  const path = join(dir, MEASUREMENTS_FILE);
  const skipped: Skipped = { torn: null, damaged: [] };
  /** The lines `accept` takes (it returns why not otherwise), the others skipped by the policy above. */
  async function* scan(accept: (value: unknown) => string | null): AsyncGenerator<{ value: unknown; line: number }> {
    skipped.torn = null;
    skipped.damaged = [];
    let n = 0;
    // A bad line is only reported once the next line is seen, to tell a torn last line from damage.
    let pending: SkippedLine | null = null;
    const flush = (last: boolean) => {
      if (!pending) return;
      if (last) skipped.torn = pending;
      else skipped.damaged.push(pending);
      warn(last
        ? `${path}:${pending.line}: skipped the last line, cut short (${pending.reason}); the run was probably interrupted`
        : `${path}:${pending.line}: skipped a damaged line (${pending.reason})`);
      pending = null;
    };
    for await (const text of fileLines(path)) {
      n++;
      if (text.trim() === '') continue;
      flush(false);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        pending = { line: n, reason: (err as Error).message };
        continue;
      }
      const refused = accept(value);
      if (refused !== null) {
        pending = { line: n, reason: refused };
        continue;
      }
      yield { value, line: n };
    }
    flush(true);
  }
  return {
    async *records() {
      for await (const { value } of scan((v) => (looksLikeRecord(v) ? null : 'not a measurement record'))) yield value as MeasurementRecord;
    },
    lines: () => scan(() => null),
    skipped,
  };
}

/** Every record of the run folder `dir` in file order (see recordReader). */
export function readRecords(dir: string, warn: Warn = stderrWarn): AsyncGenerator<MeasurementRecord> {
  return recordReader(dir, warn).records();
}

/**
 * Cuts a torn last line off a JSONL file (a write interrupted by a crash) before more is appended.
 * Returns the bytes removed. Works from the end of the file so it costs nothing on a large run.
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
