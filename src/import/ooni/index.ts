// `censorprobe import ooni`: OONI web_connectivity measurements re-judged by our analysis and
// written as run folders like the probe's (one per probe ASN and day by default), each line our
// record with OONI's own verdict beside ours under `ooni`. Streams every file; memory holds one
// line, the open runs' counters and their file handles.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { judge } from '../../analysis/coverage.js';
import { entryKey } from '../../lists/load.js';
import { CsvSummarySink } from '../../report/csv.js';
import { JsonlSink } from '../../report/jsonl.js';
import { RunSummary } from '../../report/summary.js';
import { Agreement } from './agreement.js';
import { jsonLines, MAX_LINE_BYTES } from './lines.js';
import { mapOoni, OoniLineError, type Mapped } from './map.js';

export type GroupBy = 'asn-day' | 'asn' | 'day' | 'report' | 'all';
export const GROUP_BY: GroupBy[] = ['asn-day', 'asn', 'day', 'report', 'all'];

export interface ImportOptions {
  out: string;
  groupBy?: GroupBy;
  maxLineBytes?: number;
  /** Networks that are not bogons here (the lab's "internet" is 198.18.0.0/15, a bogon range elsewhere). */
  routableNets?: string[];
  /** Told of each skipped line (at most the first 20 per reason) and of a file that ends early. */
  warn?: (message: string) => void;
}

export interface ImportResult {
  runs: { dir: string; entries: number }[];
  imported: number;
  skipped: Record<string, number>;
  /** The first skipped lines of each reason, with the place. */
  examples: Record<string, string[]>;
}

/** How many runs keep their files open at once; the rest are closed and reopened for appending. */
const OPEN_RUNS = 32;

interface Run {
  dir: string;
  id: string;
  asn: string;
  jsonl: JsonlSink | null;
  csv: CsvSummarySink | null;
  csvStarted: boolean;
  summary: RunSummary;
  agreement: Agreement;
  first: string;
  last: string;
  entries: number;
  softwares: Set<string>;
  /** Entries already in this run (hashed, ~30 bytes each): a run holds each entry once, as ours do and the store wants. */
  keys: Set<number>;
}

/**
 * A 52-bit hash of an entry key (two 26-bit FNV-1a halves): a number keeps the per-run sets small
 * where strings cost ~250 bytes each. A collision (about 1 in 10^5 at a million entries in one run)
 * only sends a measurement to the run's next folder; nothing is lost.
 */
export function keyHash(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 6) * 0x4000000 + (b >>> 6);
}

function groupKey(m: Mapped, by: GroupBy): string {
  const day = m.start.slice(0, 10);
  switch (by) {
    case 'asn':
      return m.ooni.probe_asn;
    case 'day':
      return day;
    case 'report':
      return (m.ooni.report_id ?? 'no-report-id').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
    case 'all':
      return 'all';
    default:
      return `${m.ooni.probe_asn}-${day}`;
  }
}

export async function importOoni(files: string[], opts: ImportOptions): Promise<ImportResult> {
  const by = opts.groupBy ?? 'asn-day';
  mkdirSync(opts.out, { recursive: true });
  const runs = new Map<string, Run>();
  const open: string[] = [];
  const skipped: Record<string, number> = {};
  const examples: Record<string, string[]> = {};
  let imported = 0;
  const skip = (reason: string, where: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
    const list = (examples[reason] ??= []);
    if (list.length < 20) {
      list.push(where);
      opts.warn?.(`${where} skipped`);
    }
  };

  const touch = (key: string, run: Run) => {
    const i = open.indexOf(key);
    if (i >= 0) open.splice(i, 1);
    open.push(key);
    if (!run.jsonl) {
      run.jsonl = new JsonlSink(join(run.dir, 'measurements.jsonl'));
      // Every row says what it describes (the day of the run's first measurement and its AS).
      run.csv = new CsvSummarySink(join(run.dir, 'summary.csv'), { runDate: run.first.slice(0, 10), isp: '', asn: run.asn }, run.csvStarted);
      run.csvStarted = true;
    }
    while (open.length > OPEN_RUNS) {
      const old = runs.get(open.shift()!)!;
      old.jsonl?.close();
      old.csv?.close();
      old.jsonl = null;
      old.csv = null;
    }
  };

  // A URL measured again in the same group (another volunteer, another hour) goes to the group's
  // next run (`-r2`, `-r3`, ...): each run folder holds an entry once, like a run of ours.
  const runFor = (m: Mapped): Run => {
    const base = groupKey(m, by);
    const entry = keyHash(entryKey(m.target));
    let key = base;
    let run = runs.get(key);
    for (let n = 2; run?.keys.has(entry); n++) {
      key = `${base}-r${n}`;
      run = runs.get(key);
    }
    if (!run) {
      const id = `ooni-${key}`;
      const dir = join(opts.out, id);
      mkdirSync(dir, { recursive: true });
      // A fresh folder each import: an earlier import's lines are replaced, not doubled.
      writeFileSync(join(dir, 'measurements.jsonl'), '');
      run = { dir, id, asn: m.ooni.probe_asn, jsonl: null, csv: null, csvStarted: false, summary: new RunSummary([]), agreement: new Agreement(), first: m.start, last: m.start, entries: 0, softwares: new Set(), keys: new Set() };
      runs.set(key, run);
    }
    touch(key, run);
    run.keys.add(entry);
    return run;
  };

  for (const file of files) {
    const name = basename(file);
    for await (const line of jsonLines(file, { maxLineBytes: opts.maxLineBytes ?? MAX_LINE_BYTES, onError: (e) => skip('unreadable-file', `${name}: ended early: ${e}`) })) {
      const where = `${name}:${line.n}`;
      if ('skipped' in line) {
        skip('line-too-long', `${where}: ${line.bytes} bytes`);
        continue;
      }
      if (line.text.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line.text);
      } catch {
        skip('bad-json', `${where}: not JSON (truncated or corrupt)`);
        continue;
      }
      let m: Mapped;
      try {
        m = mapOoni(raw, { routableNets: opts.routableNets ?? [] });
      } catch (err) {
        if (err instanceof OoniLineError) skip(err.reason, `${where}: ${err.message}`);
        else skip('malformed-test-keys', `${where}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const run = runFor(m);
      const analysis = judge({ target: m.target, test_keys: m.keys, context: m.context });
      const record = {
        input: m.target.input,
        measurement_start_time: m.start,
        test_runtime: m.runtime,
        software_name: m.software_name,
        software_version: m.software_version,
        test_name: 'censorprobe' as const,
        run_id: run.id,
        ...analysis,
        target: m.target,
        test_keys: m.keys,
        context: m.context,
        // OONI's own verdict and identity, beside ours.
        ooni: m.ooni,
      };
      const differs = run.agreement.add(m.ooni.blocking, m.ooni.accessible, analysis.verdict, analysis.missing_steps);
      run.jsonl!.write(differs ? { ...record, ooni: { ...m.ooni, differs: true } } : record);
      run.csv!.write(record);
      run.summary.add(record);
      run.entries++;
      run.softwares.add(m.ooni.software);
      if (m.start < run.first) run.first = m.start;
      if (m.start > run.last) run.last = m.start;
      imported++;
    }
  }

  for (const run of runs.values()) {
    run.jsonl?.close();
    run.csv?.close();
    const report = run.summary.toJSON({
      run_id: run.id,
      software_name: 'censorprobe import ooni',
      software_version: '',
      measurement_start_time: run.first,
      measurement_end_time: run.last,
      complete: true,
      lists: [],
      total_entries: run.entries,
      isp: { asn: run.asn.replace(/^AS/, ''), name: '' },
      settings: { source: 'ooni', files: files.map((f) => basename(f)), group_by: by, control: 'ooni test helper' },
      ooni_import: { ...run.agreement.toJSON(), software: [...run.softwares].slice(0, 20) },
    });
    writeFileSync(join(run.dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  }
  const result: ImportResult = { runs: [...runs.values()].map((r) => ({ dir: r.dir, entries: r.entries })), imported, skipped, examples };
  writeFileSync(join(opts.out, 'ooni-import.json'), `${JSON.stringify({ files: files.map((f) => basename(f)), group_by: by, ...result }, null, 2)}\n`);
  return result;
}
