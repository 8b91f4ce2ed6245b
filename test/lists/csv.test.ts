import { describe, expect, it } from 'vitest';
import { csvLine, parseCsv } from '../../src/lists/csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, keeping start lines', () => {
    const r = parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n\nlast,row');
    expect(r.errors).toEqual([]);
    expect(r.records.map((x) => [x.line, x.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['x, y', 'say "hi"']],
      [3, ['multi\nline', 'z']],
      [6, ['last', 'row']],
    ]);
  });

  it('drops a leading BOM', () => {
    expect(parseCsv('\uFEFFurl,category_code\n').records[0]!.fields).toEqual(['url', 'category_code']);
  });

  it('reports a quote inside an unquoted field and reads the next line', () => {
    const r = parseCsv('a,b\nx"y,z\nok,1\n');
    expect(r.errors).toEqual([{ line: 2, reason: 'CSV quoting error: quote inside an unquoted field', raw: 'x"y,z' }]);
    expect(r.records.map((x) => x.fields)).toEqual([['a', 'b'], ['ok', '1']]);
  });

  it('reports text after a closing quote', () => {
    const r = parseCsv('"a"b,c\nok,1');
    expect(r.errors.map((e) => [e.line, e.reason])).toEqual([[1, 'CSV quoting error: text after a closing quote']]);
    expect(r.records.map((x) => x.line)).toEqual([2]);
  });

  it('recovers from a quote never closed on the line after it opened', () => {
    const r = parseCsv('h1,h2\n"open,1\nnext,2\nthird,3\n');
    expect(r.errors.map((e) => e.line)).toEqual([2]);
    expect(r.errors[0]!.reason).toMatch(/never closed/);
    expect(r.records.map((x) => [x.line, x.fields])).toEqual([
      [1, ['h1', 'h2']],
      [3, ['next', '2']],
      [4, ['third', '3']],
    ]);
  });

  it('writes fields so that they read back the same', () => {
    const fields = ['plain', 'with, comma', 'with "quote"', ' padded ', 'καζίνο.ελ'];
    expect(parseCsv(csvLine(fields)).records[0]!.fields).toEqual(fields);
  });
});
