import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLines, MEASUREMENTS_FILE, recordReader, repairTornLine, RunFolderError } from '../../../src/report/run-folder/index.js';
import { loadRecords, standardEntries, writeRun } from '../runs.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cp-read-'));

describe('reading measurements.jsonl', () => {
  it('reads every record in file order', async () => {
    const dir = writeRun(standardEntries());
    const warnings: string[] = [];
    const reader = recordReader(dir, (m) => warnings.push(m));
    const inputs: string[] = [];
    for await (const r of reader.records()) inputs.push(r.input);
    expect(inputs).toEqual(standardEntries().map((e) => e.input));
    expect(reader.skipped).toEqual({ torn: null, damaged: [] });
    expect(warnings).toEqual([]);
  });

  it('skips a torn last line with a warning and counts it', async () => {
    const dir = writeRun(standardEntries().slice(0, 3), { tornTail: true });
    const warnings: string[] = [];
    const reader = recordReader(dir, (m) => warnings.push(m));
    const seen: string[] = [];
    for await (const r of reader.records()) seen.push(r.input);
    expect(seen).toHaveLength(3);
    expect(reader.skipped.torn?.line).toBe(4);
    expect(reader.skipped.damaged).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/measurements\.jsonl:4: skipped the last line, cut short/);
  });

  it('tells a damaged middle line from a torn last one', async () => {
    const dir = writeRun(standardEntries().slice(0, 2));
    const path = join(dir, MEASUREMENTS_FILE);
    const [a, b] = (await loadRecords(dir)).map((r) => JSON.stringify(r));
    writeFileSync(path, `${a}\n{"broken\n${b}\n["not a record"]\n`);
    const warnings: string[] = [];
    const reader = recordReader(dir, (m) => warnings.push(m));
    const seen: unknown[] = [];
    for await (const r of reader.records()) seen.push(r);
    expect(seen).toHaveLength(2);
    expect(reader.skipped.torn).toEqual({ line: 4, reason: 'not a measurement record' });
    expect(reader.skipped.damaged.map((d) => d.line)).toEqual([2]);
    expect(warnings[0]).toMatch(/:2: skipped a damaged line/);
    expect(warnings[1]).toMatch(/:4: skipped the last line, cut short \(not a measurement record\)/);
    appendFileSync(path, '\n\n');
    expect(await loadRecords(dir, () => undefined)).toHaveLength(2);
  });

  it('hands every JSON line with its number to a caller that checks the shape itself', async () => {
    const dir = writeRun(standardEntries().slice(0, 2));
    const path = join(dir, MEASUREMENTS_FILE);
    const [a, b] = (await loadRecords(dir)).map((r) => JSON.stringify(r));
    writeFileSync(path, `${a}\n{"broken\n${b}\n["not a record"]\n{"torn`);
    const reader = recordReader(dir, () => undefined);
    const seen: { line: number; array: boolean }[] = [];
    for await (const { value, line } of reader.lines()) seen.push({ line, array: Array.isArray(value) });
    expect(seen).toEqual([{ line: 1, array: false }, { line: 3, array: false }, { line: 4, array: true }]);
    expect(reader.skipped.damaged.map((d) => d.line)).toEqual([2]);
    expect(reader.skipped.torn?.line).toBe(5);
  });

  it('refuses a folder that is not a run', async () => {
    const dir = tmp();
    await expect(loadRecords(dir)).rejects.toMatchObject({ code: 'CP_RUN_FOLDER' });
    await expect(loadRecords(dir)).rejects.toBeInstanceOf(RunFolderError);
  });
});

describe('splitting the file into lines', () => {
  const lines = async (text: string | Buffer) => {
    const file = join(tmp(), 'm.jsonl');
    writeFileSync(file, text);
    const out: string[] = [];
    for await (const l of fileLines(file)) out.push(l);
    return out;
  };

  it('splits at \\n, \\r\\n and a lone \\r as readline does, with or without a last newline', async () => {
    expect(await lines('a\nb\r\nc\rd\n\ne')).toEqual(['a', 'b', 'c', 'd', '', 'e']);
    expect(await lines('a\n')).toEqual(['a']);
    expect(await lines('')).toEqual([]);
  });

  it('keeps lines longer than a read chunk, and characters cut by a chunk boundary, whole', async () => {
    // 1 MiB chunks: a 2.5 MB line of Greek (2 bytes a letter) crosses two boundaries, one inside a character.
    const long = `{"t":"${'αβγ'.repeat(420_000)}x"}`;
    const got = await lines(`{"a":1}\r\n${long}\n{"b":2}`);
    expect(got).toHaveLength(3);
    expect(got[1]).toBe(long);
    expect(got[2]).toBe('{"b":2}');
    // A \r\n split by the boundary: the \r ends the first chunk, the \n starts the next.
    const edge = 'x'.repeat((1 << 20) - 1);
    expect(await lines(`${edge}\r\ny`)).toEqual([edge, 'y']);
  });
});

describe('cutting a torn last line before appending', () => {
  it('cuts a torn last line and keeps every whole one', () => {
    const file = join(tmp(), 'm.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":3,"tor');
    expect(repairTornLine(file)).toBe('{"a":3,"tor'.length);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('leaves a whole file alone and empties a file that is one torn line', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ok.jsonl'), '{"a":1}\n');
    expect(repairTornLine(join(dir, 'ok.jsonl'))).toBe(0);
    writeFileSync(join(dir, 'torn.jsonl'), '{"a":');
    expect(repairTornLine(join(dir, 'torn.jsonl'))).toBe(5);
    expect(readFileSync(join(dir, 'torn.jsonl'), 'utf8')).toBe('');
    expect(repairTornLine(join(dir, 'absent.jsonl'))).toBe(0);
  });

  it('finds a torn line beyond the first 64 KiB read from the end', () => {
    const file = join(tmp(), 'big.jsonl');
    const long = `{"x":"${'y'.repeat(100_000)}`;
    writeFileSync(file, `{"a":1}\n${long}`);
    expect(repairTornLine(file)).toBe(long.length);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });
});
