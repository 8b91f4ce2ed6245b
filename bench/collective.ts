// `npm run bench:collective`: N volunteers (default 50) upload a whole-list run each (default 15,000
// entries) to one collective server at once, on loopback. Prints: every run stored exactly once (or
// not), the upload throughput, the time per run (median, p95, max) and the server's peak RSS against
// the 512 MB target. The server runs as its own process from dist/ (npm run build first), with the
// heap cap of docker-compose.yml. Needs a PostgreSQL: --store URL, else a fresh database on
// CENSORPROBE_TEST_POSTGRES (dropped at the end, also on Ctrl-C). Options: --volunteers N, --entries N, --chunk KIB, --out FILE (JSON),
// --records lab|generated: `lab` (the default) cycles the recorded lab run's records
// (test/fixtures/analysis/lab-run.jsonl: every verdict, ~13 KiB each with their observations, as a
// real run's are), each with a host of its own; `generated` the report tests' short records.
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Bundle } from '../src/collective/bundle.js';
import { openCollectiveDb } from '../src/collective/serve.js';
import { addToken } from '../src/collective/tokens.js';
import { uploadBundle } from '../src/collective/upload-client.js';
import { openGuard } from '../src/net/guard.js';
import { bulkEntries, writeRun } from '../test/report/runs.js';
import { freePort, peakRssBytes, scratchDatabase } from './process.js';

const { values: o } = parseArgs({
  options: {
    volunteers: { type: 'string', default: '50' },
    entries: { type: 'string', default: '15000' },
    chunk: { type: 'string', default: '256' },
    store: { type: 'string' },
    out: { type: 'string' },
    records: { type: 'string', default: 'lab' },
  },
});
if (o.records !== 'lab' && o.records !== 'generated') throw new Error('--records is lab or generated');
const N = Number(o.volunteers);
const ENTRIES = Number(o.entries);
const root = join(import.meta.dirname, '..');

/**
 * ENTRIES records as a real run writes them: the recorded lab run's lines in turn, each given a host
 * of its own (rN.HOST everywhere the host appears) so that every line is another entry, the run id
 * "base", the list path cut to its name as the client does. Lines holding 127.0.0.1 (a bogon answer)
 * are left out: on loopback that is the uploader's own address, and the server would refuse the run.
 */
function labRecords(dir: string): void {
  const lab = readFileSync(join(root, 'test', 'fixtures', 'analysis', 'lab-run.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.includes('127.0.0.1'));
  const bases = lab.map((line) => {
    const r = JSON.parse(line) as { target: { host: string; list?: string } };
    return { line: line.replaceAll('"run_id":"demo"', '"run_id":"base"').replaceAll(JSON.stringify(r.target.list ?? ''), JSON.stringify(basename(r.target.list ?? 'list.csv'))), host: r.target.host };
  });
  const out: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const b = bases[i % bases.length]!;
    out.push(b.line.split(b.host).join(`r${i}.${b.host}`));
  }
  writeFileSync(join(dir, 'measurements.jsonl'), `${out.join('\n')}\n`);
}

/** The base run's upload with another run id in every line, compressed as the client does. */
async function bundleFor(dir: string, runId: string): Promise<Bundle> {
  const gzip = createGzip({ level: 6 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gzip.once('end', r));
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown>;
  gzip.write(`${JSON.stringify({ format: 'censorprobe-run-upload', version: 1, run_id: runId, report: { ...report, run_id: runId } })}\n`);
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(join(dir, 'measurements.jsonl'), 'utf8'), crlfDelay: Infinity })) {
    if (!gzip.write(`${line.replace('"run_id":"base"', `"run_id":"${runId}"`)}\n`)) await new Promise((r) => gzip.once('drain', r));
    n++;
  }
  gzip.end();
  await done;
  const bytes = Buffer.concat(out);
  return { run_id: runId, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), records: n };
}


const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

let server: ReturnType<typeof spawn> | null = null;

async function stopServer(): Promise<void> {
  const s = server;
  if (!s || s.exitCode !== null || s.signalCode !== null) return;
  s.kill('SIGTERM');
  await new Promise((r) => s.once('exit', r));
}

async function main(): Promise<void> {
  let scratch: { url: string; drop: () => Promise<void> } | null = null;
  if (!o.store) {
    const admin = process.env.CENSORPROBE_TEST_POSTGRES;
    if (!admin) throw new Error('give --store postgres://... or set CENSORPROBE_TEST_POSTGRES');
    scratch = await scratchDatabase(admin, 'cp_bench_collective', stopServer);
  }
  try {
    await measure(o.store ?? scratch!.url);
  } finally {
    await stopServer();
    await scratch?.drop();
  }
}

async function measure(store: string): Promise<void> {
  console.log(`collective load benchmark: ${N} volunteers x ${ENTRIES.toLocaleString('en')}-entry runs (${o.records === 'lab' ? "the recorded lab run's records" : 'generated records'}), chunks of ${o.chunk} KiB, on loopback`);
  const t0 = performance.now();
  const dir = writeRun(bulkEntries(ENTRIES), { runId: 'base', isp: { name: 'Cosmote', asn: 'AS6799' } });
  if (o.records === 'lab') labRecords(dir);
  const db = await openCollectiveDb(store);
  const tokens: string[] = [];
  for (let i = 0; i < N; i++) tokens.push(await addToken(db, `volunteer-${i}`));
  await db.close();
  const bundles: Bundle[] = [];
  for (let i = 0; i < N; i++) bundles.push(await bundleFor(dir, `bench-${i}`));
  const raw = readFileSync(join(dir, 'measurements.jsonl')).length;
  console.log(`prepared in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${(raw / ENTRIES / 1024).toFixed(1)} KiB per entry raw, ${(bundles[0]!.bytes.length / 1024 / 1024).toFixed(1)} MiB per run compressed`);

  const port = await freePort();
  server = spawn(process.execPath, ['--max-old-space-size=384', join(root, 'dist', 'cli.js'), 'collective', 'serve', '--listen', `127.0.0.1:${port}`, '--store', store, '--only-nets', '127.0.0.0/8', '--resolver', '127.0.0.1', '--runs-per-day', '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server!.stdout!.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
    server!.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const pid = server.pid!;
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, peakRssBytes(pid))), 200);

  const started = performance.now();
  const times: number[] = [];
  const results = await Promise.all(bundles.map(async (b, i) => {
    const t = performance.now();
    const r = await uploadBundle(dir, b, { url: `http://127.0.0.1:${port}`, token: tokens[i]!, guard: openGuard, chunkBytes: Number(o.chunk) * 1024, attempts: 20 });
    times.push((performance.now() - t) / 1000);
    return r;
  }));
  const wall = (performance.now() - started) / 1000;
  rssPeak = Math.max(rssPeak, peakRssBytes(pid));
  clearInterval(sampler);
  await stopServer();

  const c = new pg.Client({ connectionString: store });
  await c.connect();
  const runs = Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE run_id LIKE 'bench-%'")).rows[0]!.n);
  const distinct = Number((await c.query<{ n: string }>("SELECT count(DISTINCT run_id) AS n FROM runs WHERE run_id LIKE 'bench-%'")).rows[0]!.n);
  const measurements = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM measurements')).rows[0]!.n);
  await c.end();
  const bytes = bundles.reduce((n, b) => n + b.bytes.length, 0);
  const figures = {
    volunteers: N, entries: ENTRIES, records: o.records, raw_kib_per_entry: raw / ENTRIES / 1024, compressed_mib_per_run: bundles[0]!.bytes.length / 1024 / 1024, stored: results.filter((r) => r.outcome === 'stored').length, runs_in_store: runs, distinct_runs: distinct,
    measurements, expected_measurements: N * ENTRIES, wall_s: wall, compressed_mib: bytes / 1024 / 1024, throughput_mib_s: bytes / 1024 / 1024 / wall,
    runs_per_min: (N / wall) * 60, per_run_s: { median: pct(times, 50), p95: pct(times, 95), max: Math.max(...times) }, server_peak_rss_mb: rssPeak / 1024 / 1024,
  };
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  console.log(`every run stored exactly once: ${runs === N && distinct === N && measurements === N * ENTRIES ? 'yes' : 'NO'} (${runs} runs, ${measurements.toLocaleString('en')} measurements)`);
  console.log(`wall ${wall.toFixed(1)} s; ${figures.compressed_mib.toFixed(0)} MiB compressed at ${figures.throughput_mib_s.toFixed(2)} MiB/s; ${figures.runs_per_min.toFixed(1)} runs/min`);
  console.log(`time per run: median ${figures.per_run_s.median.toFixed(1)} s, p95 ${figures.per_run_s.p95.toFixed(1)} s, max ${figures.per_run_s.max.toFixed(1)} s`);
  console.log(`server peak RSS ${figures.server_peak_rss_mb.toFixed(0)} MB (target < 512 MB: ${ok(figures.server_peak_rss_mb < 512)})`);
  if (o.out) writeFileSync(o.out, `${JSON.stringify(figures, null, 2)}\n`);
}

await main();
