import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerExport, registerReport } from '../../src/commands/report.js';
import { standardEntries, writeRun } from './runs.js';

function program(): Command {
  const p = new Command('censorprobe').exitOverride();
  registerReport(p);
  registerExport(p);
  return p;
}

describe('censorprobe report / export commands', () => {
  let out: string[] = [];
  beforeEach(() => {
    out = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => void out.push(String(m)));
  });
  afterEach(() => vi.restoreAllMocks());

  it('report html, csv and export ooni write into the run folder', async () => {
    const dir = writeRun(standardEntries());
    await program().parseAsync(['node', 'censorprobe', 'report', 'html', dir]);
    await program().parseAsync(['node', 'censorprobe', 'report', 'csv', dir]);
    await program().parseAsync(['node', 'censorprobe', 'export', 'ooni', dir]);
    for (const f of ['report.html', 'entries.csv', 'kinds.csv', 'ooni.jsonl']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(out.join('\n')).toMatch(/report\.html \(27 entries/);
    expect(readFileSync(join(dir, 'ooni.jsonl'), 'utf8').trim().split('\n')).toHaveLength(27);
  });

  it('report merge and diff take several folders', async () => {
    const a = writeRun(standardEntries(), { isp: { name: 'OTE', asn: 'AS6799' }, start: new Date('2026-06-01T00:00:00Z') });
    const b = writeRun(standardEntries(), { isp: { name: 'OTE', asn: 'AS6799' }, start: new Date('2026-11-20T00:00:00Z') });
    const dest = mkdtempSync(join(tmpdir(), 'cp-cmd-'));
    await program().parseAsync(['node', 'censorprobe', 'report', 'merge', a, b, '--out', dest]);
    expect(existsSync(join(dest, 'merge.html'))).toBe(true);
    await program().parseAsync(['node', 'censorprobe', 'report', 'diff', a, b, '--order-ip', '93.190.139.103', '--out', dest]);
    expect(existsSync(join(dest, 'orders.csv'))).toBe(true);
    expect(out.join('\n')).toContain('order IP 93.190.139.103: not measured in the new run');
    expect(out.join('\n')).toContain('order IP 194.71.107.15: still unreachable since at least 2026-06-01 00:00:00 (172 days)');
  });

  it('refuses a folder that is not a run, with its code', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cp-cmd-'));
    await expect(program().parseAsync(['node', 'censorprobe', 'report', 'html', empty])).rejects.toMatchObject({ code: 'CP_RUN_FOLDER' });
  });
});
