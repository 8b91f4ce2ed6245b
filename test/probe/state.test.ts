import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { loadSettings, readRecords, repairTornLine } from '../../src/probe/state.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cp-state-'));

describe('run state', () => {
  it('cuts a torn last line and keeps every whole one', async () => {
    const file = join(tmp(), 'm.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":3,"tor');
    expect(repairTornLine(file)).toBe('{"a":3,"tor'.length);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    const seen: unknown[] = [];
    for await (const { record } of readRecords(file)) seen.push(record);
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('leaves a whole file alone and empties a file that is one torn line', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ok.jsonl'), '{"a":1}\n');
    expect(repairTornLine(join(dir, 'ok.jsonl'))).toBe(0);
    writeFileSync(join(dir, 'torn.jsonl'), '{"a":');
    expect(repairTornLine(join(dir, 'torn.jsonl'))).toBe(5);
    expect(readFileSync(join(dir, 'torn.jsonl'), 'utf8')).toBe('');
  });

  it('finds a torn line beyond the first 64 KiB read from the end', () => {
    const file = join(tmp(), 'big.jsonl');
    const long = `{"x":"${'y'.repeat(100_000)}`;
    writeFileSync(file, `{"a":1}\n${long}`);
    expect(repairTornLine(file)).toBe(long.length);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });

  it('names the line of a corrupted record instead of parsing on', async () => {
    const file = join(tmp(), 'bad.jsonl');
    writeFileSync(file, '{"a":1}\nnot json\n');
    const read = async () => {
      for await (const _ of readRecords(file)) void _;
    };
    await expect(read()).rejects.toThrow(/bad\.jsonl:2/);
  });

  it('refuses to resume a folder that is not a run', () => {
    expect(() => loadSettings(tmp())).toThrow(UsageError);
  });
});
