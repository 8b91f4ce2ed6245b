import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Appends one JSON object per line. Each line goes to the kernel in one write before the next
 * entry starts, so a crash (even kill -9) loses at most the entry being written, never an earlier one.
 */
export class JsonlSink {
  private fd: number | null;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  write(value: unknown): void {
    if (this.fd === null) throw new Error(`${this.path}: write after close`);
    const line = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
