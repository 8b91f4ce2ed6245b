// `npm run bench`: the whole-list benchmark in the lab. Brings the lab up with a generated scenario
// set of the list's size, runs the probe over it (plain line, then shaped like 24/1 Mbit ADSL), a
// serial subset and a 1,000 subset in the same run, prints the figures against the targets, writes
// results.json, and takes the lab down. Root needed (the lab). Options: --quick (1,000 entries),
// --entries N, --serial N, --subset N, --concurrency N|auto (default auto, as shipped), --adsl-entries N, --no-adsl, --out DIR,
// --profile (V8 CPU profiles of every probe run in OUT/profiles/, for `node --cpu-prof` analysis),
// --node-options STR (NODE_OPTIONS for the probe, e.g. a V8 heap limit), --adsl-max-rate R (the
// ADSL run with `--max-rate R`), --all-foreign (the lab's TCP resolvers too), --from-sources (the
// probe through tsx instead of the compiled dist/ with bin/censorprobe.js's node flags).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { labDown, labUp, readGroundTruth, type LabEndpoints } from '../src/lab/index.js';
import { median } from '../src/lab/endpoints.js';
import { readRecords } from '../src/report/run-folder/index.js';
import { benchRows, kindCounts, scenarioCsv, type Kind } from './scenarios.js';
import { measureProbe, type ProbeMeasure } from './probe-process.js';
import { ADSL, describeShaping, shapeAdsl, unshape } from './shape.js';
import { bandwidthBound, serialProfile, settledConcurrency, waitBound, type SerialProfile } from './ideal.js';
import { linePing, percentile } from './line-ping.js';
import { ADDR } from '../src/lab/topology.js';

const { values: o } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    entries: { type: 'string' },
    serial: { type: 'string' },
    subset: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: 'auto' },
    'no-adsl': { type: 'boolean', default: false },
    'adsl-entries': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'node-options': { type: 'string' },
    'adsl-max-rate': { type: 'string' },
    out: { type: 'string' },
    'from-sources': { type: 'boolean', default: false },
    'all-foreign': { type: 'boolean', default: false },
  },
});
const N = Number(o.entries ?? (o.quick ? 1000 : 15000));
const SERIAL = Number(o.serial ?? (o.quick ? 100 : 150));
const SUBSET = Number(o.subset);
// The probe's own default is adaptive: the benchmark measures it as shipped unless told a number.
const C: number | 'auto' = o.concurrency === 'auto' ? 'auto' : Number(o.concurrency);
// A 1 Mbit uplink carries about 20 entries/s: the whole list would take 13 minutes shaped, so the
// ADSL run takes a subset of the same mix (the bound and the ratio are per entry).
const ADSL_N = Math.min(N, Number(o['adsl-entries'] ?? 3000));
const out = resolve(o.out ?? join('reports', 'bench', new Date().toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

interface RunFigures extends ProbeMeasure {
  name: string;
  entries: number;
  concurrency: number | 'auto';
  /** The limit over time (--concurrency auto), from report.json; null for a fixed number. */
  timeline: { t: number; concurrency: number }[] | null;
  rate: number;
  correct: number;
  controlAsks: number;
  controlRateLimited: number;
  runtimes: { kind: string; s: number }[];
  counts: Record<string, number>;
  /** The probe's CPU from its first entry to its last (its --json done line), without start, calibrations, summaries. */
  loopCpuMs: { user: number; sys: number } | null;
}

/** A list holding every `stride`-th entry of the lab's list: the same mix, fewer entries. */
function subsetList(ep: LabEndpoints, n: number, file: string): string[] {
  const lines = readFileSync(ep.list, 'utf8').trim().split('\n');
  const rows = lines.slice(1);
  const stride = rows.length / n;
  const picked = Array.from({ length: n }, (_, i) => rows[Math.floor(i * stride)] as string);
  writeFileSync(file, `${[lines[0], ...picked].join('\n')}\n`);
  return picked.map((r) => r.split(',')[0] as string);
}

async function oneRun(
  name: string,
  ep: LabEndpoints,
  list: string,
  concurrency: number | 'auto',
  kindOf: Map<string, Kind>,
  truth: Map<string, string>,
  extra: string[] = [],
): Promise<RunFigures> {
  const dir = join(out, name);
  log(`${name}: ${list === ep.list ? 'the whole list' : list} at --concurrency ${concurrency}`);
  let last = 0;
  const profileDir = o.profile ? join(out, 'profiles', name) : undefined;
  // The shipped default asks DoH and UDP resolvers abroad (src/commands/run.ts DEFAULT_FOREIGN); the
  // lab also serves TCP ones for its own tests: the benchmark asks what a volunteer's run would.
  const foreign = o['all-foreign'] ? ep.foreign : ep.foreign.filter((f) => !f.startsWith('tcp://'));
  const loopP99: number[] = [];
  let loopCpuMs: RunFigures['loopCpuMs'] = null;
  const m = await measureProbe({ ...ep, list, foreign }, dir, ['--concurrency', String(concurrency), '--json', '--accept', ...extra], (line) => {
    if (!line.startsWith('{')) return;
    try {
      const p = JSON.parse(line) as { type: string; done: number; total: number; rate: number; concurrency?: number | null; loop_delay_ms?: { p99: number } | null; loop_cpu_ms?: { user: number; sys: number } | null };
      if (p.loop_delay_ms) loopP99.push(p.loop_delay_ms.p99);
      if (p.type === 'done' && p.loop_cpu_ms) loopCpuMs = p.loop_cpu_ms;
      if (p.type === 'progress' && Date.now() - last > 10_000) {
        last = Date.now();
        log(`  ${name}: ${p.done}/${p.total} ${p.rate}/s, concurrency ${p.concurrency ?? '?'}, event loop delay p99 ${p.loop_delay_ms?.p99 ?? '?'} ms`);
      }
    } catch {
      // not a progress line
    }
  }, profileDir, o['node-options'], o['from-sources']);
  if (m.code !== 0) throw new Error(`${name}: the probe exited ${m.code}: ${m.stderrTail}`);
  const runtimes: { kind: string; s: number }[] = [];
  const counts: Record<string, number> = {};
  let correct = 0;
  let controlAsks = 0;
  let controlRateLimited = 0;
  for await (const r of readRecords(dir)) {
    const kind = kindOf.get(r.input) ?? 'clean';
    runtimes.push({ kind, s: r.test_runtime });
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (truth.get(r.input) === r.verdict) correct++;
    if (r.test_keys.control !== null || r.test_keys.control_failure !== null) controlAsks++;
    if (r.test_keys.control_failure && /rate|429/i.test(r.test_keys.control_failure)) controlRateLimited++;
  }
  const entries = runtimes.length;
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { concurrency_timeline?: { t: number; concurrency: number }[] | null };
  const timeline = report.concurrency_timeline ?? null;
  const f: RunFigures = { ...m, name, entries, concurrency, timeline, rate: entries / m.wallS, correct, controlAsks, controlRateLimited, runtimes, counts, loopCpuMs };
  log(`${name}: ${entries} entries in ${m.wallS.toFixed(1)} s (${f.rate.toFixed(1)}/s), probe peak RSS ${m.probeHwmMb.toFixed(0)} MB, TIME_WAIT ${m.timeWait} (by peer port: ${m.timeWaitPorts})${timeline ? `, concurrency ${timeline.map((x) => `${x.concurrency}@${x.t}s`).join(' ')}` : ''}, verdicts right ${correct}/${entries}, event loop delay p99 per 2 s: median ${fmt(median(loopP99), 0)} ms, max ${loopP99.length ? Math.max(...loopP99) : '?'} ms`);
  return f;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '?');
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

function figuresTable(runs: RunFigures[]): string {
  const head = '| run | entries | conc. | wall s | entries/s | CPU user s | CPU sys s | CPU % of 2 cores | machine CPU % | probe peak RSS MB | tree peak RSS MB | up B/entry | down B/entry | TIME_WAIT at end | verdicts right | control asks |';
  const rows = runs.map(
    (r) =>
      `| ${r.name} | ${r.entries} | ${r.concurrency} | ${fmt(r.wallS)} | ${fmt(r.rate)} | ${fmt(r.cpuUserS)} | ${fmt(r.cpuSysS)} | ${fmt(((r.cpuUserS + r.cpuSysS) / r.wallS / 2) * 100, 0)} | ${fmt((r.machineBusyS / r.wallS / 2) * 100, 0)} | ${fmt(r.probeHwmMb, 0)} | ${fmt(r.treePeakMb, 0)} | ${fmt(r.bytesUp / r.entries, 0)} | ${fmt(r.bytesDown / r.entries, 0)} | ${r.timeWait} | ${r.correct}/${r.entries} | ${r.controlAsks}${r.controlRateLimited ? ` (${r.controlRateLimited} rate-limited)` : ''} |`,
  );
  return [head, `|${'---|'.repeat(16)}`, ...rows].join('\n');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark runs in the lab, which needs root (network namespaces, iptables, tc)');
  mkdirSync(out, { recursive: true });
  const rows = benchRows(N);
  const kindOf = new Map(rows.map((r) => [r.input, r.kind]));
  const scenarioFile = join(out, `scenarios-${N}.csv`);
  writeFileSync(scenarioFile, scenarioCsv(rows));
  log(`${N} entries: ${Object.entries(kindCounts(N)).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const pages = rows.flatMap((r) => (r.page_bytes === null ? [] : [r.page_bytes]));
  const pageMeanKb = pages.reduce((a, b) => a + b, 0) / Math.max(1, pages.length) / 1000;
  log(`pages of the ${pages.length} served sites: ${fmt(Math.min(...pages) / 1024, 0)}-${fmt(Math.max(...pages) / 1024, 0)} KiB, mean ${fmt(pageMeanKb)} KB (bench/scenarios.ts); blockpages stay short`);
  log(`results in ${out}/`);
  if (!o['from-sources']) {
    // The probe runs as shipped: the compiled dist/, built from these sources now.
    const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building dist/ failed (npm run build)');
    log('probe: dist/cli.js, built from the sources now');
  }

  let ep: LabEndpoints | null = null;
  try {
    const t0 = performance.now();
    // The control helper's per-client flood guard (10 requests/s) is raised: this measures the probe.
    ep = await labUp({ scenarios: scenarioFile, controlRate: 100_000 });
    const upS = (performance.now() - t0) / 1000;
    log(`lab up with ${N} scenarios in ${fmt(upS)} s`);
    const truth = new Map(readGroundTruth(ep).map((g) => [g.input, g.verdict]));

    const runs: RunFigures[] = [];
    const serialList = join(out, `list-serial-${SERIAL}.csv`);
    subsetList(ep, SERIAL, serialList);
    const serial = await oneRun(`serial-${SERIAL}`, ep, serialList, 1, kindOf, truth);
    runs.push(serial);
    const profile: SerialProfile = serialProfile(serial.runtimes, serial.wallS);
    let small: RunFigures | null = null;
    if (SUBSET < N) {
      const subset = join(out, `list-${SUBSET}.csv`);
      subsetList(ep, SUBSET, subset);
      small = await oneRun(`plain-${SUBSET}`, ep, subset, C, kindOf, truth);
      runs.push(small);
    }
    const plain = await oneRun(`plain-${N}`, ep, ep.list, C, kindOf, truth);
    runs.push(plain);
    let adsl: RunFigures | null = null;
    let shaping = '';
    let ping: { idleP95: number; runP95: number; idleN: number; runN: number; lost: number } | null = null;
    if (!o['no-adsl']) {
      await shapeAdsl(ep.namespaces);
      shaping = await describeShaping(ep.namespaces);
      log(`shaped: ${shaping}`);
      // The line's usability: the ISP resolver's round trip on the idle shaped line, then alongside the run.
      const pinger = linePing(ep.namespaces.client, ADDR.ispResolver);
      try {
        await new Promise((r) => setTimeout(r, 6000));
        const idle = pinger.take();
        const adslList = ADSL_N < N ? join(out, `list-adsl-${ADSL_N}.csv`) : ep.list;
        if (ADSL_N < N) subsetList(ep, ADSL_N, adslList);
        const rate = o['adsl-max-rate'];
        adsl = await oneRun(`adsl-${ADSL_N}${rate ? `-max-rate-${rate.replace('/', '-per-')}` : ''}`, ep, adslList, C, kindOf, truth, rate ? ['--max-rate', rate] : []);
        runs.push(adsl);
        const during = pinger.take();
        ping = { idleP95: percentile(idle, 95), runP95: percentile(during, 95), idleN: idle.length, runN: during.length, lost: during.filter((x) => x >= 2000).length };
      } finally {
        pinger.stop();
        await unshape(ep.namespaces);
      }
    }

    const counts = plain.counts;
    // The concurrency the run settled on (auto), or the fixed one: the wait-only ideal is taken there.
    const settled = (r: RunFigures) => (r.timeline ? settledConcurrency(r.timeline, r.wallS - profile.fixedS) : (r.concurrency as number));
    const cPlain = settled(plain);
    const idealPlain = waitBound(counts, profile, cPlain);
    const speedup = plain.rate / serial.rate;
    const ratioPlain = plain.wallS / idealPlain;
    const cpuShare = (plain.cpuUserS + plain.cpuSysS) / plain.wallS;
    const lines: string[] = [];
    lines.push(`\n## censorprobe benchmark: ${N} entries, lab on ${new Date().toISOString()}\n`);
    lines.push(`lab up: ${fmt(upS)} s; probe --concurrency ${C}, per-ip 4; serial subset ${SERIAL} entries at --concurrency 1${o['node-options'] ? `; NODE_OPTIONS=${o['node-options']}` : ''}${o.profile ? '; CPU-profiled (slower)' : ''}\n`);
    lines.push(figuresTable(runs));
    lines.push('');
    for (const r of runs) {
      if (r.timeline) lines.push(`concurrency over time, ${r.name}: ${r.timeline.map((x) => `${x.concurrency}@${x.t}s`).join(' ')} (settled: ${fmt(settled(r), 0)} time-weighted)`);
    }
    lines.push(`serial profile: mean ${fmt(profile.mean, 3)} s/entry, fixed part (start, calibrations, summaries) ${fmt(profile.fixedS)} s`);
    lines.push(`  by kind: ${Object.entries(profile.meanByKind).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ')}`);
    lines.push(`plain line: ideal ${fmt(idealPlain)} s = fixed ${fmt(profile.fixedS)} + serial waits / ${fmt(cPlain, 0)}; run/ideal ${fmt(ratioPlain, 2)}`);
    // The wait-only ideal assumes free CPU; the probe's JavaScript runs on one thread, so its own CPU
    // seconds are a second floor on the wall time.
    const cpuBound = plain.cpuUserS + plain.cpuSysS;
    lines.push(`plain line: CPU bound ${fmt(cpuBound)} s (the probe's CPU seconds, one thread); run / max(ideal, CPU bound) ${fmt(plain.wallS / Math.max(idealPlain, cpuBound), 2)}`);
    const cpuPerEntryMs = ((plain.cpuUserS + plain.cpuSysS) / plain.entries) * 1000;
    const latencyInflation = mean(plain.runtimes.map((r) => r.s)) / mean(serial.runtimes.map((r) => r.s));
    lines.push(`CPU: the probe spent ${fmt(cpuPerEntryMs)} ms of CPU per entry (user ${fmt((plain.cpuUserS / plain.entries) * 1000)}, sys ${fmt((plain.cpuSysS / plain.entries) * 1000)}): one core caps it at ${fmt(1000 / cpuPerEntryMs)} entries/s; entries took ${fmt(latencyInflation, 2)}x their serial time under load`);
    const loop = plain.loopCpuMs;
    if (loop) {
      const fixedS = plain.cpuUserS + plain.cpuSysS - (loop.user + loop.sys) / 1000;
      lines.push(`CPU in the measuring loop (first entry to last, from the probe's own --json done line): ${fmt((loop.user + loop.sys) / plain.entries, 2)} ms per entry (user ${fmt(loop.user / plain.entries, 2)}, sys ${fmt(loop.sys / plain.entries, 2)}); start, calibrations and summaries ${fmt(fixedS)} s in all`);
    }
    const labMs = ((plain.machineBusyS - plain.cpuUserS - plain.cpuSysS) / plain.entries) * 1000;
    const perEntry = (x: number) => `${fmt((x / plain.entries) * 1000, 2)} ms`;
    lines.push(`lab CPU per entry (processes that outlived the run): ${plain.labCpu.slice(0, 8).map(([l, s]) => `${l} ${perEntry(s)}`).join(', ')}; softirq (packets, netfilter) ${perEntry(plain.softirqS)}`);
    lines.push(`machine: ${fmt((plain.machineBusyS / plain.entries) * 1000)} ms of CPU per entry in all, of which the lab (its servers, other processes, the kernel's share not billed to the probe) ${fmt(labMs)} ms; the 2 cores cap probe and lab together at ${fmt(2000 / ((plain.machineBusyS / plain.entries) * 1000))} entries/s`);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    lines.push(`machine load average at the end (others' work included): ${load}`);
    let adslRatio = NaN;
    let bwAdsl = NaN;
    if (adsl) {
      // Bytes per entry from the ADSL run itself (the bound at the bytes it moved).
      bwAdsl = bandwidthBound(adsl.bytesUp, adsl.bytesDown, ADSL.upMbit, ADSL.downMbit, profile.fixedS);
      adslRatio = adsl.wallS / bwAdsl;
      lines.push(`ADSL ${ADSL.downMbit}/${ADSL.upMbit} Mbit (${shaping}): bandwidth bound ${fmt(bwAdsl)} s from ${fmt(adsl.bytesUp / adsl.entries, 0)} B up and ${fmt(adsl.bytesDown / adsl.entries, 0)} B down per entry (plus the fixed part ${fmt(profile.fixedS)} s); wait-only ideal at its concurrency ${fmt(waitBound(adsl.counts, profile, settled(adsl)))} s; run/bandwidth bound ${fmt(adslRatio, 2)}`);
      if (ping) lines.push(`ADSL line usability: ISP resolver round trip p95 ${fmt(ping.idleP95)} ms idle (${ping.idleN} queries), ${fmt(ping.runP95)} ms during the run (${ping.runN} queries, ${ping.lost} lost, counted as 2 s)`);
    }
    const kbDown = plain.bytesDown / plain.entries / 1000;
    const kbUp = plain.bytesUp / plain.entries / 1000;
    const allRight = runs.every((r) => r.correct === r.entries);
    lines.push('');
    lines.push('targets (issue 16; default settings unless said):');
    lines.push(`  >= 100x the serial rate: ${fmt(speedup)}x (${fmt(plain.rate)}/s vs ${fmt(serial.rate, 2)}/s): ${mark(speedup >= 100)}${speedup >= 100 ? '' : ` (the run's CPU bound is ${fmt(cpuBound)} s against ${fmt(plain.wallS)} s of wall time; the lab shares the 2 cores)`}`);
    lines.push(`  within 2x of the wait-only ideal at the concurrency the probe settled on (${fmt(cPlain, 0)}): ${fmt(ratioPlain, 2)}x: ${mark(ratioPlain <= 2)}${ratioPlain <= 2 ? '' : ` (the probe's own CPU, ${fmt(cpuBound)} s, is ${fmt(cpuBound / idealPlain, 2)}x the wait-only ideal)`}`);
    lines.push(`  probe CPU under 4 ms per entry: ${fmt(cpuPerEntryMs, 2)} ms: ${mark(cpuPerEntryMs < 4)}${cpuPerEntryMs < 4 ? '' : ` (measuring loop ${loop ? fmt((loop.user + loop.sys) / plain.entries, 2) : '?'} ms; what is left is the TLS handshakes, sockets and JSON of each entry, see docs/performance.md "Probe CPU per entry")`}`);
    lines.push(`  bytes down under 30 KB per entry: ${fmt(kbDown, 2)} KB: ${mark(kbDown < 30)} (served pages of 8-256 KiB, mean ${fmt(pageMeanKb)} KB, as real sites'; each read up to 16 KiB)`);
    lines.push(`  bytes up under 4 KB per entry: ${fmt(kbUp, 2)} KB: ${mark(kbUp < 4)}`);
    lines.push(`  TIME_WAIT sockets at the end under 2,000: ${plain.timeWait} (client namespace, after plain-${N}): ${mark(plain.timeWait < 2000)}`);
    if (adsl) {
      lines.push(`  ADSL within 1.3x of the bandwidth bound: ${fmt(adslRatio, 2)}x: ${mark(adslRatio <= 1.3)}`);
      const added = ping ? ping.runP95 - ping.idleP95 : NaN;
      lines.push(`  ADSL line usable, under 100 ms added p95 to the ISP resolver: ${ping ? `${fmt(added, 0)} ms` : 'not measured'}: ${ping ? mark(added < 100) : 'not measured'}`);
      lines.push(`  ADSL no wrong verdict from queueing: ${adsl.correct}/${adsl.entries}: ${mark(adsl.correct === adsl.entries)}`);
    } else {
      lines.push('  ADSL targets: not measured (--no-adsl)');
    }
    lines.push(`  peak RSS under 256 MB for the whole list: probe ${fmt(plain.probeHwmMb, 0)} MB, tree ${fmt(plain.treePeakMb, 0)} MB: ${mark(plain.probeHwmMb < 256)}`);
    // Flat: within the whole-list run, RSS a quarter of the way through against three quarters (the
    // heap has reached its steady size by then; a leak would show as growth), and the peaks of the
    // small and the whole run for comparison (a short run ends before V8 has grown its heap to the cap).
    const at = (xs: number[], f: number) => median(xs.slice(Math.floor(xs.length * f) - 2, Math.floor(xs.length * f) + 3));
    const q1 = at(plain.rssSamples, 0.25);
    const q3 = at(plain.rssSamples, 0.75);
    const within = q3 / q1;
    const peaks = small ? `; peaks ${SUBSET}: ${fmt(small.probeHwmMb, 0)} MB, ${N}: ${fmt(plain.probeHwmMb, 0)} MB (x${fmt(plain.probeHwmMb / small.probeHwmMb, 2)} for x${fmt(N / SUBSET, 0)} entries)` : '';
    lines.push(`  flat as N grows: RSS at 25 % of the ${N} run ${fmt(q1, 0)} MB, at 75 % ${fmt(q3, 0)} MB (x${fmt(within, 2)})${peaks}: ${mark(within <= 1.1)}`);
    lines.push(`  verdicts unchanged, every entry right in each run: ${runs.map((r) => `${r.name} ${r.correct}/${r.entries}`).join(', ')}: ${mark(allRight)}`);
    const report = lines.join('\n');
    console.log(report);
    writeFileSync(join(out, 'results.md'), `${report}\n`);
    writeFileSync(
      join(out, 'results.json'),
      `${JSON.stringify({ entries: N, concurrency: C, settled_concurrency: cPlain, lab_up_s: upS, profile, ideal_plain_s: idealPlain, speedup, ratio_plain: ratioPlain, ratio_adsl: adslRatio, bandwidth_bound_adsl_s: bwAdsl, ping, runs: runs.map(({ runtimes: _r, ...r }) => r) }, null, 2)}\n`,
    );
  } finally {
    if (ep) await unshape(ep.namespaces).catch(() => undefined);
    await labDown();
    log('lab down');
  }
}

// Interrupted (Ctrl-C, a timeout): the lab is one per machine, so it is taken down before leaving.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: taking the lab down`);
    void labDown().finally(() => process.exit(130));
  });
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
