import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlSink } from '../../src/report/jsonl.js';

describe('JsonlSink', () => {
  it('appends one line per value, transformed, and refuses a write after close with a coded error', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cp-jsonl-')), 'm.jsonl');
    const sink = new JsonlSink(file, (l) => l.replace('94.66.57.12', '[scrubbed]'));
    sink.write({ a: 1, ip: '94.66.57.12' });
    sink.write({ b: 'ελ' });
    sink.close();
    expect(readFileSync(file, 'utf8')).toBe('{"a":1,"ip":"[scrubbed]"}\n{"b":"ελ"}\n');
    expect(() => sink.write({ c: 3 })).toThrow(expect.objectContaining({ code: 'CP_WRITE_AFTER_CLOSE', message: expect.stringContaining(file) }));
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
  });
});
