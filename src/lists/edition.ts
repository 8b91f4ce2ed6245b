// A list's edition: the SHA-256 of the file as the run read it, and how many of its entries the run
// measures. The history store tells editions apart by it (docs/history.md).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface ListEdition {
  /** The file's name, never its folder (the volunteer's paths stay on their machine). */
  list: string;
  sha256: string;
  entries: number;
}

export function listEditions(files: readonly string[], entries: readonly { list: string }[]): ListEdition[] {
  return files.map((file) => {
    let sha256: string;
    try {
      sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      sha256 = '';
    }
    return { list: basename(file), sha256, entries: entries.filter((e) => e.list === file).length };
  }).filter((e) => e.sha256 !== '');
}
