// `lab demo`: the offline main job. Brings the lab up, runs the probe over the lab's list (the
// probe is passed in by the caller: the CLI wires `censorprobe run`), prints the results next to the
// ground truth, writes the reports under reports/demo/, and always takes the lab down again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { safeCell } from '../report/csv.js';
import { findingsLines, shownPath, type FindingsInput } from '../report/findings.js';
import { labUp } from './up.js';
import { labDown } from './down.js';
import { installMissingPackages, preflight } from './preflight.js';
import { repoRoot } from './paths.js';
import { readGroundTruth, type LabEndpoints } from './endpoints.js';

export interface ProbeVerdict {
  input: string;
  verdict: string;
}

/** Runs the probe against the lab and returns one verdict per list entry; writes its own reports into outDir. */
export type ProbeRunner = (endpoints: LabEndpoints, outDir: string) => Promise<ProbeVerdict[]>;

export interface DemoOptions {
  runProbe: ProbeRunner;
  scenarios?: string;
  intercept?: boolean;
  outDir?: string;
  print?: (line: string) => void;
}

export interface DemoRow {
  input: string;
  kind: string;
  expected: string;
  measured: string;
  match: boolean;
}

export function comparisonTable(rows: readonly DemoRow[]): string {
  const head = ['input', 'kind', 'expected', 'measured', ''];
  const cells = rows.map((r) => [r.input, r.kind, r.expected, r.measured, r.match ? 'ok' : 'MISMATCH']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export async function runDemo(opts: DemoOptions): Promise<{ rows: DemoRow[]; matched: number; outDir: string }> {
  const print = opts.print ?? ((l: string) => console.log(l));
  installMissingPackages();
  preflight();
  const outDir = path.resolve(opts.outDir ?? path.join(repoRoot, 'reports', 'demo'));
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  const endpoints = await labUp({ scenarios: opts.scenarios, intercept: opts.intercept });
  try {
    print(`lab up in ${(endpoints.up_ms / 1000).toFixed(1)} s; probing ${endpoints.list}`);
    const verdicts = new Map((await opts.runProbe(endpoints, outDir)).map((v) => [v.input, v.verdict]));
    const rows = readGroundTruth(endpoints).map((g) => {
      const measured = verdicts.get(g.input) ?? 'missing';
      return { input: g.input, kind: g.kind, expected: g.verdict, measured, match: measured === g.verdict };
    });
    const matched = rows.filter((r) => r.match).length;
    print(comparisonTable(rows));
    print(`${matched}/${rows.length} verdicts match the lab's ground truth (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    // As every CSV the project writes: UTF-8 with BOM (Excel then reads the Greek IDNs) and no cell a
    // spreadsheet would run as a formula.
    const csv = [['input', 'kind', 'expected', 'measured', 'match'], ...rows.map((r) => [r.input, r.kind, r.expected, r.measured, String(r.match)])];
    const comparison = path.join(outDir, 'lab-comparison.csv');
    writeFileSync(comparison, `\uFEFF${stringify(csv.map((r) => r.map(safeCell)))}`);
    const reportJson = path.join(outDir, 'report.json');
    if (existsSync(reportJson)) {
      const report = JSON.parse(readFileSync(reportJson, 'utf8')) as FindingsInput;
      for (const line of findingsLines(report, outDir, { htmlWritten: existsSync(path.join(outDir, 'report.html')) })) print(line);
    }
    print(`lab comparison: ${shownPath(comparison)}`);
    return { rows, matched, outDir };
  } finally {
    await labDown();
  }
}
