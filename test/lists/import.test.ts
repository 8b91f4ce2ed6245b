import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importEeep, parseListText, publishedToCsv, readTextList } from '../../src/lists/index.js';
import { readEeepXlsx } from '../../src/lists/import/xlsx.js';

const fixtures = fileURLToPath(new URL('../fixtures/lists/', import.meta.url));
const options = { source: 'HGC/EEEP blacklist fixture', dateAdded: '2026-07-29' };

describe('lists import eeep', () => {
  it('reproduces the expected CSV from the XLSX fixture exactly', async () => {
    const result = await importEeep(`${fixtures}eeep-published.xlsx`, options);
    expect(result.csv).toBe(await readFile(`${fixtures}eeep-published.xlsx.expected.csv`, 'utf8'));
    expect(result.malformed).toEqual([
      { where: 'row 11', number: '9', input: 'www.casino .com', reason: 'bad URL: whitespace inside' },
      { where: 'row 14', number: '12', input: 'ftp://bet365.com', reason: 'unsupported scheme "ftp"' },
    ]);
    expect(result.duplicates).toEqual([
      { where: 'row 10', number: '8', input: 'www.10bet.com', reason: 'duplicate', firstWhere: 'row 3', firstNumber: '1' },
    ]);
    expect(result.numbering).toEqual([]);
  });

  it('reproduces the expected CSV from the PDF fixture exactly', async () => {
    const result = await importEeep(`${fixtures}eeep-published.pdf`, options);
    expect(result.csv).toBe(await readFile(`${fixtures}eeep-published.pdf.expected.csv`, 'utf8'));
    expect(result.malformed.map((m) => [m.number, m.input, m.reason])).toEqual([
      ['8', 'www.casino .com', 'bad URL: whitespace inside'],
      ['', 'stray.example.com', 'no A/A number beside it (stray text or a wrapped line?)'],
    ]);
    expect(result.malformed[0]!.where).toMatch(/^page 1, line \d+$/);
    expect(result.duplicates.map((d) => [d.number, d.firstNumber])).toEqual([['7', '1']]);
  });

  it('writes CSV the loader accepts, with duplicates reported and none of the malformed rows', async () => {
    for (const f of ['eeep-published.xlsx', 'eeep-published.pdf']) {
      const { csv } = await importEeep(`${fixtures}${f}`, options);
      const parsed = parseListText(csv, f);
      expect(parsed.problems).toEqual([]);
      expect(parsed.entries.every((e) => e.category_code === 'GMB')).toBe(true);
    }
  });

  it('refuses an XLSX without the WEBSITE / DOMAIN NAME header', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('x').addRow(['just', 'a', 'table']);
    const data = new Uint8Array(await wb.xlsx.writeBuffer());
    await expect(readEeepXlsx(data, 'bad.xlsx')).rejects.toMatchObject({ code: 'CP_FORMAT', message: expect.stringContaining('bad.xlsx') });
  });

  it('refuses an unknown format, a missing file and a file that is not a PDF', async () => {
    await expect(importEeep(`${fixtures}malformed.csv`, options)).rejects.toMatchObject({ code: 'CP_FORMAT' });
    await expect(importEeep(`${fixtures}missing.pdf`, options)).rejects.toMatchObject({ code: 'CP_LIST' });
    const dir = await mkdtemp(join(tmpdir(), 'cp-lists-'));
    try {
      await writeFile(join(dir, 'fake.pdf'), 'url,category_code\nhttp://a.example.com/,GMB\n');
      await expect(importEeep(join(dir, 'fake.pdf'), options)).rejects.toMatchObject({ code: 'CP_FORMAT', message: expect.stringContaining('not a readable PDF') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('publishedToCsv', () => {
  it('reports gaps and steps back in the A/A numbering', () => {
    const e = (number: string, text: string) => ({ where: `row ${number}`, number, text, notes: [] });
    const r = publishedToCsv([e('1', 'a.example.com'), e('2', 'b.example.com'), e('4', 'c.example.com'), e('3', 'd.example.com')], options);
    expect(r.numbering.map((n) => n.reason)).toEqual(['numbering jumps from 2 to 4', 'numbering goes back from 4 to 3']);
    expect(r.written).toBe(4);
  });

  it('quotes cells that need it and names the first spelling of an unnumbered duplicate', () => {
    const r = publishedToCsv(readTextList('# comment\n1xbet.xn--3ds443g\n\n1xbet.在线\r\n'), { ...options, source: 'scrape, 2026' });
    expect(r.csv).toBe(
      'url,category_code,category_description,date_added,source,notes\n' +
        '1xbet.xn--3ds443g,GMB,Gambling,2026-07-29,"scrape, 2026",\n' +
        '1xbet.在线,GMB,Gambling,2026-07-29,"scrape, 2026",duplicate of 1xbet.xn--3ds443g (line 2 of the source)\n',
    );
    expect(r.duplicates.map((d) => [d.where, d.firstWhere])).toEqual([['line 4', 'line 2']]);
  });
});

// The shipped lists/eeep.csv is the scrape run through this importer (see lists/README.md). The
// scrape is kept as a fixture so the check runs on every machine, never skipped.
const scrape = fileURLToPath(new URL('../fixtures/lists/eeep-blacklist-2026-07-29.txt', import.meta.url));
describe('lists/eeep.csv', () => {
  it('is exactly the 2026-07-29 scrape run through the importer', async () => {
    const result = await importEeep(scrape, { source: 'HGC/EEEP blacklist.xlsx via gamble-eagle 9d04628 (2026-07-29)', dateAdded: '2026-07-29' });
    expect(result.written).toBe(14934);
    expect(result.malformed).toEqual([]);
    expect(result.csv).toBe(await readFile(fileURLToPath(new URL('../../lists/eeep.csv', import.meta.url)), 'utf8'));
  });
});
