// `npm run bench:history`: a synthetic year of history (4 ISPs x 365 daily runs x 15,000 entries,
// about 22 million measurements) written straight into the store's tables in big transactions
// (COPY for PostgreSQL), then the issue's targets timed against it: recording one 15,000-entry run
// through the real path (folder read + one transaction), the SQLite file's size, `history site`,
// `history matrix`, `history changes --last 7`, and the peak memory of each command run as a real
// CLI process. Prints each target met or missed, with the reason; writes results.json.
// Options: --days N (default 365), --entries N (15000), --isps N (4), --backend sqlite|postgres|both,
// --postgres URL (default $CENSORPROBE_TEST_POSTGRES: a scratch database is created on it and
// dropped), --out DIR (default reports/bench-history), --keep (keep the SQLite file).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { historyChanges } from '../src/history/changes.js';
import { historyMatrix } from '../src/history/matrix.js';
import { HistoryReader } from '../src/history/read.js';
import { siteTimeline } from '../src/history/site.js';
import { runFromFolder } from '../src/store/from-folder.js';
import { PostgresBackend } from '../src/store/postgres.js';
import { SqliteBackend } from '../src/store/sqlite.js';
import { Store } from '../src/store/store.js';
import { bulkEntries, writeRun } from '../test/report/runs.js';
import { scratchDatabase } from './process.js';
import { generate, postgresBulk, postgresFinish, T0 } from './synthetic-year.js';

const { values: o } = parseArgs({
  options: {
    days: { type: 'string', default: '365' },
    entries: { type: 'string', default: '15000' },
    isps: { type: 'string', default: '4' },
    backend: { type: 'string', default: 'both' },
    postgres: { type: 'string' },
    out: { type: 'string', default: 'reports/bench-history' },
    keep: { type: 'boolean', default: false },
  },
});
const DAYS = Number(o.days);
const ENTRIES = Number(o.entries);
const ISPS = Number(o.isps);
const OUT = resolve(o.out!);
mkdirSync(OUT, { recursive: true });

interface Target {
  what: string;
  target: string;
  value: string;
  met: boolean;
  why?: string;
}

const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

function cliRss(args: string[]): { ms: number; rssMb: number; code: number | null } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', resolve('bench/rss-preload.mjs'), resolve('src/cli.ts'), ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const kb = Number(/cp-bench-maxrss-kb=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms: performance.now() - t, rssMb: kb / 1024, code: r.status };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

async function measure(name: string, store: Store, spec: string, total: number, targets: Target[], genMs: number, sizeBytes: () => Promise<number>): Promise<void> {
  const add = (t: Target) => {
    targets.push(t);
    console.log(`  [${t.met ? 'met' : 'MISSED'}] ${name}: ${t.what}: ${t.value} (target ${t.target})${t.why ? `: ${t.why}` : ''}`);
  };
  console.log(`${name}: ${total.toLocaleString('en')} measurements generated in ${fmt(genMs)}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  // Recording one more whole-list run through the real path: folder read and checked, one transaction.
  const folder = writeRun(bulkEntries(ENTRIES, 'casino'), { isp: { name: 'ISP 1', asn: 'AS64500' }, start: new Date((T0 + DAYS * 86_400) * 1000), dir: join(OUT, `folder-${name}`) });
  const [run, readMs] = await timed(() => runFromFolder(folder));
  const [, recMs] = await timed(() => store.record(run));
  add({ what: `record one ${ENTRIES.toLocaleString('en')}-entry run (read the folder + one transaction)`, target: '< 3 s', value: `${fmt(readMs + recMs)} (read ${fmt(readMs)}, write ${fmt(recMs)})`, met: readMs + recMs < 3000, ...(readMs + recMs >= 3000 ? { why: readMs > recMs ? 'reading and checking the 15,000 JSON lines dominates' : 'the write transaction dominates' } : {}) });
  const bytes = await sizeBytes();
  const per = bytes / total;
  add({ what: `${name === 'sqlite' ? 'SQLite file' : 'database'} size`, target: name === 'sqlite' ? '< 2 GB for the year' : 'none (SQLite only)', value: `${(bytes / 1e9).toFixed(2)} GB, ${per.toFixed(1)} bytes/measurement`, met: name !== 'sqlite' || bytes * (22e6 / total) < 2e9, ...(name === 'sqlite' && DAYS < 365 ? { why: `extrapolated to 22 M measurements: ${((per * 22e6) / 1e9).toFixed(2)} GB` } : {}) });
  const h = await HistoryReader.open(store);
  // Two sites present at any --entries: the first to warm the reader, one near the middle to time.
  const sample = `casino${Math.floor(ENTRIES / 2)}.com`;
  await siteTimeline(h, 'casino0.com');
  const [, siteMs] = await timed(() => siteTimeline(h, sample));
  add({ what: 'history site', target: '< 50 ms', value: fmt(siteMs), met: siteMs < 50 });
  const [m, matrixMs] = await timed(() => historyMatrix(h));
  add({ what: `history matrix (${m.rows.length.toLocaleString('en')} x ${m.isps.length})`, target: '< 1 s', value: fmt(matrixMs), met: matrixMs < 1000 });
  const [c, changesMs] = await timed(() => historyChanges(h, { last: 7, confirm: 2 }));
  add({ what: `history changes --last 7 (${c.filter((x) => x.confirmed).length} confirmed, ${c.filter((x) => !x.confirmed).length} unconfirmed)`, target: '< 2 s', value: fmt(changesMs), met: changesMs < 2000 });
  for (const args of [['history', 'site', sample], ['history', 'matrix', '--csv'], ['history', 'changes', '--last', '7', '--json'], ['store', 'import', folder]]) {
    const r = cliRss([...args, '--store', spec]);
    add({ what: `peak memory of \`censorprobe ${args.slice(0, 2).join(' ')}\` (as a process; ${fmt(r.ms)} with start-up)`, target: '< 256 MB', value: `${r.rssMb.toFixed(0)} MB${r.code === 0 ? '' : ` (exit ${r.code})`}`, met: r.rssMb < 256 && r.code === 0 });
  }
  rmSync(folder, { recursive: true, force: true });
}

const targets: Target[] = [];
const results: Record<string, unknown> = { days: DAYS, entries: ENTRIES, isps: ISPS, cores: cpus().length, load_average_at_start: loadavg(), targets };
if (o.backend === 'sqlite' || o.backend === 'both') {
  const file = join(OUT, 'history.sqlite');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const backend = new SqliteBackend(file);
  const store = await Store.open(backend);
  const db = backend.handle;
  db.pragma('synchronous = OFF');
  const stmts = new Map<string, ReturnType<typeof db.prepare>>();
  const t = performance.now();
  const total = await generate({ days: DAYS, entries: ENTRIES, isps: ISPS }, async (table, cols, rows) => {
    const key = `${table}:${cols.join()}`;
    let s = stmts.get(key);
    if (!s) stmts.set(key, (s = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)));
    const run = s.run.bind(s) as (...a: unknown[]) => unknown;
    for (const r of rows) run(...r);
  }, async () => void db.exec('BEGIN'), async () => void db.exec('COMMIT'));
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  const genMs = performance.now() - t;
  await measure('sqlite', store, file, total, targets, genMs, async () => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    return statSync(file).size;
  });
  await store.close();
  if (!o.keep) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}
if (o.backend === 'postgres' || o.backend === 'both') {
  const admin = o.postgres ?? process.env.CENSORPROBE_TEST_POSTGRES;
  if (!admin) throw new Error('--postgres URL or CENSORPROBE_TEST_POSTGRES is needed for the PostgreSQL half (or pass --backend sqlite)');
  const scratch = await scratchDatabase(admin, 'cp_bench');
  const spec = scratch.url;
  try {
    const backend = await PostgresBackend.connect(spec);
    const store = await Store.open(backend);
    const c = backend.handle;
    const t = performance.now();
    const total = await generate({ days: DAYS, entries: ENTRIES, isps: ISPS }, postgresBulk(c), async () => void (await c.query('BEGIN')), async () => void (await c.query('COMMIT')));
    await postgresFinish(c);
    const genMs = performance.now() - t;
    await measure('postgres', store, spec, total, targets, genMs, async () => Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n));
    await store.close();
  } finally {
    await scratch.drop();
  }
}
results.load_average_at_end = loadavg();
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const missed = targets.filter((t) => !t.met);
console.log(`\n${targets.length - missed.length} of ${targets.length} targets met${missed.length ? `; missed: ${missed.map((m) => m.what).join('; ')}` : ''}`);
