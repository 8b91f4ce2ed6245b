// Lines of a JSONL file, gzip or not, read as a stream: memory holds one line at most, and a line
// longer than the cap is skipped whole (counted) instead of being gathered. OONI's archives are
// many GB; a torn gzip member or a binary file ends the file with a reason, never the import.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** One line, or why there is none where a line was. */
export type Line = { text: string; n: number } | { skipped: 'line-too-long'; n: number; bytes: number };

export interface LineOptions {
  /** Longer lines are skipped: OONI caps bodies near 512 KiB, so a sane measurement is far below. */
  maxLineBytes?: number;
  /** Called once when the file ends early (truncated gzip, read error): the lines before stay. */
  onError?: (message: string) => void;
}

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export async function* jsonLines(path: string, opts: LineOptions = {}): AsyncGenerator<Line> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const gz = await isGzip(path);
  const source: NodeJS.ReadableStream = gz ? file.pipe(createGunzip()) : file;
  if (gz) file.on('error', (e) => (source as ReturnType<typeof createGunzip>).destroy(e));
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let n = 0;
  const take = function* (chunk: Buffer): Generator<Line> {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      n++;
      const piece = chunk.subarray(start, nl);
      if (overflow || size + piece.length > max) {
        yield { skipped: 'line-too-long', n, bytes: size + piece.length };
      } else {
        const whole = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
        yield { text: whole.toString('utf8'), n };
      }
      parts = [];
      size = 0;
      overflow = false;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    size += rest.length;
    if (size > max) {
      overflow = true;
      parts = [];
    } else {
      // A copy: the stream may reuse its buffer.
      parts.push(Buffer.from(rest));
    }
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) yield* take(chunk);
  } catch (err) {
    opts.onError?.(err instanceof Error ? err.message : String(err));
    return;
  }
  if (size > 0 || overflow) {
    n++;
    if (overflow) yield { skipped: 'line-too-long', n, bytes: size };
    else yield { text: Buffer.concat(parts).toString('utf8'), n };
  }
}
