// A small RFC 4180 reader that keeps going after a bad row. csv-parse stops at the first quoting
// error (or, for an unclosed quote, swallows the rest of the file), but `lists check` must list
// every bad row with its line and still read the good ones around it.

const PLAIN = /[^,"\r\n]*/y;

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
  /** The record's text as written, for error messages. */
  raw: string;
}

export interface CsvError {
  line: number;
  reason: string;
  raw: string;
}

export interface CsvResult {
  records: CsvRecord[];
  errors: CsvError[];
}

/** Parses CSV text; blank lines are skipped, a leading BOM dropped, CRLF and LF both accepted. */
export function parseCsv(text: string): CsvResult {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  const n = src.length;
  let pos = 0;
  let line = 1;

  while (pos < n) {
    const startPos = pos;
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let error: string | null = null;
    let ended = false;

    while (!ended) {
      if (pos >= n) {
        fields.push(field);
        ended = true;
        break;
      }
      if (src[pos] === '"' && field === '') {
        // Quoted field: runs to the closing quote, may span lines, `""` is a literal quote.
        const quoteLine = line;
        pos++;
        let closed = false;
        while (pos < n) {
          const q = src.indexOf('"', pos);
          const chunk = src.slice(pos, q === -1 ? n : q);
          for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) line++;
          field += chunk;
          if (q === -1) {
            pos = n;
            break;
          }
          if (src[q + 1] === '"') {
            field += '"';
            pos = q + 2;
            continue;
          }
          pos = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          error = `CSV quoting error: quote opened on line ${quoteLine} is never closed`;
          // Resume on the line after the one that opened the quote, so later rows are still read.
          pos = startPos;
          for (let l = startLine; l <= quoteLine; l++) pos = nextLineStart(src, pos);
          line = quoteLine + 1;
          break;
        }
        const after = src[pos];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          error = 'CSV quoting error: text after a closing quote';
          pos = nextLineStart(src, pos);
          line++;
          break;
        }
        continue;
      }
      // Unquoted text runs to the next delimiter: take it in one slice rather than char by char.
      PLAIN.lastIndex = pos;
      PLAIN.test(src);
      if (PLAIN.lastIndex > pos) {
        field += src.slice(pos, PLAIN.lastIndex);
        pos = PLAIN.lastIndex;
        continue;
      }
      const c = src[pos];
      if (c === ',') {
        fields.push(field);
        field = '';
        pos++;
      } else if (c === '\n' || (c === '\r' && src[pos + 1] === '\n')) {
        fields.push(field);
        pos += c === '\r' ? 2 : 1;
        line++;
        ended = true;
      } else if (c === '"') {
        error = 'CSV quoting error: quote inside an unquoted field';
        pos = nextLineStart(src, pos);
        line++;
        break;
      } else {
        field += c; // a lone CR
        pos++;
      }
    }

    const raw = src.slice(startPos, pos).replace(/\r?\n$/, '');
    if (error !== null) {
      errors.push({ line: startLine, reason: error, raw: firstLine(src.slice(startPos)) });
    } else if (!(fields.length === 1 && fields[0]!.trim() === '')) {
      records.push({ line: startLine, fields, raw });
    }
  }
  return { records, errors };
}

function nextLineStart(src: string, pos: number): number {
  const nl = src.indexOf('\n', pos);
  return nl === -1 ? src.length : nl + 1;
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl === -1 ? s : s.slice(0, nl)).replace(/\r$/, '');
}

/** Quotes a field only when it must be (comma, quote, newline, or edge whitespace). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}
