// `lists import eeep FILE`: picks the reader by file extension and writes our CSV. The XLSX and PDF
// readers are loaded only when such a file is read (the PDF one is large).
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { FormatError, ListError } from '../../errors.js';
import { publishedToCsv, type ImportOptions, type ImportResult, type PublishedEntry } from './published.js';
import { readTextList } from './text.js';

export type { ImportIssue, ImportOptions, ImportResult, PublishedEntry } from './published.js';
export { publishedToCsv } from './published.js';
export { readTextList } from './text.js';

export async function readPublishedEeep(file: string): Promise<PublishedEntry[]> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new ListError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  switch (extname(file).toLowerCase()) {
    case '.xlsx':
      return (await import('./xlsx.js')).readEeepXlsx(data, file);
    case '.pdf':
      return (await import('./pdf.js')).readEeepPdf(data, file);
    case '.txt':
      return readTextList(data.toString('utf8'));
    default:
      throw new FormatError(`${file}: unknown list format "${extname(file)}"`, { hint: 'give an .xlsx, .pdf or .txt (one entry per line) file' });
  }
}

export async function importEeep(file: string, options: ImportOptions): Promise<ImportResult> {
  return publishedToCsv(await readPublishedEeep(file), options);
}
