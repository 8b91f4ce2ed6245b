// Runs `censorprobe run` in the lab's client namespace into a fresh folder: shared by the lab tests.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LabEndpoints } from '../../src/lab/index.js';
import { runProbeInLab } from '../../src/lab/probe-run.js';
import type { MeasurementRecord } from '../../src/probe/record.js';

// Consent is recorded under a throw-away config folder, never the user's own.
process.env.XDG_CONFIG_HOME ??= mkdtempSync(join(tmpdir(), 'cp-xdg-'));
// Runs are recorded in a throw-away history store too.
process.env.XDG_DATA_HOME ??= mkdtempSync(join(tmpdir(), 'cp-xdg-data-'));

export async function labProbeRun<R = Record<string, unknown>>(e: LabEndpoints, extra: string[] = []) {
  const out = join(mkdtempSync(join(tmpdir(), 'cp-run-')), 'run');
  const r = await runProbeInLab(e, out, ['--quiet', '--accept', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const records = readFileSync(join(out, 'measurements.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MeasurementRecord);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as R;
  return { out, records, report };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whole lines written so far to a file that may not exist yet (a run's measurements.jsonl). */
export function countLines(path: string): number {
  try {
    const text = readFileSync(path, 'utf8');
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}
