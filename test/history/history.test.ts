// The history questions on a small made-up month: two ISPs, four daily runs each, with a confirmed
// block, a one-run flap, a method change, a late unblock and an entry added by a new list edition.
// The same answers from both back ends, through the CLI's own command code.
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerHistory } from '../../src/commands/history.js';
import { openStore } from '../../src/store/open.js';
import { recordFolder } from '../../src/store/record-folder.js';
import { scenario, writeRun, type EntrySpec } from '../report/runs.js';
import { BACKENDS, type ScratchStore } from '../store/backends.js';

const OTE = { name: 'OTE', asn: 'AS6799' };
const NOVA = { name: 'Nova', asn: 'AS3329' };
const day = (d: number) => new Date(`2026-11-0${d}T03:17:00Z`);
const NEW: EntrySpec = { input: 'newbet.com', outcome: 'ok' };

const RUNS: { isp: typeof OTE; d: number; entries: EntrySpec[] }[] = [
  { isp: OTE, d: 1, entries: scenario({}) },
  { isp: OTE, d: 2, entries: scenario({ 'open-site.org': 'dns:nxdomain', 'reset.io': 'ok' }) },
  { isp: OTE, d: 3, entries: scenario({ 'open-site.org': 'dns:nxdomain' }, [NEW]) },
  { isp: OTE, d: 4, entries: scenario({ 'open-site.org': 'dns:nxdomain', 'bet365.com': 'ok' }, [{ ...NEW, outcome: 'dns:nxdomain' }]) },
  { isp: NOVA, d: 1, entries: scenario({}) },
  { isp: NOVA, d: 2, entries: scenario({ 'https://sni-blocked.com/': 'dns:nxdomain' }) },
  { isp: NOVA, d: 3, entries: scenario({ 'https://sni-blocked.com/': 'dns:nxdomain' }) },
];

function program(): Command {
  const p = new Command('censorprobe').exitOverride();
  registerHistory(p);
  return p;
}

describe.each(BACKENDS)('history questions on $name', ({ scratch }) => {
  let s: ScratchStore;
  let out: string[] = [];
  const ask = async (...args: string[]) => {
    out = [];
    await program().parseAsync(['node', 'censorprobe', 'history', ...args, '--store', s.spec]);
    return out.join('');
  };
  const json = async <T>(...args: string[]) => JSON.parse(await ask(...args, '--json')) as T;

  beforeAll(async () => {
    s = await scratch();
    const store = await openStore(s.spec);
    for (const r of RUNS) {
      const res = await recordFolder(store, writeRun(r.entries, { isp: r.isp, start: day(r.d), runId: `${r.isp.name}-${r.d}` }));
      expect(res.outcome).toBe('recorded');
    }
    await store.close();
  }, 60_000);
  afterAll(async () => s.close());
  beforeEach(() => {
    process.exitCode = undefined;
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(`${String(m)}\n`));
    vi.spyOn(process.stdout, 'write').mockImplementation((m: unknown) => (out.push(String(m)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  type C = { isp: string; input: string; change: string; from: string; to: string; run: string; held: number; confirmed: boolean; unconfirmed_because: string | null };
  const brief = (c: C[]) => c.map((x) => `${x.run} ${x.input} ${x.change} ${x.from}->${x.to}${x.confirmed ? '' : ` (${x.unconfirmed_because})`}`).sort();

  it('changes: confirmed after 2 runs by default; a flap and the too recent listed apart', async () => {
    const r = await json<{ confirmed: C[]; unconfirmed: C[] }>('changes');
    expect(brief(r.confirmed)).toEqual([
      'Nova-2 https://sni-blocked.com/ method_changed dpi:sni->dns:nxdomain',
      'OTE-2 open-site.org newly_blocked ok->dns:nxdomain',
    ]);
    expect(brief(r.unconfirmed)).toEqual([
      'OTE-2 reset.io unblocked ip:reset->ok (went back)',
      'OTE-4 bet365.com unblocked dns:nxdomain->ok (too recent)',
      'OTE-4 newbet.com newly_blocked ok->dns:nxdomain (too recent)',
    ]);
    expect(process.exitCode).toBeUndefined();
  });

  it('changes --confirm 1 confirms every change; --fail-on-change exits 3; --last and --isp narrow it', async () => {
    const all = await json<{ confirmed: C[]; unconfirmed: C[] }>('changes', '--confirm', '1');
    expect(all.confirmed).toHaveLength(6); // the flap's return counts too when one run confirms
    expect(all.unconfirmed).toEqual([]);
    await ask('changes', '--fail-on-change');
    expect(process.exitCode).toBe(3);
    process.exitCode = undefined;
    const last = await json<{ confirmed: C[]; unconfirmed: C[] }>('changes', '--last', '1', '--isp', 'AS6799');
    expect(brief([...last.confirmed, ...last.unconfirmed])).toEqual(['OTE-4 bet365.com unblocked dns:nxdomain->ok (too recent)', 'OTE-4 newbet.com newly_blocked ok->dns:nxdomain (too recent)']);
    await ask('changes', '--last', '1', '--fail-on-change');
    expect(process.exitCode).toBeUndefined();
    const since = await json<{ confirmed: C[] }>('changes', '--since', '2026-11-02', '--isp', 'Nova');
    expect(brief(since.confirmed)).toEqual(['Nova-2 https://sni-blocked.com/ method_changed dpi:sni->dns:nxdomain']);
    const text = await ask('changes');
    expect(text).toMatch(/confirmed changes \(held for 2 consecutive run\(s\)\): 2/);
    expect(text).toMatch(/unconfirmed: 3\n.*reset\.io\s+unblocked: ip:reset -> ok \(went back, held 1 of 2 run\(s\)\)/);
  });

  it('site: each state per ISP with its first and last run', async () => {
    const t = await json<{ input: string; isps: { isp: string; spans: { state: string; runs: number; first_run: string; last_run: string }[] }[] }[]>('site', 'www.bet365.com');
    expect(t).toHaveLength(1);
    const spans = Object.fromEntries(t[0]!.isps.map((i) => [i.isp, i.spans.map((s) => `${s.state} x${s.runs} ${s.first_run}..${s.last_run}`)]));
    expect(spans).toEqual({ 'OTE (AS6799)': ['dns:nxdomain x3 OTE-1..OTE-3', 'ok x1 OTE-4..OTE-4'], 'Nova (AS3329)': ['dns:nxdomain x3 Nova-1..Nova-3'] });
    expect(await ask('site', '22bet.ελ', '--isp', '3329')).toMatch(/Nova \(AS3329\)\n\s+2026-11-01 \.\. 2026-11-03\s+dns:blockpage\s+3 run/);
    await ask('site', 'never-listed.example');
    expect(process.exitCode).toBe(1);
  });

  it('matrix: the latest verdict per ISP at a date; CSV with BOM and formulas neutralised', async () => {
    const m = await json<{ isps: { isp: string; run: string }[]; rows: { input: string; cells: string[] }[] }>('matrix', '--at', '2026-11-02');
    expect(m.isps.map((i) => i.run)).toEqual(['OTE-2', 'Nova-2']);
    const cells = (input: string) => m.rows.find((r) => r.input === input)!.cells;
    expect(cells('open-site.org')).toEqual(['dns:nxdomain', 'ok']);
    expect(cells('https://sni-blocked.com/')).toEqual(['dpi:sni', 'dns:nxdomain']);
    expect(m.rows.find((r) => r.input === 'newbet.com')).toBeUndefined();
    const now = await json<{ isps: { run: string }[] }>('matrix');
    expect(now.isps.map((i) => i.run)).toEqual(['OTE-4', 'Nova-3']);
    const csv = await ask('matrix', '--csv');
    expect(csv.startsWith('\uFEFFinput,url,category,OTE (AS6799),Nova (AS3329)')).toBe(true);
    expect(csv).toContain(`\n'=cmd|'/C calc'!A0,`);
    expect(csv).not.toMatch(/^[=+@-]/m);
  });

  it('editions: how long each ISP took to block what an edition added, and what is still reachable', async () => {
    const e = await json<{ list: string; added: number; first_seen: string; isps: { isp: string; enforced: number; median_days: number | null; still_reachable: string[] }[] }[]>('editions');
    const eeep = e.filter((x) => x.list === 'eeep.csv');
    expect(eeep.map((x) => [x.first_seen.slice(0, 10), x.added])).toEqual([['2026-11-01', 25], ['2026-11-03', 1]]);
    const later = eeep[1]!.isps.find((i) => i.isp === 'OTE (AS6799)')!;
    expect(later).toMatchObject({ enforced: 1, median_days: 1 });
    expect(later.still_reachable).toContain('bet365.com');
    expect(later.still_reachable).not.toContain('open-site.org');
    expect(await ask('editions')).toMatch(/eeep\.csv [0-9a-f]{12} \(hash of its entries\): 26 entries, first run 2026-11-03T03:17:00Z, 1 new\n\s+OTE \(AS6799\): 1 of 1 new entries blocked \(median 1 days/);
  });
});
