import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { importOoni } from '../../src/import/ooni/index.js';
import { diffRuns } from '../../src/report/diff.js';
import { writeHtmlReport } from '../../src/report/html/index.js';
import { mergeRuns } from '../../src/report/merge.js';
import { exportOoni } from '../../src/report/ooni.js';
import { loadRecords } from '../report/runs.js';
import { badLines, fixtures } from './ooni-fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cp-ooni-import-'));
const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
type Rec = { input: string; verdict: string; reason: string; missing_steps: string[]; layers: Record<string, { kind: string } | null>; ooni: { blocking: unknown; accessible: unknown; report_id: string; measurement_uid: string; differs?: boolean } };

async function importFixtures() {
  const dir = tmp();
  const file = join(dir, 'gr.jsonl');
  writeFileSync(file, jsonl(fixtures().map((f) => f.measurement)));
  const out = join(dir, 'runs');
  const r = await importOoni([file], { out });
  const records = (await loadRecords(r.runs[0]!.dir, () => undefined)) as unknown as Rec[];
  const by = new Map(fixtures().map((f) => [f.name, records.find((x) => x.input === f.measurement.input)!]));
  return { r, by, dir: r.runs[0]!.dir };
}

describe('import ooni: hand-made measurements of each kind', () => {
  it('re-judges each with our analysis and keeps OONI\'s verdict beside ours', async () => {
    const { r, by } = await importFixtures();
    expect(r.imported).toBe(9);
    expect(r.skipped).toEqual({});
    expect(r.runs.length).toBe(1); // one probe ASN, one day
    const v = (name: string) => by.get(name)!;
    expect(v('dns-nxdomain')).toMatchObject({ verdict: 'dns', layers: { dns: { kind: 'nxdomain' } } });
    expect(v('dns-blockpage')).toMatchObject({ verdict: 'dns', layers: { dns: { kind: 'blockpage' } } });
    expect(v('tcp-ip')).toMatchObject({ verdict: 'ip', layers: { ip: { kind: 'drop' } } });
    expect(v('accessible').verdict).toBe('ok');
    expect(v('cdn').verdict).toBe('ok');
    expect(v('down').verdict).toBe('down');
    // OONI ran no swap test: a reset or a blockpage on the site's own address cannot be told from
    // the site's own failure by our rules, so it is inconclusive and says which step was missing.
    for (const name of ['http-failure', 'http-diff']) {
      expect(v(name).verdict).toBe('inconclusive');
      expect(v(name).missing_steps).toContain('swap-test');
      expect(v(name).reason).toMatch(/the swap test \(an innocuous name on the same address\) was not run/);
    }
    // The site's own refusal is never censorship, whatever OONI's http-diff says.
    expect(['dns', 'ip', 'dpi', 'url']).not.toContain(v('geoblock').verdict);
    expect(v('geoblock').ooni).toMatchObject({ blocking: 'http-diff', accessible: false, differs: true });
    // df-006's DER chain, read into our certificate summary (the chain itself stays in OONI's archive).
    const cdn = v('cdn') as unknown as { test_keys: { tls_handshakes: { peer_certificate: { names: string[] } | null; peer_certificates?: string[] }[] } };
    expect(cdn.test_keys.tls_handshakes.map((h) => h.peer_certificate?.names)).toEqual([['www.cdn-news.example'], ['www.cdn-news.example']]);
    expect(cdn.test_keys.tls_handshakes.map((h) => h.peer_certificates?.length ?? 0)).toEqual([0, 0]);
    const dnsRecord = v('dns-nxdomain');
    expect(dnsRecord.ooni.report_id).toMatch(/^20240305T101010Z_webconnectivity_GR_6799_/);
    expect(dnsRecord.ooni.measurement_uid).toMatch(/^20240305101112\.123456_GR_webconnectivity_/);
    expect(dnsRecord.ooni.differs).toBeUndefined();
  });

  it('counts, per OONI blocking value, our verdicts in report.json', async () => {
    const { by, dir } = await importFixtures();
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const geo = by.get('geoblock')!.verdict;
    expect(report.ooni_import.by_ooni_blocking).toEqual({
      dns: { dns: 2 },
      tcp_ip: { ip: 1 },
      'http-failure': { inconclusive: 1 },
      'http-diff': geo === 'inconclusive' ? { inconclusive: 2 } : { inconclusive: 1, [geo]: 1 },
      false: { ok: 2, down: 1 },
    });
    expect(report.ooni_import.inconclusive_missing_step['swap-test']).toBeGreaterThanOrEqual(2);
    expect(report.ooni_import.agree + report.ooni_import.differ).toBe(9);
    expect(report.counts.dns).toBe(2);
    expect(report.isp.asn).toBe('6799');
    expect(report.settings.source).toBe('ooni');
  });

  it('report html, merge and diff work on imported runs, and the page shows where we and OONI differ', async () => {
    const { dir } = await importFixtures();
    const html = await writeHtmlReport(dir, { warn: () => undefined });
    const page = readFileSync(html.path, 'utf8');
    expect(page).toContain('www.offshore-casino.example');
    expect(page).toContain('ooni-differ');
    const second = await importFixtures();
    const m = await mergeRuns([dir, second.dir], () => undefined);
    expect(m.rows.length).toBe(9);
    const d = await diffRuns(dir, second.dir, { warn: () => undefined });
    expect(d.changes).toEqual([]);
  });
});

describe('import ooni: into the history store', () => {
  it('store import records imported runs like our own, each measurement once', async () => {
    const { openStore } = await import('../../src/store/open.js');
    const { recordFolder } = await import('../../src/store/record-folder.js');
    const { dir } = await importFixtures();
    const store = await openStore(join(tmp(), 'history.sqlite'));
    try {
      const r = await recordFolder(store, dir, () => undefined);
      expect(r).toMatchObject({ outcome: 'recorded', measurements: 9 });
      expect(await recordFolder(store, dir, () => undefined)).toMatchObject({ outcome: 'unchanged' });
    } finally {
      await store.close();
    }
  });
});

describe('import ooni: bad input', () => {
  it('skips other tests, other formats, torn and hostile lines with a count and the place, never crashing', async () => {
    const dir = tmp();
    const file = join(dir, 'mixed.jsonl');
    const bad = badLines();
    const good = fixtures().slice(0, 2).map((f) => JSON.stringify(f.measurement));
    writeFileSync(file, [good[0], ...bad.map((b) => b.line), '', good[1]].join('\n'));
    const warned: string[] = [];
    const r = await importOoni([file], { out: join(dir, 'out'), warn: (m) => warned.push(m) });
    expect(r.imported).toBe(2);
    const expected: Record<string, number> = {};
    for (const b of bad) expected[b.reason] = (expected[b.reason] ?? 0) + 1;
    expect(r.skipped).toEqual(expected);
    expect(r.examples['other-test']![0]).toMatch(/^mixed\.jsonl:2: test_name "ndt"/);
    expect(r.examples['malformed-test-keys']!.some((e) => e.includes('test_keys.tcp_connect[0]'))).toBe(true);
    expect(warned.length).toBe(bad.length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'ooni-import.json'), 'utf8'));
    expect(summary.skipped).toEqual(expected);
  });

  it('reads gzip, skips a line past the size cap without holding it, and keeps what came before a torn gzip', async () => {
    const dir = tmp();
    const ms = fixtures().map((f) => f.measurement);
    const huge = { ...ms[5]!, test_keys: { ...(ms[5]!.test_keys as object), requests: [{ ...((ms[5]!.test_keys as { requests: object[] }).requests[0]!), response: { body: 'x'.repeat(3 * 1024 * 1024), code: 200, headers: {} } }] } };
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(jsonl([ms[0], huge, ms[1]])));
    const whole = gzipSync(jsonl(ms));
    writeFileSync(join(dir, 'torn.jsonl.gz'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await importOoni([join(dir, 'a.jsonl.gz'), join(dir, 'torn.jsonl.gz')], { out: join(dir, 'out'), maxLineBytes: 1024 * 1024 });
    expect(r.skipped['line-too-long']).toBe(1);
    expect(r.skipped['unreadable-file']).toBe(1);
    expect(r.examples['unreadable-file']![0]).toMatch(/^torn\.jsonl\.gz: ended early/);
    expect(r.imported).toBeGreaterThanOrEqual(3);
    expect(r.imported).toBeLessThan(2 + ms.length);
  });

  it('makes one run per probe ASN and day, or as --group-by says', async () => {
    const dir = tmp();
    const [a, b] = fixtures().map((f) => f.measurement);
    const rows = [a, { ...b, probe_asn: 'AS3329' }, { ...a, measurement_start_time: '2024-03-06 09:00:00' }];
    writeFileSync(join(dir, 'x.jsonl'), jsonl(rows));
    const r = await importOoni([join(dir, 'x.jsonl')], { out: join(dir, 'by-asn-day') });
    expect(r.runs.map((x) => x.dir.split('/').at(-1)).sort()).toEqual(['ooni-AS3329-2024-03-05', 'ooni-AS6799-2024-03-05', 'ooni-AS6799-2024-03-06']);
    const r2 = await importOoni([join(dir, 'x.jsonl')], { out: join(dir, 'by-asn'), groupBy: 'asn' });
    // The same URL twice in one group: a run holds an entry once, the repeat goes to the next run.
    expect(r2.runs.map((x) => [x.dir.split('/').at(-1), x.entries])).toEqual([['ooni-AS6799', 1], ['ooni-AS3329', 1], ['ooni-AS6799-r2', 1]]);
  });
});

describe('import ooni: round trip of a recorded lab run through export ooni', () => {
  async function roundTrip(strip: boolean) {
    const dir = tmp();
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'measurements.jsonl'), readFileSync(join(import.meta.dirname, '..', 'fixtures', 'analysis', 'lab-run.jsonl')));
    const { path } = await exportOoni(run, { warn: () => undefined });
    let file = path;
    if (strip) {
      // Only what an OONI measurement holds: none of our extra fields or steps.
      const drop = (v: unknown): unknown => (Array.isArray(v) ? v.map(drop) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('x_censorprobe')).map(([k, x]) => [k, drop(x)])) : v);
      file = join(dir, 'plain.jsonl');
      writeFileSync(file, jsonl(readFileSync(path, 'utf8').trim().split('\n').map((l) => drop(JSON.parse(l)))));
    }
    const r = await importOoni([file], { out: join(dir, 'out'), groupBy: 'all', routableNets: ['198.18.0.0/15'] });
    const original = await loadRecords(run, () => undefined);
    const imported = (await loadRecords(r.runs[0]!.dir, () => undefined)) as unknown as (Rec & { target: { url: string } })[];
    const byUrl = new Map(imported.map((x) => [x.target.url, x]));
    return original.map((o) => ({ input: o.input, direct: analyze({ target: o.target, test_keys: o.test_keys, context: o.context }).verdict, back: byUrl.get(o.target.url)! }));
  }

  it('gives the same verdicts with our own fields', async () => {
    const rows = await roundTrip(false);
    expect(rows.length).toBe(111);
    for (const row of rows) expect({ input: row.input, verdict: row.back.verdict }).toEqual({ input: row.input, verdict: row.direct });
  });

  it('with only what OONI keeps: the same verdicts, except inconclusive where a step OONI lacks decided', async () => {
    const rows = await roundTrip(true);
    const changed = rows.filter((r) => r.back.verdict !== r.direct);
    for (const r of changed) {
      expect({ input: r.input, verdict: r.back.verdict }).toEqual({ input: r.input, verdict: 'inconclusive' });
      // A plain-HTTP page whose HTTPS counterpart (kept by us only) vouched for it is unproven
      // without it: ok turns inconclusive there too (docs/analysis.md).
      expect(r.back.missing_steps.length, r.input).toBeGreaterThan(0);
      if (r.direct === 'ok') expect(r.back.missing_steps, r.input).toContain('https-page');
      // geoblock and down over https prove themselves with our HTTPS steps for an http:// entry: OONI keeps only the listed URL's.
      else expect(['dpi', 'url', 'geoblock', 'down']).toContain(r.direct);
    }
    // The lab's DPI and URL scenarios are the ones the swap test decides.
    expect(changed.length).toBeGreaterThan(5);
    expect(rows.length - changed.length).toBeGreaterThan(40);
  });
});

describe('censorprobe import ooni (the command)', () => {
  it('imports, prints what it did, and refuses a bad --group-by', async () => {
    const { spawnSync } = await import('node:child_process');
    const dir = tmp();
    const file = join(dir, 'gr.jsonl');
    writeFileSync(file, jsonl([...fixtures().map((f) => f.measurement), { test_name: 'ndt' }]));
    const cli = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
    const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, 'import', 'ooni', file, '--out', join(dir, 'out'), '--quiet'], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^imported 9 measurements into 1 run folder\(s\) under .*; skipped 1 other-test\n$/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, 'import', 'ooni', file, '--out', join(dir, 'out2'), '--group-by', 'city'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--group-by: one of asn-day, asn, day, report, all/);
  });
});
