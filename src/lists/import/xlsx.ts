// The regulator's XLSX (2026 layout): row 1 a title, row 2 headers `A/A, A/M, WEBSITE, DOMAIN NAME,
// ...`, data from row 3. WEBSITE holds what ISPs are told to block (full URLs with paths), so it is
// the entry; DOMAIN NAME stands in only when WEBSITE is empty. The header row is searched for
// rather than assumed, as the title row has come and gone between editions.
import { FormatError } from '../../errors.js';
import type { PublishedEntry } from './published.js';
import { readFirstSheet, XlsxReadError, type Sheet } from './xlsx-reader.js';

const HEADER_SEARCH_ROWS = 10;

/** The first sheet of an XLSX, or a FormatError naming the file. */
export function loadSheet(data: Uint8Array, file: string): Sheet {
  try {
    return readFirstSheet(data);
  } catch (err) {
    if (err instanceof XlsxReadError || err instanceof RangeError || (err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new FormatError(`${file}: not a readable XLSX file (${(err as Error).message})`, { cause: err });
    }
    throw err;
  }
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toUpperCase();
// A/A written with Latin or Greek capitals (Α/Α): both occur in Greek documents.
const isNumberHeader = (s: string) => /^[AΑ]\/[AΑ]$/.test(norm(s));

export async function readEeepXlsx(data: Uint8Array, file: string): Promise<PublishedEntry[]> {
  const { rows } = loadSheet(data, file);
  const cell = (r: number, c: number | undefined) => (c === undefined ? '' : (rows[r]?.[c] ?? '').trim());

  let headerRow = -1;
  const headers = new Map<number, string>();
  for (let r = 0; r < Math.min(HEADER_SEARCH_ROWS, rows.length); r++) {
    const names = new Map<number, string>();
    (rows[r] ?? []).forEach((_, c) => {
      const t = cell(r, c);
      if (t !== '') names.set(c, t);
    });
    if ([...names.values()].some((n) => norm(n) === 'WEBSITE' || norm(n) === 'DOMAIN NAME')) {
      headerRow = r;
      for (const [c, n] of names) headers.set(c, n);
      break;
    }
  }
  if (headerRow < 0) {
    throw new FormatError(`${file}: no header row with WEBSITE or DOMAIN NAME in the first ${HEADER_SEARCH_ROWS} rows`, {
      hint: 'the regulator\'s XLSX has a title in row 1 and headers A/A, A/M, WEBSITE, DOMAIN NAME in row 2',
    });
  }
  const find = (pred: (n: string) => boolean) => [...headers].find(([, n]) => pred(n))?.[0];
  const numberCol = find(isNumberHeader);
  const websiteCol = find((n) => norm(n) === 'WEBSITE');
  const domainCol = find((n) => norm(n) === 'DOMAIN NAME');
  const noteCols = [...headers].filter(([c]) => c !== numberCol && c !== websiteCol && c !== domainCol);

  const entries: PublishedEntry[] = [];
  for (let r = headerRow + 1; r < rows.length; r++) {
    const website = cell(r, websiteCol);
    const domain = cell(r, domainCol);
    const number = cell(r, numberCol);
    const notes = noteCols.map(([c, name]) => [name, cell(r, c)] as const).filter(([, v]) => v !== '').map(([name, v]) => `${name} ${v}`);
    if (website === '' && domain === '' && number === '' && notes.length === 0) continue;
    if (website === '' && domain !== '') notes.push('from DOMAIN NAME (WEBSITE empty)');
    entries.push({ where: `row ${r + 1}`, number, text: website !== '' ? website : domain, notes });
  }
  return entries;
}
