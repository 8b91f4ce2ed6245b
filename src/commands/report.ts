// `censorprobe report html|csv|merge|diff` and `censorprobe export ooni`: reports for journalists
// and lawyers, built from run folders. Thin: each command hands off to src/report/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../errors.js';
import { CsvSummarySink, safeCell } from '../report/csv.js';
import { diffRuns, formatDiff, orderIpsFromList, requireTwo, writeDiff } from '../report/diff.js';
import { writeHtmlReport } from '../report/html/index.js';
import { UI, type UiKey } from '../report/html/i18n.js';
import { LAYERS, VERDICTS } from '../report/html/model.js';
import { mergeRuns, writeMerge } from '../report/merge.js';
import { exportOoni } from '../report/ooni.js';
import { readRecords, type Warn } from '../report/run-folder/index.js';

const warn: Warn = (m) => console.error(`censorprobe: warning: ${m}`);
const collect = (v: string, prev: string[] = []) => [...prev, v];

export const ENTRIES_CSV = 'entries.csv';
export const KINDS_CSV = 'kinds.csv';

/**
 * `report csv`: entries.csv (a row per entry, the columns of summary.csv, rebuilt from the JSONL so
 * an interrupted run gets one too) and kinds.csv (entries per verdict and per method, with plain
 * labels in English and Greek). Both UTF-8 with BOM, formula-like cells neutralised.
 */
export async function writeCsvReport(dir: string, out = dir, w: Warn = warn): Promise<{ files: string[]; entries: number }> {
  mkdirSync(out, { recursive: true });
  const entriesPath = join(out, ENTRIES_CSV);
  const sink = new CsvSummarySink(entriesPath);
  const verdicts = new Map<string, number>();
  const kinds = new Map<string, number>();
  let n = 0;
  try {
    for await (const r of readRecords(dir, w)) {
      sink.write(r);
      n++;
      verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
      for (const layer of LAYERS) {
        const f = r.layers[layer];
        if (f) kinds.set(`${layer}:${f.kind}`, (kinds.get(`${layer}:${f.kind}`) ?? 0) + 1);
      }
    }
  } finally {
    sink.close();
  }
  const share = (x: number) => (n === 0 ? '0' : ((100 * x) / n).toFixed(1));
  const labelOf = (key: string, lang: 'en' | 'el') => (key in UI.en ? UI[lang][key as UiKey] : '');
  const rows: string[][] = [['group', 'name', 'label_en', 'label_el', 'entries', 'percent_of_entries']];
  for (const v of VERDICTS) rows.push(['verdict', v, labelOf(`v_${v}`, 'en'), labelOf(`v_${v}`, 'el'), String(verdicts.get(v) ?? 0), share(verdicts.get(v) ?? 0)]);
  for (const [key, count] of [...kinds.entries()].sort((a, b) => b[1] - a[1])) {
    const [layer, kind] = key.split(':') as [string, string];
    rows.push([layer, kind, labelOf(`k_${kind}`, 'en'), labelOf(`k_${kind}`, 'el'), String(count), share(count)]);
  }
  const kindsPath = join(out, KINDS_CSV);
  writeFileSync(kindsPath, `\uFEFF${stringify(rows.map((r) => r.map(safeCell)))}`);
  return { files: [entriesPath, kindsPath], entries: n };
}

export function registerReport(program: Command): void {
  const report = program.command('report').description('reports of run folders for journalists and lawyers: html, csv, merge, diff');

  report
    .command('html')
    .description('write report.html: one self-contained page (offline, English and Greek) with every entry and its evidence')
    .argument('<dir>', 'a run folder (`censorprobe run --out`)')
    .option('--out <file>', 'where to write the page (default DIR/report.html)')
    .action(async (dir: string, o: { out?: string }) => {
      const r = await writeHtmlReport(dir, { ...(o.out ? { out: o.out } : {}), warn });
      console.log(`wrote ${r.path} (${r.entries} entries, ${(r.bytes / 1e6).toFixed(2)} MB)`);
    });

  report
    .command('csv')
    .description('write entries.csv (a row per entry) and kinds.csv (counts per verdict and method), UTF-8 with BOM for Excel')
    .argument('<dir>', 'a run folder')
    .option('--out <dir>', 'folder for the CSV files (default: the run folder)')
    .action(async (dir: string, o: { out?: string }) => {
      const r = await writeCsvReport(dir, o.out ?? dir);
      console.log(`wrote ${r.files.join(', ')} (${r.entries} entries)`);
    });

  report
    .command('merge')
    .description('merge runs of several volunteers, ISPs or days into one entry × ISP matrix (CSV and HTML)')
    .argument('<dirs...>', 'run folders')
    .requiredOption('--out <dir>', 'folder for merge.csv, merge-totals.csv, merge-pairs.csv and merge.html')
    .action(async (dirs: string[], o: { out: string }) => {
      const m = await mergeRuns(dirs, warn);
      const files = writeMerge(m, o.out);
      console.log(`merged ${m.runs.length} run(s) of ${m.isps.length} ISP(s), ${m.rows.length} entries: blocked everywhere ${m.agreement.all}, somewhere ${m.agreement.some}, nowhere ${m.agreement.none}`);
      console.log(`wrote ${files.join(', ')}`);
    });

  report
    .command('diff')
    .description('what changed between two runs of one ISP, and whether IPs named in court orders are still black holes')
    .argument('<old>', 'the earlier run folder')
    .argument('<new>', 'the later run folder')
    .option('--orders <file>', 'a list naming order IPs (IP rows and an `ips` column, as lists/court-orders.csv)')
    .option('--order-ip <ip>', 'an IP named in an order (repeatable)', collect)
    .option('--out <dir>', 'also write diff.csv, orders.csv and diff.json here')
    .action(async (oldDir: string, newDir: string, o: { orders?: string; orderIp?: string[]; out?: string }) => {
      const [a, b] = requireTwo([oldDir, newDir]);
      const orderIps = [...(o.orders ? orderIpsFromList(o.orders) : []), ...(o.orderIp ?? [])];
      const d = await diffRuns(a, b, { orderIps, warn });
      console.log(formatDiff(d));
      if (o.out) console.log(`wrote ${writeDiff(d, o.out).join(', ')}`);
    });
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('measurements in other tools\' formats');
  exp
    .command('ooni')
    .description('measurements as OONI-compatible JSONL (data format 0.2.0, web_connectivity-like test keys)')
    .argument('<dir>', 'a run folder')
    .option('--out <file>', 'where to write (default DIR/ooni.jsonl)')
    .action(async (dir: string, o: { out?: string }) => {
      if (o.out === '') throw new UsageError('--out: give a file name');
      const r = await exportOoni(dir, { ...(o.out ? { out: o.out } : {}), warn });
      console.log(`wrote ${r.path} (${r.measurements} measurements, OONI-compatible)`);
    });
}
