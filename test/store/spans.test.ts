// Spans kept by a PostgreSQL store at recording time (src/store/spans.ts), on the real PostgreSQL
// (CENSORPROBE_TEST_POSTGRES). Every case is checked twice: against the spans written out by hand,
// and against the spans the migration's one-statement build computes from the measurements alone.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { MeasurementRow, RunToRecord } from '../../src/store/run-record.js';
import { SPANS_VERSION } from '../../src/store/schema.js';
import { BUILD_SPANS } from '../../src/store/spans.js';
import type { Store } from '../../src/store/store.js';
import { scratchPostgres } from './backends.js';

const DAY = 86_400;
const T0 = 1_767_225_600; // 2026-01-01

/** A run measuring each entry in a state written `verdict` or `verdict:layer=kind` (e.g. `dns:dns=nxdomain`). */
function run(runId: string, day: number, states: Record<string, string>, o: { isp?: string; hash?: string; ips?: RunToRecord['ips'] } = {}): RunToRecord {
  const measurements: MeasurementRow[] = Object.entries(states).map(([host, state], i) => {
    const [verdict, kinds] = state.split(':') as [string, string | undefined];
    const layer = Object.fromEntries((kinds ?? '').split(',').filter(Boolean).map((k) => k.split('=') as [string, string]));
    return {
      key: `http://${host}:80/`, input: host, url: `http://${host}/`, host, category: 'GMB', list: 'eeep.txt', verdict,
      dns: layer.dns ?? null, ip: layer.ip ?? null, dpi: layer.dpi ?? null, url_kind: layer.url ?? null,
      isp_answer: null, truth: null, failure: null, control: 1, t: i, line: i + 1,
    };
  });
  return {
    run_id: runId, started: T0 + day * DAY, ended: T0 + day * DAY + 600, hash: o.hash ?? `${runId}:${JSON.stringify(states)}`, software_version: 'test', complete: true,
    total_entries: measurements.length, isp: { asn: 6799, name: o.isp ?? 'OTE' }, latency_penalty: null, intercepted: false, facts: {}, editions: [],
    measurements, ips: o.ips ?? [],
  };
}

interface Row {
  host: string;
  isp: string;
  from: string;
  to: string;
  runs: number;
  state: string;
}

const SPAN_ROWS = (table: string) => `
SELECT e.host, i.name AS isp, fr.run_id AS "from", lr.run_id AS "to", s.runs,
       concat_ws(',', lv.name, ld.name, li.name, lp.name, lu.name) AS state
  FROM ${table} s JOIN entries e ON e.id = s.entry JOIN isps i ON i.id = s.isp
  JOIN runs fr ON fr.id = s.first_run AND fr.started = s.first_started JOIN runs lr ON lr.id = s.last_run AND lr.started = s.last_started
  JOIN labels lv ON lv.id = s.verdict LEFT JOIN labels ld ON ld.id = s.dns LEFT JOIN labels li ON li.id = s.ip
  LEFT JOIN labels lp ON lp.id = s.dpi LEFT JOIN labels lu ON lu.id = s.url
 ORDER BY e.host, i.name, s.first_started, s.first_run`;

async function spans(store: Store): Promise<Row[]> {
  return (await store.db.all<Row>(SPAN_ROWS('spans'))).map((r) => ({ ...r, runs: Number(r.runs) }));
}

/** The spans as the migration builds them from the measurements alone. */
async function rebuilt(store: Store): Promise<Row[]> {
  return store.db.transaction('test:rebuild', async () => {
    await store.db.exec('CREATE TEMP TABLE spans_ref (LIKE spans) ON COMMIT DROP');
    await store.db.exec(BUILD_SPANS.replace('INSERT INTO spans ', 'INSERT INTO spans_ref '));
    return (await store.db.all<Row>(SPAN_ROWS('spans_ref'))).map((r) => ({ ...r, runs: Number(r.runs) }));
  });
}

const span = (host: string, from: string, to: string, runs: number, state: string, isp = 'OTE'): Row => ({ host, isp, from, to, runs, state });

describe('spans in a PostgreSQL store', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function fresh(upTo?: number): Promise<{ store: Store; spec: string }> {
    const s = await scratchPostgres();
    cleanup.push(s.close);
    const store = await openStore(s.spec, upTo === undefined ? {} : { upTo });
    cleanup.push(() => store.close());
    return { store, spec: s.spec };
  }
  async function expectSpans(store: Store, want: Row[]): Promise<void> {
    const got = await spans(store);
    expect(got).toEqual(want);
    expect(await rebuilt(store)).toEqual(got);
  }

  it('the same state extends a span; a change of verdict or of kind opens a new one', async () => {
    const { store } = await fresh();
    await store.record(run('r1', 1, { 'a.gr': 'ok', 'b.gr': 'dns:dns=nxdomain' }));
    await store.record(run('r2', 2, { 'a.gr': 'ok', 'b.gr': 'dns:dns=nxdomain' }));
    await store.record(run('r3', 3, { 'a.gr': 'dns:dns=nxdomain', 'b.gr': 'dns:dns=hijack' }));
    await store.record(run('r4', 4, { 'a.gr': 'dns:dns=nxdomain', 'b.gr': 'dns:dns=hijack' }));
    await expectSpans(store, [
      span('a.gr', 'r1', 'r2', 2, 'ok'),
      span('a.gr', 'r3', 'r4', 2, 'dns,nxdomain'),
      span('b.gr', 'r1', 'r2', 2, 'dns,nxdomain'),
      span('b.gr', 'r3', 'r4', 2, 'dns,hijack'),
    ]);
  });

  it('a run that did not measure an entry neither breaks nor extends its span; ISPs have spans of their own', async () => {
    const { store } = await fresh();
    await store.record(run('r1', 1, { 'a.gr': 'ok', 'b.gr': 'ok' }));
    await store.record(run('r2', 2, { 'b.gr': 'ok' }));
    await store.record(run('n1', 2, { 'a.gr': 'dpi:dpi=sni' }, { isp: 'Nova' }));
    await store.record(run('r3', 3, { 'a.gr': 'ok', 'b.gr': 'ok' }));
    await expectSpans(store, [
      span('a.gr', 'n1', 'n1', 1, 'dpi,sni', 'Nova'),
      span('a.gr', 'r1', 'r3', 2, 'ok'),
      span('b.gr', 'r1', 'r3', 3, 'ok'),
    ]);
  });

  it('a run recorded late (older than runs already stored) is slotted in where it belongs', async () => {
    const { store } = await fresh();
    await store.record(run('d1', 1, { 'same.gr': 'ok', 'split.gr': 'ok', 'edge.gr': 'ok', 'first.gr': 'ok' }));
    await store.record(run('d2', 2, { 'same.gr': 'ok', 'split.gr': 'ok', 'edge.gr': 'dns:dns=nxdomain', 'first.gr': 'ok' }));
    await store.record(run('d4', 4, { 'same.gr': 'ok', 'split.gr': 'ok', 'edge.gr': 'ok', 'first.gr': 'ok' }));
    await store.record(run('d5', 5, { 'same.gr': 'ok', 'split.gr': 'ok', 'edge.gr': 'ok', 'first.gr': 'ok' }));
    // d3 arrives last: inside a span in the same state (counted), inside one in another state (split),
    // at the edge of two spans (joins the one of its state); d0, older than every run, starts spans.
    await store.record(run('d3', 3, { 'same.gr': 'ok', 'split.gr': 'dpi:dpi=sni', 'edge.gr': 'dns:dns=nxdomain', 'first.gr': 'ok' }));
    await store.record(run('d0', 0, { 'same.gr': 'ok', 'split.gr': 'url:url=blockpage', 'first.gr': 'ok' }));
    await expectSpans(store, [
      span('edge.gr', 'd1', 'd1', 1, 'ok'),
      span('edge.gr', 'd2', 'd3', 2, 'dns,nxdomain'),
      span('edge.gr', 'd4', 'd5', 2, 'ok'),
      span('first.gr', 'd0', 'd5', 6, 'ok'),
      span('same.gr', 'd0', 'd5', 6, 'ok'),
      span('split.gr', 'd0', 'd0', 1, 'url,blockpage'),
      span('split.gr', 'd1', 'd2', 2, 'ok'),
      span('split.gr', 'd3', 'd3', 1, 'dpi,sni'),
      span('split.gr', 'd4', 'd5', 2, 'ok'),
    ]);
  });

  it('a replaced run (resumed, recorded again with other content) is taken out of the spans first', async () => {
    const { store } = await fresh();
    await store.record(run('r1', 1, { 'a.gr': 'ok', 'b.gr': 'ok', 'c.gr': 'ok' }));
    await store.record(run('r2', 2, { 'a.gr': 'dns:dns=nxdomain', 'b.gr': 'ok' }));
    await store.record(run('r3', 3, { 'a.gr': 'ok', 'b.gr': 'ok', 'c.gr': 'ok' }));
    await expectSpans(store, [
      span('a.gr', 'r1', 'r1', 1, 'ok'), span('a.gr', 'r2', 'r2', 1, 'dns,nxdomain'), span('a.gr', 'r3', 'r3', 1, 'ok'),
      span('b.gr', 'r1', 'r3', 3, 'ok'), span('c.gr', 'r1', 'r3', 2, 'ok'),
    ]);
    // r2 again, grown and with a.gr now ok: the flap is gone, the spans on either side join.
    const r = await store.record(run('r2', 2, { 'a.gr': 'ok', 'b.gr': 'dpi:dpi=sni', 'c.gr': 'ok' }, { hash: 'resumed' }));
    expect(r.outcome).toBe('replaced');
    await expectSpans(store, [
      span('a.gr', 'r1', 'r3', 3, 'ok'),
      span('b.gr', 'r1', 'r1', 1, 'ok'), span('b.gr', 'r2', 'r2', 1, 'dpi,sni'), span('b.gr', 'r3', 'r3', 1, 'ok'),
      span('c.gr', 'r1', 'r3', 3, 'ok'),
    ]);
    // The newest run replaced: its spans end a run earlier.
    await store.record(run('r3', 3, { 'a.gr': 'ok', 'b.gr': 'ok' }, { hash: 'resumed-3' }));
    await expectSpans(store, [
      span('a.gr', 'r1', 'r3', 3, 'ok'),
      span('b.gr', 'r1', 'r1', 1, 'ok'), span('b.gr', 'r2', 'r2', 1, 'dpi,sni'), span('b.gr', 'r3', 'r3', 1, 'ok'),
      span('c.gr', 'r1', 'r2', 2, 'ok'),
    ]);
  });

  it('a recording that fails after writing its spans leaves the spans as they were (one transaction)', async () => {
    const { store } = await fresh();
    await store.record(run('r1', 1, { 'a.gr': 'ok', 'b.gr': 'ok' }));
    const before = await spans(store);
    // ip_states is written after the spans: a failure there rolls back the whole run.
    await store.db.exec(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON ip_states FOR EACH ROW EXECUTE FUNCTION refuse();`);
    const late = run('r0', 0, { 'a.gr': 'dns:dns=nxdomain', 'b.gr': 'ok' }, { ips: [{ ip: '198.18.0.9', role: 1, here: 2, control: 1, names: 1 }] });
    await expect(store.record(late)).rejects.toThrow(/refused for the test/);
    await expect(store.record(run('r2', 2, { 'a.gr': 'dpi:dpi=sni' }, { ips: late.ips }))).rejects.toThrow(/refused for the test/);
    await expect(store.record(run('r1', 1, { 'a.gr': 'url:url=path' }, { hash: 'other', ips: late.ips }))).rejects.toThrow(/refused for the test/);
    expect(await spans(store)).toEqual(before);
    expect((await store.runs()).map((r) => r.run_id)).toEqual(['r1']);
    await store.db.exec('DROP TRIGGER refuse ON ip_states');
    await store.record(late);
    await expectSpans(store, [span('a.gr', 'r0', 'r0', 1, 'dns,nxdomain'), span('a.gr', 'r1', 'r1', 1, 'ok'), span('b.gr', 'r0', 'r1', 2, 'ok')]);
  });

  it('a store from before spans gets them built when it is opened (migration), then kept', async () => {
    const { store: old, spec } = await fresh(SPANS_VERSION - 1);
    await old.record(run('r1', 1, { 'a.gr': 'ok', 'b.gr': 'dns:dns=nxdomain' }));
    await old.record(run('r3', 3, { 'a.gr': 'dns:dns=nxdomain', 'b.gr': 'dns:dns=nxdomain' }));
    await old.record(run('r2', 2, { 'a.gr': 'ok' }));
    await old.record(run('n1', 1, { 'a.gr': 'ok' }, { isp: 'Nova' }));
    expect(Number((await old.db.all<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'spans'"))[0]!.n)).toBe(0);
    await old.close();
    cleanup.pop();
    const store = await openStore(spec);
    cleanup.push(() => store.close());
    expect(await store.version()).toBeGreaterThanOrEqual(SPANS_VERSION);
    await expectSpans(store, [
      span('a.gr', 'n1', 'n1', 1, 'ok', 'Nova'),
      span('a.gr', 'r1', 'r2', 2, 'ok'), span('a.gr', 'r3', 'r3', 1, 'dns,nxdomain'),
      span('b.gr', 'r1', 'r3', 2, 'dns,nxdomain'),
    ]);
    await store.record(run('r4', 4, { 'a.gr': 'dns:dns=nxdomain', 'b.gr': 'ok' }));
    await expectSpans(store, [
      span('a.gr', 'n1', 'n1', 1, 'ok', 'Nova'),
      span('a.gr', 'r1', 'r2', 2, 'ok'), span('a.gr', 'r3', 'r4', 2, 'dns,nxdomain'),
      span('b.gr', 'r1', 'r3', 2, 'dns,nxdomain'), span('b.gr', 'r4', 'r4', 1, 'ok'),
    ]);
  });

  it('runs recorded in any order, some replaced, give the spans the measurements give', async () => {
    const { store } = await fresh();
    // A fixed pseudo-random sequence (reproducible): 5 entries, 3 states, 14 runs in shuffled order.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const states = ['ok', 'dns:dns=nxdomain', 'dpi:dpi=sni'];
    const days = Array.from({ length: 14 }, (_, i) => i).sort(() => rnd() - 0.5);
    const made: RunToRecord[] = [];
    for (const day of days) {
      const s: Record<string, string> = {};
      for (const host of ['a.gr', 'b.gr', 'c.gr', 'd.gr', 'e.gr']) if (rnd() < 0.85) s[host] = states[rnd() < 0.7 ? 0 : Math.floor(rnd() * 3)]!;
      if (Object.keys(s).length === 0) s['a.gr'] = 'ok';
      const r = run(`d${day}`, day, s);
      made.push(r);
      await store.record(r);
      if (rnd() < 0.3) {
        // An earlier run replaced by a resumed recording with some states changed.
        const old = made[Math.floor(rnd() * made.length)]!;
        const changed = Object.fromEntries(old.measurements.map((m) => [m.host, rnd() < 0.5 ? 'ok' : states[Math.floor(rnd() * 3)]!]));
        await store.record(run(old.run_id, (old.started - T0) / DAY, changed, { hash: `again-${rnd()}` }));
      }
    }
    const got = await spans(store);
    expect(got.length).toBeGreaterThan(5);
    expect(await rebuilt(store)).toEqual(got);
  });
});
