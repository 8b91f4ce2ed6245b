// `censorprobe report html|csv|merge|diff` and `censorprobe export ooni`: reports for journalists
// and lawyers, built from run folders. Thin: each command loads its part of src/report/ when it runs.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Warn } from '../report/read.js';
import { requireRunFolder } from './folders.js';

const warn: Warn = (m) => console.error(`censorprobe: warning: ${m}`);
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerReport(program: Command): void {
  const report = program.command('report').description('reports of run folders for journalists and lawyers: html, csv, merge, diff');

  report
    .command('html')
    .description('write report.html: one self-contained page (offline, English and Greek) with every entry and its evidence')
    .argument('<dir>', 'a run folder (`censorprobe run --out`)')
    .option('--out <file>', 'where to write the page (default DIR/report.html)')
    .action(async (dir: string, o: { out?: string }) => {
      requireRunFolder(dir);
      const { writeHtmlReport } = await import('../report/html/index.js');
      const r = await writeHtmlReport(dir, { ...(o.out ? { out: o.out } : {}), warn });
      console.log(`wrote ${r.path} (${r.entries} entries, ${(r.bytes / 1e6).toFixed(2)} MB)`);
    });

  report
    .command('csv')
    .description('write entries.csv (a row per entry) and kinds.csv (counts per verdict and method), UTF-8 with BOM for Excel')
    .argument('<dir>', 'a run folder')
    .option('--out <dir>', 'folder for the CSV files (default: the run folder)')
    .action(async (dir: string, o: { out?: string }) => {
      requireRunFolder(dir);
      const { writeCsvReport } = await import('../report/csv-report.js');
      const r = await writeCsvReport(dir, o.out ?? dir);
      console.log(`wrote ${r.files.join(', ')} (${r.entries} entries)`);
    });

  report
    .command('merge')
    .description('merge runs of several volunteers, ISPs or days into one entry × ISP matrix (CSV and HTML)')
    .argument('<dirs...>', 'run folders')
    .requiredOption('--out <dir>', 'folder for merge.csv, merge-totals.csv, merge-pairs.csv and merge.html')
    .action(async (dirs: string[], o: { out: string }) => {
      for (const d of dirs) requireRunFolder(d);
      const { mergeRuns, writeMerge } = await import('../report/merge.js');
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
      requireRunFolder(oldDir);
      requireRunFolder(newDir);
      const { diffRuns, formatDiff, orderIpsFromList, requireTwo, writeDiff } = await import('../report/diff.js');
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
      requireRunFolder(dir);
      const { exportOoni } = await import('../report/ooni.js');
      const r = await exportOoni(dir, { ...(o.out ? { out: o.out } : {}), warn });
      console.log(`wrote ${r.path} (${r.measurements} measurements, OONI-compatible)`);
    });
}
