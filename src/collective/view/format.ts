// Tables of the public view as CSV (UTF-8 with BOM, formula cells neutralised, as the reports'
// CSVs: src/report/csv.ts) and as JSON: every view is downloadable for newsrooms' tools.
import { stringify } from 'csv-stringify/sync';
import { safeCell } from '../../report/csv.js';

export interface Table {
  columns: string[];
  rows: Array<Array<string | number | null>>;
}

export function toCsv(table: Table): string {
  const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(v) : safeCell(v));
  return `\uFEFF${stringify([table.columns, ...table.rows.map((r) => r.map(cell))])}`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const h = (value: string | number | null | undefined): string => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
