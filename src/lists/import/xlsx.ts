// The regulator's XLSX (2026 layout): row 1 a title, row 2 headers `A/A, A/M, WEBSITE, DOMAIN NAME,
// ...`, data from row 3. WEBSITE holds what ISPs are told to block (full URLs with paths), so it is
// the entry; DOMAIN NAME stands in only when WEBSITE is empty. The header row is searched for
// rather than assumed, as the title row has come and gone between editions.
import ExcelJS from 'exceljs';
import { FormatError } from '../../errors.js';
import type { PublishedEntry } from './published.js';

const HEADER_SEARCH_ROWS = 10;

export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('hyperlink' in value) return cellText(value.text as ExcelJS.CellValue);
    if ('formula' in value || 'sharedFormula' in value) return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('error' in value) return '';
  }
  return String(value).trim();
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toUpperCase();
// A/A written with Latin or Greek capitals (Α/Α): both occur in Greek documents.
const isNumberHeader = (s: string) => /^[AΑ]\/[AΑ]$/.test(norm(s));

export async function readEeepXlsx(data: Uint8Array, file: string): Promise<PublishedEntry[]> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new FormatError(`${file}: not a readable XLSX file (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const ws = wb.worksheets[0];
  if (ws === undefined) throw new FormatError(`${file}: the workbook has no sheet`);

  let headerRow = 0;
  const headers = new Map<number, string>();
  for (let r = 1; r <= Math.min(HEADER_SEARCH_ROWS, ws.rowCount); r++) {
    const row = ws.getRow(r);
    const names = new Map<number, string>();
    row.eachCell((cell, col) => {
      const t = cellText(cell.value);
      if (t !== '') names.set(col, t);
    });
    if ([...names.values()].some((n) => norm(n) === 'WEBSITE' || norm(n) === 'DOMAIN NAME')) {
      headerRow = r;
      for (const [c, n] of names) headers.set(c, n);
      break;
    }
  }
  if (headerRow === 0) {
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
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const get = (col: number | undefined) => (col === undefined ? '' : cellText(row.getCell(col).value));
    const website = get(websiteCol);
    const domain = get(domainCol);
    const number = get(numberCol);
    const notes = noteCols.map(([c, name]) => [name, get(c)] as const).filter(([, v]) => v !== '').map(([name, v]) => `${name} ${v}`);
    if (website === '' && domain === '' && number === '' && notes.length === 0) continue;
    if (website === '' && domain !== '') notes.push('from DOMAIN NAME (WEBSITE empty)');
    entries.push({ where: `row ${r}`, number, text: website !== '' ? website : domain, notes });
  }
  return entries;
}
