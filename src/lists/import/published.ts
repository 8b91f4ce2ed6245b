// The regulator's list as published (XLSX, PDF or a plain scrape) turned into our CSV: the entry
// kept exactly as written (paths too: ISPs have matched exact URLs), in numbering order, with every
// duplicate and malformed entry reported by row or line. Malformed entries are left out of the CSV
// (measuring them would fail) but listed, so nothing vanishes unnoticed.
import { csvLine } from '../csv.js';
import { entryKey, LIST_COLUMNS } from '../load.js';
import { cleanInput, normaliseUrl } from '../normalise.js';

/** One entry as read from the published file. */
export interface PublishedEntry {
  /** Where in the file: `row 7` (XLSX), `page 1, line 12` (PDF), `line 40` (text). */
  where: string;
  /** The A/A number as published, '' when the format has none. */
  number: string;
  /** The entry exactly as written (trimmed). */
  text: string;
  /** Other published columns worth keeping, as `NAME value` notes. */
  notes: string[];
}

export interface ImportIssue {
  where: string;
  number: string;
  input: string;
  reason: string;
}

export interface ImportOptions {
  /** `source` column, e.g. "HGC/EEEP blacklist 2026-07-29 (blacklist.xlsx)". */
  source: string;
  /** `date_added` column, YYYY-MM-DD. */
  dateAdded: string;
  categoryCode?: string;
  categoryDescription?: string;
}

export interface ImportResult {
  csv: string;
  /** Rows written to the CSV (duplicates included, malformed ones not). */
  written: number;
  duplicates: (ImportIssue & { firstWhere: string; firstNumber: string })[];
  malformed: ImportIssue[];
  /** Gaps or steps back in the A/A numbering: an entry the extraction may have missed. */
  numbering: ImportIssue[];
}

export function publishedToCsv(entries: readonly PublishedEntry[], options: ImportOptions): ImportResult {
  const category = options.categoryCode ?? 'GMB';
  const description = options.categoryDescription ?? 'Gambling';
  const lines = [LIST_COLUMNS.join(',')];
  const seen = new Map<string, PublishedEntry>();
  const result: ImportResult = { csv: '', written: 0, duplicates: [], malformed: [], numbering: [] };
  let previous: number | null = null;
  // In a numbered list an entry without a number is a wrapped fragment or stray text, not an entry.
  const numbered = entries.some((e) => e.number !== '');

  for (const e of entries) {
    const text = cleanInput(e.text);
    if (numbered && e.number === '') {
      result.malformed.push({ where: e.where, number: '', input: text, reason: 'no A/A number beside it (stray text or a wrapped line?)' });
      continue;
    }
    if (/^\d+$/.test(e.number)) {
      const n = Number(e.number);
      if (previous !== null && n !== previous + 1) {
        const reason = n <= previous ? `numbering goes back from ${previous} to ${n}` : `numbering jumps from ${previous} to ${n}`;
        result.numbering.push({ where: e.where, number: e.number, input: text, reason });
      }
      previous = n;
    }
    const normal = normaliseUrl(text);
    if (!normal.ok) {
      result.malformed.push({ where: e.where, number: e.number, input: text, reason: normal.reason });
      continue;
    }
    const notes = [...(e.number === '' ? [] : [`A/A ${e.number}`]), ...e.notes];
    const key = entryKey(normal.value);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, e);
    } else {
      // Unnumbered sources: name the first spelling, as a line number of the source means little here.
      notes.push(first.number === '' ? `duplicate of ${cleanInput(first.text)} (${first.where} of the source)` : `duplicate of A/A ${first.number}`);
      result.duplicates.push({ where: e.where, number: e.number, input: text, reason: 'duplicate', firstWhere: first.where, firstNumber: first.number });
    }
    lines.push(csvLine([text, category, description, options.dateAdded, options.source, notes.join('; ')]));
    result.written++;
  }
  result.csv = `${lines.join('\n')}\n`;
  return result;
}
