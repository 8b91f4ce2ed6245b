// A list as a report records it: by file name, edition and SHA-256, never by its path on the
// volunteer's machine (which names them: /home/<login>/...).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ListEntry } from './load.js';

export interface ListIdentity {
  file: string;
  /** Entries of this list measured in the run. */
  entries: number;
  /** The edition: the latest date_added of its entries (YYYY-MM-DD), or null. */
  edition: string | null;
  sha256: string;
}

/** One identity per list file the entries came from, in the order the files were given. */
export function listIdentities(files: readonly string[], entries: readonly ListEntry[]): ListIdentity[] {
  const order = [...new Set([...files, ...entries.map((e) => e.list)])];
  return order.map((file) => {
    const own = entries.filter((e) => e.list === file);
    const dates = own.map((e) => e.extra['date_added'] ?? '').filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
    let sha256 = '';
    try {
      sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      // A list read earlier but gone now: the name and counts still say what was measured.
    }
    return { file: basename(file), entries: own.length, edition: dates.at(-1) ?? null, sha256 };
  });
}
