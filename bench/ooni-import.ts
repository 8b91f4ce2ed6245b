// `npm run bench:ooni`: `import ooni` over a generated OONI JSONL (gzip) of 100,000 web_connectivity
// measurements, shaped like OONI's (test/import/ooni-fixtures.ts: every blocking kind, a site down
// everywhere, a CDN answer, a geoblock), spread over 5 ASNs and 30 days. The import runs in a child
// process so its peak RSS is its own. Prints measurements/s and peak RSS against the targets
// (> 2,000/s, < 256 MB). Options: --measurements N, --out DIR, --keep. No network, no root.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { fixtures } from '../test/import/ooni-fixtures.js';

const { values: o } = parseArgs({
  options: {
    measurements: { type: 'string', default: '100000' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

if (o.child) {
  // The measured part: only the import, in its own process.
  const { importOoni } = await import('../src/import/ooni/index.js');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await importOoni([o.child], { out: o.out! });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ imported: r.imported, skipped: r.skipped, runs: r.runs.length, seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6, max_rss_kb: process.resourceUsage().maxRSS }));
  process.exit(0);
}

const n = Number(o.measurements);
const dir = o.out ? resolve(o.out) : mkdtempSync(join(tmpdir(), 'cp-bench-ooni-'));
mkdirSync(dir, { recursive: true });
const file = join(dir, 'ooni-gr.jsonl.gz');
const base = fixtures();
const asns = ['AS6799', 'AS3329', 'AS1241', 'AS25472', 'AS6866'];
const gz = createGzip({ level: 1 });
const sink = createWriteStream(file);
gz.pipe(sink);
for (let i = 0; i < n; i++) {
  const f = base[i % base.length]!.measurement;
  const host = `site${i}.example`;
  const day = String(1 + (i % 30)).padStart(2, '0');
  // A distinct URL per measurement: the import's work does not shrink on repeats.
  const line = JSON.stringify(f)
    .replace(/"input":"(https?):\/\/[^/"]+/, `"input":"$1://${host}`)
    .replace(/"url":"(https?):\/\/[^/"]+/g, `"url":"$1://${host}`)
    .replace(/"(hostname|server_name|Host)":"[^"]+"/g, `"$1":"${host}"`)
    .replace(/"measurement_start_time":"2024-03-05/, `"measurement_start_time":"2024-03-${day}`)
    .replace(/"probe_asn":"AS6799"/, `"probe_asn":"${asns[i % asns.length]}"`);
  if (!gz.write(`${line}\n`)) await once(gz, 'drain');
}
gz.end();
await once(sink, 'finish');
const bytes = statSync(file).size;

const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', file, '--out', join(dir, 'runs')], { encoding: 'utf8', maxBuffer: 1 << 24 });
if (child.status !== 0) {
  console.error(child.stderr);
  process.exit(1);
}
const r = JSON.parse(child.stdout) as { imported: number; skipped: Record<string, number>; runs: number; seconds: number; cpu_seconds: number; max_rss_kb: number };
const rate = r.imported / r.seconds;
const rssMb = r.max_rss_kb / 1024;
console.log(`import ooni: ${r.imported.toLocaleString('en')} measurements (${(bytes / 2 ** 20).toFixed(1)} MB gzip) into ${r.runs} run folders in ${r.seconds.toFixed(1)} s`);
console.log(`  rate     ${Math.round(rate).toLocaleString('en')} measurements/s  (target > 2,000/s: ${rate > 2000 ? 'met' : 'MISSED'})`);
// On a shared machine the wall-clock rate hides the import's own cost: its CPU time says it.
console.log(`  CPU      ${r.cpu_seconds.toFixed(1)} s, ${Math.round(r.imported / r.cpu_seconds).toLocaleString('en')} measurements per CPU second; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
console.log(`  peak RSS ${rssMb.toFixed(0)} MB  (target < 256 MB: ${rssMb < 256 ? 'met' : 'MISSED'})`);
if (Object.keys(r.skipped).length > 0) console.log(`  skipped  ${JSON.stringify(r.skipped)}`);
if (!o.keep && !o.out) rmSync(dir, { recursive: true, force: true });
process.exitCode = rate > 2000 && rssMb < 256 && r.imported === n ? 0 : 1;
