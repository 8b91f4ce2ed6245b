// `censorprobe history site|changes|matrix|editions`: questions across the runs in the store, each
// as text, --json or --csv. `changes --fail-on-change` exits 3 when confirmed changes exist (CI alerts).
import type { Command } from 'commander';
import { EXIT, UsageError } from '../errors.js';
import type { Format } from '../history/output.js';
import { STORE_OPTION } from './store.js';

interface Common {
  store?: string;
  json?: boolean;
  csv?: boolean;
  isp?: string;
}

function format(o: Common): Format {
  if (o.json && o.csv) throw new UsageError('--json and --csv: choose one');
  return o.json ? 'json' : o.csv ? 'csv' : 'text';
}

async function withReader<T>(o: Common, fn: (h: import('../history/read.js').HistoryReader) => Promise<T>): Promise<T> {
  const { openStore } = await import('../store/open.js');
  const { HistoryReader } = await import('../history/read.js');
  const store = await openStore(o.store);
  try {
    return await fn(await HistoryReader.open(store));
  } finally {
    await store.close();
  }
}

function when(name: string, v: string | undefined, endOfDay: boolean, parse: (t: string, e: boolean) => number | null): number | undefined {
  if (v === undefined) return undefined;
  const t = parse(v, endOfDay);
  if (t === null) throw new UsageError(`${name}: "${v}" is not a date (YYYY-MM-DD or an ISO time)`);
  return t;
}

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name}: "${v}" is not a positive whole number`);
    return n;
  };
}

export function registerHistory(program: Command): void {
  const history = program.command('history').description('questions across every run in the history store (docs/history.md)');
  const common = (c: Command) => c.option(...STORE_OPTION).option('--isp <asn|name>', 'only this ISP (AS6799, 6799 or its name)').option('--json', 'as JSON').option('--csv', 'as CSV (UTF-8 with BOM)');

  common(history.command('site').argument('<name|url>', 'a site name (with or without www.) or a listed URL').description("a site's state per ISP over time, with the first and last run of each state"))
    .action(async (what: string, o: Common) => {
      const f = format(o);
      const t = await withReader(o, async (h) => (await import('../history/site.js')).siteTimeline(h, what, o.isp));
      const out = await import('../history/output.js');
      if (f === 'json') console.log(JSON.stringify(t, null, 2));
      else if (f === 'csv') process.stdout.write(out.siteCsv(t));
      else console.log(out.siteText(t));
      if (t.length === 0) process.exitCode = EXIT.failure;
    });

  common(history.command('changes').description('what became blocked, unblocked or changed method, per ISP; confirmed when held for --confirm runs'))
    .option('--since <date>', 'changes in runs from this date (YYYY-MM-DD, UTC)')
    .option('--last <n>', "changes in each ISP's last N runs", positive('--last'))
    .option('--confirm <k>', 'a change is confirmed when it holds for K consecutive runs', positive('--confirm'), 2)
    .option('--fail-on-change', 'exit with code 3 when there are confirmed changes (for CI alerts)')
    .action(async (o: Common & { since?: string; last?: number; confirm: number; failOnChange?: boolean }) => {
      const f = format(o);
      const { parseWhen } = await import('../history/read.js');
      if (o.since !== undefined && o.last !== undefined) throw new UsageError('--since and --last: choose one');
      const since = when('--since', o.since, false, parseWhen);
      const c = await withReader(o, async (h) => (await import('../history/changes.js')).historyChanges(h, { ...(since === undefined ? {} : { since }), ...(o.last === undefined ? {} : { last: o.last }), ...(o.isp ? { isp: o.isp } : {}), confirm: o.confirm }));
      const out = await import('../history/output.js');
      if (f === 'json') console.log(JSON.stringify({ confirm: o.confirm, confirmed: c.filter((x) => x.confirmed), unconfirmed: c.filter((x) => !x.confirmed) }, null, 2));
      else if (f === 'csv') process.stdout.write(out.changesCsv(c));
      else console.log(out.changesText(c, o.confirm));
      if (o.failOnChange && c.some((x) => x.confirmed)) process.exitCode = EXIT.changes;
    });

  common(history.command('matrix').description("site x ISP: each ISP's latest verdict at a date"))
    .option('--at <date>', 'the date (default: now)')
    .action(async (o: Common & { at?: string }) => {
      const f = format(o);
      const { parseWhen } = await import('../history/read.js');
      const at = when('--at', o.at, true, parseWhen);
      const m = await withReader(o, async (h) => (await import('../history/matrix.js')).historyMatrix(h, at, o.isp));
      const out = await import('../history/output.js');
      if (f === 'json') console.log(JSON.stringify(m));
      else if (f === 'csv') process.stdout.write(out.matrixCsv(m));
      else console.log(out.matrixText(m));
    });

  common(history.command('editions').description("for each edition of a list: how long each ISP took to block its new entries, and which are still reachable"))
    .action(async (o: Common) => {
      const f = format(o);
      const e = await withReader(o, async (h) => (await import('../history/editions.js')).historyEditions(h, o.isp));
      const out = await import('../history/output.js');
      if (f === 'json') console.log(JSON.stringify(e, null, 2));
      else if (f === 'csv') process.stdout.write(out.editionsCsv(e));
      else console.log(out.editionsText(e));
    });

  history
    .command('html')
    .description('the history as one self-contained page: blocked entries per method per ISP over time, and each entry\'s timeline')
    .option(...STORE_OPTION)
    .option('--isp <asn|name>', 'only this ISP')
    .option('--out <file>', 'the page to write', 'history.html')
    .action(async (o: { store?: string; isp?: string; out: string }) => {
      const { writeFileSync } = await import('node:fs');
      const { historyPageData } = await import('../report/html/history-model.js');
      const { historyPage } = await import('../report/html/history-page.js');
      const data = await withReader(o, (h) => historyPageData(h, o.isp));
      writeFileSync(o.out, historyPage(data));
      console.log(`${o.out} (${data.isps.length} ISP(s), ${data.entries.length} entries blocked or changing)`);
    });
}
