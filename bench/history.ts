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
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { historyChanges } from '../src/history/changes.js';
import { historyMatrix } from '../src/history/matrix.js';
import { HistoryReader } from '../src/history/read.js';
import { siteTimeline } from '../src/history/site.js';
import { runFromFolder } from '../src/store/from-folder.js';
import { PostgresBackend } from '../src/store/postgres.js';
import { SEEDED_LABELS } from '../src/store/schema.js';
import { SqliteBackend } from '../src/store/sqlite.js';
import { Store } from '../src/store/store.js';
import { bulkEntries, writeRun } from '../test/report/runs.js';

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

const L = Object.fromEntries(SEEDED_LABELS.map((n, i) => [n, i + 1])) as Record<(typeof SEEDED_LABELS)[number], number>;
/** A state: verdict code and the four layer codes (0 = none). */
type State = [number, number, number, number, number];
const S = {
  ok: [L.ok, 0, 0, 0, 0],
  nx: [L.dns, L.nxdomain, 0, 0, 0],
  page: [L.dns, L.blockpage, 0, 0, 0],
  sni: [L.dpi, 0, 0, L.sni, 0],
  drop: [L.ip, 0, L.drop, 0, 0],
  down: [L.down, 0, 0, 0, 0],
  inc: [L.inconclusive, 0, 0, 0, 0],
  geo: [L.geoblock, 0, 0, 0, 0],
} satisfies Record<string, State>;
/** How each ISP blocks (its usual method) and how well it enforces. */
const STYLES: State[] = [S.nx, S.page, S.sni, S.nx];

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

/** The synthetic year: editions add entries monthly; blocks start and end; flaps last one run. */
class Year {
  readonly initial = Math.round(ENTRIES * 0.95);
  readonly perEdition = Math.ceil((ENTRIES - this.initial) / 12);
  private readonly states: State[][] = [];
  constructor() {
    const r = rng(42);
    for (let i = 0; i < ISPS; i++) {
      this.states.push(Array.from({ length: ENTRIES }, () => {
        const x = r();
        return x < 0.86 ? STYLES[i % STYLES.length]! : x < 0.92 ? S.ok : x < 0.96 ? S.down : x < 0.97 ? S.drop : x < 0.98 ? S.geo : S.ok;
      }));
    }
  }
  /** Entries listed on a day (0-based): the first edition's, plus each monthly edition's additions. */
  listed(day: number): number {
    return Math.min(ENTRIES, this.initial + this.perEdition * Math.floor(day / 30));
  }
  edition(day: number): number {
    return Math.floor(day / 30);
  }
  /** Moves the year one day on for one ISP and returns that day's states (flaps only for the day). */
  day(isp: number, day: number, r: () => number): State[] {
    const st = this.states[isp]!;
    const n = this.listed(day);
    const out: State[] = new Array(n);
    for (let e = 0; e < n; e++) {
      const x = r();
      if (x < 0.0015) st[e] = st[e] === S.ok ? STYLES[isp % STYLES.length]! : S.ok; // a block starts or ends
      else if (x < 0.0018) st[e] = st[e] === S.nx ? S.sni : st[e] === S.sni ? S.nx : st[e]!; // a method change
      out[e] = x > 0.995 ? (r() < 0.5 ? S.inc : S.ok) : st[e]!; // a one-run flap
    }
    return out;
  }
}

interface Target {
  what: string;
  target: string;
  value: string;
  met: boolean;
  why?: string;
}

const T0 = Date.parse('2026-01-01T03:17:00Z') / 1000;
const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

async function generate(store: Store, bulk: (table: string, cols: string[], rows: (number | string | null)[][]) => Promise<void>, begin: () => Promise<void>, commit: () => Promise<void>): Promise<number> {
  const year = new Year();
  const ispRows = Array.from({ length: ISPS }, (_, i) => [i + 1, `${64500 + i}|ISP ${i + 1}`, 64500 + i, `ISP ${i + 1}`]);
  await begin();
  await bulk('isps', ['id', 'key', 'asn', 'name'], ispRows);
  await bulk('entries', ['id', 'key', 'input', 'url', 'host', 'category'], Array.from({ length: ENTRIES }, (_, e) => [e + 1, `http://casino${e}.com:80/`, `casino${e}.com`, `http://casino${e}.com/`, `casino${e}.com`, 'GMB']));
  // Strings: each entry's true address, the blockpage IPs, the failure strings.
  const strings: (number | string)[][] = Array.from({ length: ENTRIES }, (_, e) => [e + 1, `198.51.${(e >> 8) & 255}.${e & 255}`]);
  const FAIL = { nx: ENTRIES + 1, reset: ENTRIES + 2, timeout: ENTRIES + 3, page: ENTRIES + 4 };
  strings.push([FAIL.nx, 'dns_nxdomain_error'], [FAIL.reset, 'connection_reset'], [FAIL.timeout, 'generic_timeout_error'], [FAIL.page, '83.235.64.20']);
  await bulk('strings', ['id', 'key'], strings);
  const editions = year.edition(DAYS - 1) + 1;
  await bulk('editions', ['id', 'key', 'list', 'sha256', 'entries', 'hashed'], Array.from({ length: editions }, (_, k) => [k + 1, `eeep.csv|${k}`, 'eeep.csv', k.toString(16).padStart(64, '0'), year.listed(k * 30), 'file']));
  const ee: number[][] = [];
  for (let k = 0; k < editions; k++) for (let e = 0; e < year.listed(k * 30); e++) ee.push([k + 1, e + 1]);
  await bulk('entry_editions', ['edition', 'entry'], ee);
  await commit();
  let runId = 0;
  let total = 0;
  const r = rng(7);
  for (let d = 0; d < DAYS; d++) {
    await begin();
    for (let i = 0; i < ISPS; i++) {
      runId++;
      const started = T0 + d * 86_400 + i * 600;
      const states = year.day(i, d, r);
      await bulk('runs', ['id', 'run_id', 'started', 'ended', 'hash', 'isp', 'software_version', 'complete', 'entries', 'total_entries', 'latency_penalty', 'intercepted', 'facts', 'recorded_at'],
        [[runId, `run-${d}-${i}`, started, started + 3000, `h${runId}`, i + 1, '0.1.0', 1, states.length, states.length, 12.5, 0, '{}', started + 3100]]);
      await bulk('run_editions', ['run', 'edition'], [[runId, year.edition(d) + 1]]);
      const rows: (number | null)[][] = new Array(states.length);
      for (let e = 0; e < states.length; e++) {
        const s = states[e]!;
        const blockedDns = s[1] !== 0;
        rows[e] = [runId, e + 1, s[0], s[1] || null, s[2] || null, s[3] || null, s[4] || null,
          s[1] === L.blockpage ? FAIL.page : null, e + 1, s[1] === L.nxdomain ? FAIL.nx : s[2] ? FAIL.timeout : s[3] ? FAIL.reset : null,
          blockedDns || s[0] === L.ok ? 1 : 2, Math.floor((e * 3000) / states.length), e + 1];
      }
      await bulk('measurements', ['run', 'entry', 'verdict', 'dns', 'ip', 'dpi', 'url', 'isp_answer', 'truth', 'failure', 'control', 't', 'line'], rows);
      await bulk('ip_states', ['run', 'role', 'ip', 'here', 'control', 'names'], Array.from({ length: 20 }, (_, k) => [runId, 1, k + 1, d > 200 && k < 5 ? 1 : 2, 1, 3]));
      total += rows.length;
    }
    await commit();
    if (d % 30 === 29 || d === DAYS - 1) process.stderr.write(`  generated day ${d + 1}/${DAYS}: ${total.toLocaleString('en')} measurements\n`);
  }
  return total;
}

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
  add({ what: 'record one 15,000-entry run (read the folder + one transaction)', target: '< 3 s', value: `${fmt(readMs + recMs)} (read ${fmt(readMs)}, write ${fmt(recMs)})`, met: readMs + recMs < 3000, ...(readMs + recMs >= 3000 ? { why: readMs > recMs ? 'reading and checking the 15,000 JSON lines dominates' : 'the write transaction dominates' } : {}) });
  const bytes = await sizeBytes();
  const per = bytes / total;
  add({ what: `${name === 'sqlite' ? 'SQLite file' : 'database'} size`, target: name === 'sqlite' ? '< 2 GB for the year' : 'none (SQLite only)', value: `${(bytes / 1e9).toFixed(2)} GB, ${per.toFixed(1)} bytes/measurement`, met: name !== 'sqlite' || bytes * (22e6 / total) < 2e9, ...(name === 'sqlite' && DAYS < 365 ? { why: `extrapolated to 22 M measurements: ${((per * 22e6) / 1e9).toFixed(2)} GB` } : {}) });
  const h = await HistoryReader.open(store);
  await siteTimeline(h, 'casino77.com'); // warm
  const [, siteMs] = await timed(() => siteTimeline(h, 'casino1234.com'));
  add({ what: 'history site', target: '< 50 ms', value: fmt(siteMs), met: siteMs < 50 });
  const [m, matrixMs] = await timed(() => historyMatrix(h));
  add({ what: `history matrix (${m.rows.length.toLocaleString('en')} x ${m.isps.length})`, target: '< 1 s', value: fmt(matrixMs), met: matrixMs < 1000 });
  const [c, changesMs] = await timed(() => historyChanges(h, { last: 7, confirm: 2 }));
  add({ what: `history changes --last 7 (${c.filter((x) => x.confirmed).length} confirmed, ${c.filter((x) => !x.confirmed).length} unconfirmed)`, target: '< 2 s', value: fmt(changesMs), met: changesMs < 2000 });
  for (const args of [['history', 'site', 'casino1234.com'], ['history', 'matrix', '--csv'], ['history', 'changes', '--last', '7', '--json'], ['store', 'import', folder]]) {
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
  const total = await generate(store, async (table, cols, rows) => {
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
  const name = `cp_bench_${Date.now().toString(36)}`;
  const a = new pg.Client({ connectionString: admin });
  await a.connect();
  await a.query(`CREATE DATABASE ${name}`);
  await a.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const spec = u.toString();
  try {
    const backend = await PostgresBackend.connect(spec);
    const store = await Store.open(backend);
    const c = backend.handle;
    const t = performance.now();
    const total = await generate(store, async (table, cols, rows) => {
      if (rows.length < 50) {
        await c.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${rows.map((r, i) => `(${r.map((_, j) => `$${i * r.length + j + 1}`).join(', ')})`).join(', ')}`, rows.flat());
        return;
      }
      const stream = c.query(copyFrom(`COPY ${table} (${cols.join(', ')}) FROM STDIN`));
      const text = rows.map((r) => r.map((v) => (v === null ? '\\N' : String(v))).join('\t')).join('\n') + '\n';
      await new Promise<void>((res, rej) => {
        stream.on('error', rej);
        stream.on('finish', () => res());
        stream.end(text);
      });
    }, async () => void (await c.query('BEGIN')), async () => void (await c.query('COMMIT')));
    for (const tbl of ['isps', 'runs', 'entries', 'strings', 'editions']) await c.query(`SELECT setval(pg_get_serial_sequence('${tbl}', 'id'), (SELECT MAX(id) FROM ${tbl}))`);
    await c.query('VACUUM ANALYZE');
    const genMs = performance.now() - t;
    await measure('postgres', store, spec, total, targets, genMs, async () => Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n));
    await store.close();
  } finally {
    const d = new pg.Client({ connectionString: admin });
    await d.connect();
    await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await d.end();
  }
}
results.load_average_at_end = loadavg();
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const missed = targets.filter((t) => !t.met);
console.log(`\n${targets.length - missed.length} of ${targets.length} targets met${missed.length ? `; missed: ${missed.map((m) => m.what).join('; ')}` : ''}`);
