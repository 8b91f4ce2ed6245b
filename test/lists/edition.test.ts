import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listEditions } from '../../src/lists/index.js';

describe('list editions', () => {
  it('names each file by its name only, with its SHA-256 and the entries the run took from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-ed-'));
    const file = join(dir, 'eeep.csv');
    writeFileSync(file, 'url,category_code\nhttp://a.com/,GMB\n');
    const eds = listEditions([file, join(dir, 'gone.csv')], [{ list: file }, { list: file }, { list: 'other' }]);
    expect(eds).toEqual([{ list: 'eeep.csv', sha256: createHash('sha256').update('url,category_code\nhttp://a.com/,GMB\n').digest('hex'), entries: 2 }]);
  });
});
