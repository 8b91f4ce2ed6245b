// `censorprobe lists ...`: check list files, import the regulator's list as published.
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ListError, UsageError } from '../errors.js';
import type { ImportResult } from '../lists/index.js';
import { NetGuard, openGuard } from '../net/guard.js';
import { EEEP_URL } from '../lists/sources.js';

// The list modules are loaded when a command runs: the importers and the downloader are large.
const lists = () => import('../lists/index.js');

export function registerLists(program: Command): void {
  const group = program.command('lists').description('validate, import and update site lists');
  registerListsUpdate(group);

  group
    .command('check')
    .description('validate list files (OONI test-lists CSV) and print what they hold')
    .argument('<files...>', 'CSV list files')
    .action(async (files: string[]) => {
      const { formatProblem, formatSummary, loadLists, summarise } = await lists();
      const loaded = await loadLists(files);
      for (const p of loaded.problems) console.log(formatProblem(p));
      for (const d of loaded.duplicates) {
        const first = d.firstFile === d.file ? `line ${d.firstLine}` : `${d.firstFile}:${d.firstLine}`;
        console.log(`${d.file}:${d.line}: duplicate of ${first}: ${d.input}`);
      }
      const { perFile, total } = summarise(loaded, files);
      for (const s of perFile) console.log(formatSummary(s).join('\n'));
      if (files.length > 1) console.log(formatSummary(total).join('\n'));
      if (loaded.problems.length > 0) process.exitCode = 1;
    });

  const imp = group.command('import').description("convert a published list into a CSV list");
  imp
    .command('eeep')
    .description("the gaming regulator's (EEEP/HGC) blacklist as published: XLSX, PDF, or a plain .txt scrape")
    .argument('<file>', 'blacklist.xlsx, blacklist.pdf or a .txt with one entry per line')
    .option('--out <csv>', 'CSV file to write (default: standard output)')
    .option('--source <text>', 'the source column (default: "HGC/EEEP blacklist (FILE)")')
    .option('--date <YYYY-MM-DD>', 'the date_added column: the edition\'s date (default: today, UTC)')
    .action(async (file: string, opts: { out?: string; source?: string; date?: string }) => {
      const date = opts.date ?? new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
        throw new UsageError(`--date: "${date}" is not a date in the form YYYY-MM-DD`);
      }
      const { importEeep } = await lists();
      const result = await importEeep(file, { source: opts.source ?? `HGC/EEEP blacklist (${basename(file)})`, dateAdded: date });
      if (result.written === 0) throw new ListError(`${file}: no usable entries found`);
      if (opts.out === undefined) process.stdout.write(result.csv);
      else await writeFile(opts.out, result.csv);
      for (const line of importReport(file, opts.out ?? 'standard output', result)) console.error(line);
    });
}

function importReport(file: string, out: string, r: ImportResult): string[] {
  const lines = [
    `imported ${r.written} entries from ${file} to ${out}: ${r.duplicates.length} duplicates kept and marked, ${r.malformed.length} malformed left out, ${r.numbering.length} numbering irregularities`,
  ];
  const num = (n: string) => (n === '' ? '' : ` (A/A ${n})`);
  for (const m of r.malformed) lines.push(`${file}:${m.where}${num(m.number)}: malformed: ${m.reason}: ${m.input}`);
  for (const d of r.duplicates) lines.push(`${file}:${d.where}${num(d.number)}: duplicate of ${d.firstWhere}${num(d.firstNumber)}: ${d.input}`);
  for (const n of r.numbering) lines.push(`${file}:${n.where}: ${n.reason}: ${n.input}`);
  return lines;
}

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name}: "${v}" is not a positive whole number`);
  return n;
};

/** Adds `update eeep` to the `lists` command group. */
export function registerListsUpdate(lists: Command): void {
  const update = lists.command('update').description('download the current edition of a published list');
  update
    .command('eeep')
    .description("the gaming regulator's (EEEP/HGC) blacklist: download, import, and print what changed")
    .option('--url <url>', 'where to download the XLSX from', EEEP_URL)
    .option('--out <csv>', 'CSV list to replace', 'lists/eeep.csv')
    .option('--date <YYYY-MM-DD>', "the edition's date (default: from the file's title row, else Last-Modified)")
    .option('--timeout <ms>', 'give up after this long', positive('--timeout'), 120_000)
    .option('--max-bytes <n>', 'refuse a download larger than this', positive('--max-bytes'), 50 * 1024 * 1024)
    .option('--only-nets <cidrs>', 'safety guard: refuse to contact any address outside these networks')
    .action(async (opts: { url: string; out: string; date?: string; timeout: number; maxBytes: number; onlyNets?: string }) => {
      if (opts.date !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date) || Number.isNaN(Date.parse(opts.date)))) {
        throw new UsageError(`--date: "${opts.date}" is not a date in the form YYYY-MM-DD`);
      }
      const guard = opts.onlyNets === undefined ? openGuard : NetGuard.parse(opts.onlyNets);
      const { formatUpdate, updateEeep } = await import('../lists/update.js');
      const result = await updateEeep({ url: opts.url, out: opts.out, guard, timeoutMs: opts.timeout, maxBytes: opts.maxBytes, ...(opts.date === undefined ? {} : { date: opts.date }) });
      for (const line of formatUpdate(result)) console.log(line);
      const r = result.imported;
      if (r.malformed.length > 0 || r.duplicates.length > 0) {
        console.error(`${r.malformed.length} malformed entries left out, ${r.duplicates.length} duplicates kept and marked (see \`lists import eeep\` for the details)`);
      }
    });
}
