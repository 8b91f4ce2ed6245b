// The XLSX reader against workbooks written by an independent writer (exceljs, a dev dependency):
// shared and inline strings, rich text, hyperlinks, formulas' cached results, dates in both date
// systems and custom formats, XML entities, gaps between cells and rows; and damaged files.
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readFirstSheet, XlsxReadError } from '../../src/lists/import/xlsx-reader.js';
import { loadSheet } from '../../src/lists/import/xlsx.js';

async function workbook(fill: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  fill(wb.addWorksheet('Λίστα & <1>'), wb);
  wb.addWorksheet('second').addRow(['not read']);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('readFirstSheet', () => {
  it('reads text, rich text, hyperlinks, numbers, formulas and dates of the first sheet', async () => {
    const data = await workbook((ws) => {
      ws.addRow(['ΚΑΤΑΛΟΓΟΣ - 29/07/2026 & <τίτλος>']);
      ws.addRow(['A/A', 'WEBSITE', 'DATE', 'CUSTOM', 'SUM']);
      ws.addRow([1, { richText: [{ text: 'bet' }, { font: { bold: true }, text: '365.ελ' }] }, new Date(Date.UTC(2013, 6, 24)), new Date(Date.UTC(2026, 0, 15)), { formula: 'A3+1', result: 2 }]);
      ws.addRow([2, { text: 'HTTP://WWW.BetVictor.com/en', hyperlink: 'http://www.betvictor.com/en' }, null, 12.5, { formula: 'A4&"x"', result: '2x' }]);
      ws.getCell('D3').numFmt = 'dd"/"mm"/"yyyy';
      ws.getCell('D4').numFmt = '0.00';
      ws.getCell('H6').value = 'far';
    });
    const sheet = readFirstSheet(data);
    expect(sheet.name).toBe('Λίστα & <1>');
    expect(sheet.rows[0]).toEqual(['ΚΑΤΑΛΟΓΟΣ - 29/07/2026 & <τίτλος>']);
    expect(sheet.rows[1]).toEqual(['A/A', 'WEBSITE', 'DATE', 'CUSTOM', 'SUM']);
    expect(sheet.rows[2]).toEqual(['1', 'bet365.ελ', '2013-07-24', '2026-01-15', '2']);
    expect(sheet.rows[3]).toEqual(['2', 'HTTP://WWW.BetVictor.com/en', '', '12.5', '2x']);
    expect(sheet.rows[4]).toEqual([]);
    expect(sheet.rows[5]).toEqual(['', '', '', '', '', '', '', 'far']);
  });

  it('reads dates of a workbook in the 1904 date system', async () => {
    const data = await workbook((ws, wb) => {
      wb.properties.date1904 = true;
      ws.addRow([new Date(Date.UTC(2024, 10, 5))]);
    });
    expect(readFirstSheet(data).rows[0]).toEqual(['2024-11-05']);
  });

  it('reads the shipped importer fixture like the expected CSV says', () => {
    const data = readFileSync(new URL('../fixtures/lists/eeep-published.xlsx', import.meta.url));
    const { rows } = readFirstSheet(data);
    expect(rows[1]).toEqual(['A/A', 'A/M', 'WEBSITE', 'DOMAIN NAME', 'DECISION DATE']);
    expect(rows[6]?.slice(2, 5)).toEqual(['https://1xbet.在线/', '1xbet.在线', '2024-11-05']);
  });

  it('refuses what is not an XLSX with an error, never a crash or a partial read', async () => {
    expect(() => readFirstSheet(new TextEncoder().encode('<html>firewall</html>'))).toThrow(XlsxReadError);
    const good = await workbook((ws) => ws.addRow(['x']));
    const cut = good.subarray(0, good.length - 100);
    expect(() => readFirstSheet(cut)).toThrow(XlsxReadError);
    // A damaged deflate stream inside a sound ZIP directory.
    const damaged = Buffer.from(good);
    const name = damaged.indexOf('xl/worksheets/sheet1.xml'); // first: its local header
    for (let i = name + 40; i < name + 80; i++) damaged[i] = 0xff;
    expect(() => loadSheet(damaged, 'damaged.xlsx')).toThrow(/damaged\.xlsx: not a readable XLSX file/);
  });
});
