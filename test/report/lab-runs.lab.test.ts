// The reports on real lab runs: the HTML page of a run opened in Chromium, its CSVs and OONI export,
// and merge/diff of two runs made under different scenario files (a later list edition).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labUp, readEndpoints } from '../../src/lab/index.js';
import { repoRoot } from '../../src/lab/paths.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { importOoni } from '../../src/import/ooni/index.js';
import { diffRuns } from '../../src/report/diff.js';
import { historyChanges } from '../../src/history/changes.js';
import { HistoryReader } from '../../src/history/read.js';
import { defaultStorePath, openStore } from '../../src/store/open.js';
import { recordFolder } from '../../src/store/record-folder.js';
import { scratchSqlite } from '../store/backends.js';
import { loadRecords } from './runs.js';
import { exportOoni } from '../../src/report/ooni.js';
import { mergeRuns } from '../../src/report/merge.js';
import { labProbeRun } from '../probe/lab-run.js';
import { describeHtmlReport } from './html-checks.js';
import { checkCsvReport, checkSiteFirst, exportAndValidate } from './run-checks.js';

let runs: Promise<{ first: string; later: string }> | null = null;
function labRuns() {
  runs ??= (async () => {
    const first = await labProbeRun(readEndpoints());
    const later = await labProbeRun(await labUp({ scenarios: join(repoRoot, 'lab', 'scenarios-later.csv') }));
    return { first: first.out, later: later.out };
  })();
  return runs;
}

describe('reports of lab runs', () => {
  beforeAll(async () => {
    await labRuns();
  }, 300_000);

  it('diff finds the later edition\'s changes: unblocked, method changed, added, removed', async () => {
    const { first, later } = await labRuns();
    const d = await diffRuns(first, later, { warn: () => undefined });
    const by = (kind: string) => d.changes.filter((c) => c.change === kind).map((c) => c.input).sort();
    expect(by('unblocked')).toEqual(['https://1xbet.com/']);
    expect(by('method_changed')).toEqual(['http://www.euro-bet.gr/']);
    expect(by('added')).toEqual(['https://02ninecasino61.com/']);
    expect(by('removed')).toEqual(['https://stake7.com/']);
    expect(by('newly_blocked')).toEqual([]);
    const euro = d.changes.find((c) => c.input === 'http://www.euro-bet.gr/')!;
    expect(euro.old?.verdict).toBe('dpi');
    expect(euro.new?.verdict).toBe('dns');
  });

  it('history: both runs were recorded by `censorprobe run`; `history changes` reports exactly the differences, and --confirm 2 holds back a change seen once', async () => {
    const { first, later } = await labRuns();
    const ids = [first, later].map((d) => JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')).run_id as string);
    const own = await openStore(defaultStorePath());
    expect((await own.runs()).map((r) => r.run_id)).toEqual(expect.arrayContaining(ids));
    await own.close();
    // A store of these two runs alone, recorded by import.
    const s = await scratchSqlite();
    const store = await openStore(s.spec);
    try {
      for (const d of [first, later]) expect((await recordFolder(store, d)).outcome).toBe('recorded');
      const h = await HistoryReader.open(store);
      const once = await historyChanges(h, { confirm: 1 });
      const brief = once.map((c) => `${c.input} ${c.change}`).sort();
      expect(brief).toEqual(['http://www.euro-bet.gr/ method_changed', 'https://1xbet.com/ unblocked']);
      // The same as the run-to-run diff, less the entries added to or removed from the list.
      const d = await diffRuns(first, later, { warn: () => undefined });
      expect(d.changes.filter((c) => c.change !== 'added' && c.change !== 'removed').map((c) => `${c.input} ${c.change}`).sort()).toEqual(brief);
      expect(once.find((c) => c.input === 'http://www.euro-bet.gr/')).toMatchObject({ from: expect.stringMatching(/^dpi:/), to: expect.stringMatching(/^dns:/) });
      const twice = await historyChanges(h, { confirm: 2 });
      expect(twice.filter((c) => c.confirmed)).toEqual([]);
      expect(twice.map((c) => `${c.input} ${c.unconfirmed_because}`).sort()).toEqual(['http://www.euro-bet.gr/ too recent', 'https://1xbet.com/ too recent']);
    } finally {
      await store.close();
      await s.close();
    }
  });

  it('merge holds every entry of both runs, the later run deciding where both measured', async () => {
    const { first, later } = await labRuns();
    const m = await mergeRuns([first, later], () => undefined);
    expect(m.runs.length).toBe(2);
    expect(m.rows.length).toBe(112); // 111 first, 111 later: 110 in both, one removed, one added
    const row = m.rows.find((r) => r.input === 'https://1xbet.com/')!;
    expect(row.cells.some((c) => c?.verdict === 'ok')).toBe(true);
  });

  it('CSV and OONI export of a lab run hold to their rules', async () => {
    const { first } = await labRuns();
    await checkCsvReport(first);
    // exportAndValidate checks every line against the JSON Schema written from ooni/spec.
    const lines = await exportAndValidate(first);
    expect(lines.length).toBe(111);
    // requests[0] is the listed URL's own request on every line that sent one, and most did.
    const { withRequests } = checkSiteFirst(lines);
    expect(withRequests).toBeGreaterThan(40);
    // The sites' certificates as OONI encodes them (base64 DER) on every completed handshake.
    const handshakes = lines.flatMap((l) => (l.test_keys as { tls_handshakes: { x_censorprobe: { completed: boolean }; peer_certificates: { format: string; data: string }[] }[] }).tls_handshakes);
    const completed = handshakes.filter((h) => h.x_censorprobe.completed);
    expect(completed.length).toBeGreaterThan(10);
    for (const h of completed) {
      expect(h.peer_certificates.length).toBeGreaterThan(0);
      expect(h.peer_certificates[0]!.format).toBe('base64');
      expect(Buffer.from(h.peer_certificates[0]!.data, 'base64')[0]).toBe(0x30); // a DER SEQUENCE
    }
  });
});

describe('a lab run through export ooni and back through import ooni', () => {
  async function roundTrip(onlyOoni: boolean) {
    const { first } = await labRuns();
    const out = join(first, onlyOoni ? 'plain-roundtrip' : 'roundtrip');
    const { path } = await exportOoni(first, { out: `${out}.jsonl`, warn: () => undefined });
    let file = path;
    if (onlyOoni) {
      // What an OONI measurement holds: none of our own fields and extra steps.
      const drop = (v: unknown): unknown => (Array.isArray(v) ? v.map(drop) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('x_censorprobe')).map(([k, x]) => [k, drop(x)])) : v);
      file = `${out}-plain.jsonl`;
      writeFileSync(file, readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.stringify(drop(JSON.parse(l)))).join('\n') + '\n');
    }
    const r = await importOoni([file], { out, groupBy: 'all', routableNets: ['198.18.0.0/15'] });
    expect(r.skipped).toEqual({});
    const direct = await loadRecords(first, () => undefined);
    const back = new Map((await loadRecords(r.runs[0]!.dir, () => undefined)).map((x) => [x.target.url, x as typeof x & { missing_steps: string[] }]));
    expect(back.size).toBe(direct.length);
    return { direct, back, report: JSON.parse(readFileSync(join(r.runs[0]!.dir, 'report.json'), 'utf8')) };
  }

  it('gives the direct run\'s verdicts back', async () => {
    const { direct, back } = await roundTrip(false);
    for (const d of direct) expect({ input: d.input, verdict: back.get(d.target.url)!.verdict }).toEqual({ input: d.input, verdict: d.verdict });
  });

  it('with only what OONI keeps: the same verdicts except inconclusive where a step OONI lacks decided, counted', async () => {
    const { direct, back, report } = await roundTrip(true);
    let changed = 0;
    const steps = new Set<string>();
    for (const d of direct) {
      const b = back.get(d.target.url)!;
      if (b.verdict === d.verdict) continue;
      changed++;
      // Never another verdict: only inconclusive, naming the missing step (the swap test for DPI/URL
      // blocks, the HTTPS twin of a plain-HTTP page for an ok or a refusal).
      expect({ input: d.input, verdict: b.verdict }).toEqual({ input: d.input, verdict: 'inconclusive' });
      expect(b.missing_steps.length).toBeGreaterThan(0);
      for (const s of b.missing_steps) steps.add(s);
    }
    expect(changed).toBeGreaterThan(0);
    expect(steps.has('swap-test')).toBe(true);
    const counted = Object.values(report.ooni_import.inconclusive_missing_step as Record<string, number>).reduce((a, n) => a + n, 0);
    expect(counted).toBeGreaterThanOrEqual(changed);
  });
});

describeHtmlReport('a lab run', async () => (await labRuns()).first, { query: 'ελ', expect: 'https://22bet.ελ/' });
