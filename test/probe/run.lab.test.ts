// The probe judged in the lab: `censorprobe run` in the client namespace over the lab's list must
// give every scenario its ground-truth verdict and layers, with no false positive, with and without
// the ISP's transparent DNS proxy; report.json's interception flag and latency penalty must agree
// with the lab's configuration.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { labUp, readEndpoints, readGroundTruth, type LabEndpoints } from '../../src/lab/index.js';
import { runProbeInLab } from '../../src/lab/probe-run.js';
import type { MeasurementRecord } from '../../src/record.js';
import { measureLabLatency } from '../lab/latency.js';
import { labProbeRun } from './lab-run.js';

interface Report {
  complete: boolean;
  counts: Record<string, number>;
  latency_penalty: number | null;
  latency: unknown;
  dns_interception: { detected: boolean; resolvers: string[] };
  settings: { only_nets: string[]; concurrency: number | 'auto' };
  concurrency_timeline: { t: number; concurrency: number }[] | null;
  isp: { name: string; simulated: boolean; asn: number | null } | null;
  probe_asn: string | null;
  probe_ip: string | null;
  asn_data: { version: string; file: string };
  lists: { file: string; entries: number; edition: string | null; sha256: string }[];
  measurement_start_time: string;
  collateral: { address: string; entries: number; sharing: { input: string }[] }[];
  control_asks: { asked: number; entries: number; per_entry: number } | null;
}

// The volunteer's address as the lab's world sees it (the client namespace's), which every lab site
// echoes in a header: the seed that must be scrubbed from every output file.
const CLIENT_ADDRESS = '198.18.0.2';

const probeRun = (e: LabEndpoints) => labProbeRun<Report>(e);

// A volunteer's machine: the list and the reports under a home folder whose name is a login. No
// output may name that folder, the login, the checkout or the real home: lists are recorded by
// name, edition and hash, data files by name and version.
const LOGIN = 'cpvolunteer';
async function probeRunAtHome(e: LabEndpoints) {
  const home = join(mkdtempSync(join(tmpdir(), 'cp-home-')), 'home', LOGIN);
  mkdirSync(join(home, 'lists'), { recursive: true });
  const list = join(home, 'lists', 'greek-isp.csv');
  copyFileSync(e.list, list);
  const out = join(home, 'reports', 'run');
  const saved = process.env.HOME;
  process.env.HOME = home;
  try {
    const r = await runProbeInLab({ ...e, list }, out, ['--quiet', '--accept']);
    expect(r.code, r.stderr).toBe(0);
  } finally {
    process.env.HOME = saved;
  }
  const records = readFileSync(join(out, 'measurements.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MeasurementRecord);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
  return { out, records, report, home, list };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

function expectNothingPersonal(out: string, home: string) {
  const repo = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
  const forbidden = [home, LOGIN, repo, tmpdir()];
  if (homedir() !== '/') forbidden.push(`${homedir()}/`);
  forbidden.push(`/${userInfo().username}/`);
  for (const file of filesUnder(out)) {
    const text = readFileSync(file, 'utf8');
    for (const f of forbidden) expect(text.includes(f), `${file.slice(out.length)} holds "${f}"`).toBe(false);
  }
}

function compare(e: LabEndpoints, records: MeasurementRecord[]) {
  const byInput = new Map(records.map((r) => [r.input, r]));
  const wrong: string[] = [];
  let falsePositives = 0;
  for (const g of readGroundTruth(e)) {
    const r = byInput.get(g.input);
    if (!r) {
      wrong.push(`${g.input}: missing`);
      continue;
    }
    const kinds = { dns: r.layers.dns?.kind ?? null, ip: r.layers.ip?.kind ?? null, dpi: r.layers.dpi?.kind ?? null, url: r.layers.url?.kind ?? null };
    if (r.verdict !== g.verdict || JSON.stringify(kinds) !== JSON.stringify(g.layers)) {
      wrong.push(`${g.input} (${g.kind}): expected ${g.verdict} ${JSON.stringify(g.layers)}, got ${r.verdict} ${JSON.stringify(kinds)}: ${r.reason}`);
    }
    // geoblock (the site's own refusal) is never censorship: calling it a block is a false positive.
    const blocked = ['dns', 'ip', 'dpi', 'url'].includes(r.verdict);
    if (blocked && !['dns', 'ip', 'dpi', 'url'].includes(g.verdict)) falsePositives++;
  }
  return { wrong, falsePositives, total: readGroundTruth(e).length };
}

describe('censorprobe run in the lab', () => {
  for (const intercept of [false, true]) {
    it(`gives every scenario its ground truth ${intercept ? 'behind a transparent DNS proxy' : 'on a plain line'}`, async () => {
      let e = readEndpoints();
      if (e.intercept !== intercept) e = await labUp({ intercept });
      expect(e.control_running, 'the control helper must run in the lab').toBe(true);
      const { out, records, report, home, list } = intercept ? { ...(await probeRun(e)), home: null, list: null } : await probeRunAtHome(e);
      const { wrong, falsePositives, total } = compare(e, records);
      expect(records.length).toBe(total);
      expect(new Set(records.map((r) => r.input)).size).toBe(total);
      expect(wrong).toEqual([]);
      expect(falsePositives).toBe(0);
      expect(report.complete).toBe(true);
      expect(report.settings.only_nets).toEqual([e.only_nets]);
      // The default is the adaptive concurrency: it starts at 16 and its changes are in report.json.
      expect(report.settings.concurrency).toBe('auto');
      expect(report.concurrency_timeline![0]).toEqual({ t: 0, concurrency: 16 });
      expect(report.dns_interception.detected).toBe(intercept);
      expect(report.isp).toMatchObject({ simulated: true });
      expect(report.probe_ip).toBe('[scrubbed]');
      expect(report.asn_data.version).toMatch(/\d/);
      // Collateral damage: each bystander is listed with the IP-blocked site whose address it shares.
      const truths = readGroundTruth(e);
      for (const g of truths.filter((x) => /^bystander/.test(x.notes))) {
        const hit = report.collateral.find((c) => c.sharing.some((s) => s.input === g.input));
        expect(hit, `${g.input} in report.json's collateral`).toBeDefined();
        expect(hit!.entries).toBeGreaterThanOrEqual(2);
      }
      // The control is asked only where the page was not shown to be the site from here.
      expect(report.control_asks!.entries).toBe(total);
      expect(report.control_asks!.per_entry).toBeLessThan(1);
      console.log(`lab run (${intercept ? 'intercepted DNS' : 'plain line'}): ${total - wrong.length}/${total} right, ${falsePositives} false positives, control asks ${report.control_asks!.asked} (${report.control_asks!.per_entry} per entry)`);
      for (const file of filesUnder(out).map((f) => f.slice(out.length + 1))) {
        const text = readFileSync(join(out, file), 'utf8');
        expect(text.includes(CLIENT_ADDRESS), `${file} holds the volunteer's address`).toBe(false);
      }
      expect(readFileSync(join(out, 'measurements.jsonl'), 'utf8')).toContain('"x-client-address":"[scrubbed]"');
      if (home !== null && list !== null) {
        expectNothingPersonal(out, home);
        expect(report.lists[0]).toMatchObject({ file: 'greek-isp.csv', entries: total });
        expect(report.lists[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(report.lists[0]?.edition).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(report.asn_data.file).toBe('asn.bin.gz');
        for (const r of records) expect(r.target.list).toBe('greek-isp.csv');
        // summary.csv: every row says when, on which ISP and AS, and when the entry was measured.
        const rows = parse(readFileSync(join(out, 'summary.csv'), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
        expect(rows.length).toBe(total);
        for (const row of rows) {
          expect(row.run_date).toBe(report.measurement_start_time.slice(0, 10));
          expect(row.isp).not.toBe('');
          expect(row.isp).toBe(report.isp?.name);
          expect(row.asn).toBe(typeof report.isp?.asn === 'number' ? `AS${report.isp.asn}` : (report.probe_asn ?? ''));
          expect(row.measured_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        }
      }
      if (intercept) expect(report.dns_interception.resolvers.every((s) => !s.startsWith('https:'))).toBe(true);
      const penalty = report.latency_penalty ?? NaN;
      const off = (expected: number) => Math.abs(penalty - expected) / expected;
      // The lab's ratio of a ~2 ms denominator moves with the machine's load: when the probe's figure
      // is off the ratio calibrated at `lab up`, it must match the ratio the lab has right now.
      const now = off(e.latency.expected_penalty) < 0.25 ? null : await measureLabLatency(e);
      const error = now ? off(now.penalty) : off(e.latency.expected_penalty);
      expect(error, JSON.stringify({ penalty, expected: e.latency, now, measured: report.latency })).toBeLessThan(0.25);
    }, 300_000);
  }
});
