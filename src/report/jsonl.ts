import { closeSync, openSync, writeSync } from 'node:fs';
import { WriteAfterCloseError } from './errors.js';

/**
 * Appends one JSON object per line. Each line goes to the kernel in one write before the next
 * entry starts, so a crash (even kill -9) loses at most the entry being written, never an earlier one.
 */
export class JsonlSink {
  private fd: number | null;
  /** `transform` rewrites each serialised line (the run scrubs the volunteer's address with it). */
  constructor(readonly path: string, private readonly transform: (line: string) => string = (l) => l) {
    this.fd = openSync(path, 'a');
  }

  write(value: unknown): void {
    if (this.fd === null) throw new WriteAfterCloseError(`${this.path}: write after close`);
    const line = Buffer.from(`${this.transform(JSON.stringify(value))}\n`, 'utf8');
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
