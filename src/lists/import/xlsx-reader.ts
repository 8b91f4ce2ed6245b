// A small reader for the first sheet of an XLSX workbook (ECMA-376 SpreadsheetML): cell text only,
// which is all the regulator's list needs. An XLSX is a ZIP of XML parts; the ZIP's central directory
// is read with node:zlib inflating the parts, and the few XML elements read here are matched with
// regular expressions (the parts are machine-written). Dates are numbers styled with a date format
// (ECMA-376 Part 1, 18.8.30 numFmt: built-in ids 14-22 and 45-47, or a custom code with d/m/y).
// Replaces a general spreadsheet library of some 170 packages loaded for every command.
import { inflateRawSync } from 'node:zlib';

export class XlsxReadError extends Error {}

/** Cell text of the first sheet: rows[r][c], 0-based, empty cells as ''. Row r is spreadsheet row r+1. */
export interface Sheet {
  name: string;
  rows: string[][];
}

const MAX_PART_BYTES = 200 * 1024 * 1024;

/** ZIP parts by name (only the ones asked for are inflated). */
function zipEntries(data: Uint8Array): Map<string, () => Buffer> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new XlsxReadError('not a ZIP file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new XlsxReadError('damaged ZIP central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    out.set(name, () => {
      if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw new XlsxReadError(`damaged ZIP entry ${name}`);
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const raw = buf.subarray(start, start + compressed);
      if (size > MAX_PART_BYTES) throw new XlsxReadError(`${name}: part too large (${size} bytes)`);
      if (method === 0) return raw;
      if (method === 8) return inflateRawSync(raw, { maxOutputLength: MAX_PART_BYTES });
      throw new XlsxReadError(`${name}: unsupported ZIP compression method ${method}`);
    });
  }
  return out;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

/** The text of every <t> inside `xml` (rich-text runs joined; phonetic runs <rPh> left out). */
function textOf(xml: string): string {
  const plain = xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
  let out = '';
  for (const m of plain.matchAll(/<t\b[^>]*?(?:\/>|>([\s\S]*?)<\/t>)/g)) out += m[1] ?? '';
  return unescapeXml(out);
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/** Column letters of a cell reference ("AB12") as a 0-based index. */
function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of /^[A-Z]+/.exec(ref)?.[0] ?? '') n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

/** Which cell styles (index into cellXfs) format numbers as dates. */
function dateStyles(stylesXml: string | null): Set<number> {
  const out = new Set<number>();
  if (stylesXml === null) return out;
  const custom = new Map<number, string>();
  for (const m of stylesXml.matchAll(/<numFmt\b[^>]*>/g)) {
    const id = Number(attr(m[0], 'numFmtId'));
    custom.set(id, unescapeXml(attr(m[0], 'formatCode') ?? ''));
  }
  const isDate = (id: number) => {
    const code = custom.get(id);
    if (code === undefined) return BUILTIN_DATE_FORMATS.has(id);
    // Quoted text, escapes and [colour]/[locale] blocks are not date letters.
    const bare = code.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '');
    return /[dmy]/i.test(bare) && !/^[#0.,%\s]*$/.test(bare);
  };
  const cellXfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(stylesXml)?.[1] ?? '';
  let i = 0;
  for (const m of cellXfs.matchAll(/<xf\b[^>]*>/g)) {
    if (isDate(Number(attr(m[0], 'numFmtId') ?? 0))) out.add(i);
    i++;
  }
  return out;
}

/** A serial day number as YYYY-MM-DD (1900 date system, or 1904 when the workbook says so). */
function serialDate(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return new Date(epoch + Math.round(serial * 86_400_000)).toISOString().slice(0, 10);
}

/** The path of the workbook's first sheet, from workbook.xml and its relationships. */
function firstSheet(entries: Map<string, () => Buffer>, read: (n: string) => string | null): { name: string; path: string; date1904: boolean } {
  const workbook = read('xl/workbook.xml');
  if (workbook === null) throw new XlsxReadError('no xl/workbook.xml: not a spreadsheet');
  const date1904 = /<workbookPr\b[^>]*\sdate1904="(1|true)"/.test(workbook);
  const sheetTag = /<sheet\b[^>]*>/.exec(workbook)?.[0];
  if (sheetTag === undefined) throw new XlsxReadError('the workbook has no sheet');
  const name = unescapeXml(attr(sheetTag, 'name') ?? '');
  const rid = attr(sheetTag, 'r:id') ?? /\s[\w]+:id="([^"]*)"/.exec(sheetTag)?.[1];
  const rels = read('xl/_rels/workbook.xml.rels') ?? '';
  for (const m of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    if (attr(m[0], 'Id') !== rid) continue;
    const target = attr(m[0], 'Target') ?? '';
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    return { name, path: path.replace(/\/\.\//g, '/'), date1904 };
  }
  const fallback = [...entries.keys()].filter((k) => /^xl\/worksheets\/[^/]+\.xml$/.test(k)).sort()[0];
  if (fallback === undefined) throw new XlsxReadError('the workbook has no sheet');
  return { name, path: fallback, date1904 };
}

/** Reads the first sheet's cells as text. Throws XlsxReadError on anything that is not an XLSX. */
export function readFirstSheet(data: Uint8Array): Sheet {
  const entries = zipEntries(data);
  const read = (n: string) => {
    const get = entries.get(n);
    return get === undefined ? null : get().toString('utf8');
  };
  const { name, path, date1904 } = firstSheet(entries, read);
  const sheetXml = read(path);
  if (sheetXml === null) throw new XlsxReadError(`the sheet ${path} is missing`);
  const shared: string[] = [];
  for (const m of (read('xl/sharedStrings.xml') ?? '').matchAll(/<si\b[^>]*>([\s\S]*?)<\/si>|<si\s*\/>/g)) shared.push(textOf(m[1] ?? ''));
  const dates = dateStyles(read('xl/styles.xml'));

  const rows: string[][] = [];
  let nextRow = 0;
  for (const rm of sheetXml.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const rAttr = attr(`<row${rm[1] ?? ''}>`, 'r');
    const r = rAttr === undefined ? nextRow : Number(rAttr) - 1;
    nextRow = r + 1;
    const row: string[] = [];
    let nextCol = 0;
    for (const cm of (rm[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const tag = `<c${cm[1] ?? ''}>`;
      const ref = attr(tag, 'r');
      const c = ref === undefined ? nextCol : columnIndex(ref);
      nextCol = c + 1;
      const body = cm[2] ?? '';
      const type = attr(tag, 't') ?? 'n';
      const v = /<v\b[^>]*>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let text = '';
      if (type === 's') text = v === undefined ? '' : (shared[Number(v)] ?? '');
      else if (type === 'inlineStr') text = textOf(/<is\b[^>]*>([\s\S]*?)<\/is>/.exec(body)?.[1] ?? '');
      else if (type === 'e') text = '';
      else if (type === 'b') text = v === '1' ? 'TRUE' : v === undefined ? '' : 'FALSE';
      else if (v !== undefined) {
        const raw = unescapeXml(v);
        const style = Number(attr(tag, 's') ?? 0);
        text = type === 'n' && dates.has(style) && Number.isFinite(Number(raw)) ? serialDate(Number(raw), date1904) : raw;
      }
      row[c] = text;
    }
    for (let i = 0; i < row.length; i++) row[i] ??= '';
    rows[r] = row;
  }
  for (let i = 0; i < rows.length; i++) rows[i] ??= [];
  return { name, rows };
}
