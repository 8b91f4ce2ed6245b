// Spans (PostgreSQL stores): per entry and ISP, the runs in which the entry kept one state (verdict
// and the four layers' kinds), as (first run, last run, runs). A site's timeline is then a handful of
// rows instead of one measurement per run (the public view's site page, docs/collective.md). Kept up
// to date inside the recording's transaction (Store.record), so a reader never sees a run without
// its spans or the reverse. Runs are ordered per ISP by (started, id), as every timeline orders them;
// a run recorded late (an older run uploaded after a newer one) is slotted in where it belongs, and a
// replaced run is taken out first. A span's `runs` counts the runs that measured the entry in it
// (a run that did not measure the entry neither breaks nor extends a span).
import type { Backend, SqlValue } from './backend.js';

/** The five codes of a state: verdict, dns, ip, dpi, url (labels' ids; null for no kind). */
export type State = readonly [number, number | null, number | null, number | null, number | null];

export interface Span {
  entry: number;
  isp: number;
  first_started: number;
  first_run: number;
  last_started: number;
  last_run: number;
  runs: number;
  state: State;
}

/** A run's place in its ISP's timeline. */
export interface RunAt {
  id: number;
  started: number;
  isp: number;
}

export const SPANS_TABLE = `
CREATE TABLE spans (
  entry INTEGER NOT NULL,
  isp SMALLINT NOT NULL,
  first_started BIGINT NOT NULL,
  first_run INTEGER NOT NULL,
  last_started BIGINT NOT NULL,
  last_run INTEGER NOT NULL,
  runs INTEGER NOT NULL,
  verdict SMALLINT NOT NULL,
  dns SMALLINT,
  ip SMALLINT,
  dpi SMALLINT,
  url SMALLINT,
  PRIMARY KEY (entry, isp, first_started, first_run)
) WITH (fillfactor = 80);
`;

/**
 * Builds every span from the measurements already stored, in one statement (islands of equal state
 * per ISP and entry, in run order). Used by the migration that adds the table: a store written
 * before it keeps working, its spans built once.
 */
export const BUILD_SPANS = `
SET LOCAL work_mem = '128MB';
INSERT INTO spans (entry, isp, first_started, first_run, last_started, last_run, runs, verdict, dns, ip, dpi, url)
SELECT entry, isp, (min(ARRAY[started, run]))[1], (min(ARRAY[started, run]))[2], (max(ARRAY[started, run]))[1], (max(ARRAY[started, run]))[2],
       count(*), verdict, dns, ip, dpi, url
  FROM (SELECT *, count(*) FILTER (WHERE changed) OVER (PARTITION BY isp, entry ORDER BY started, run) AS island
          FROM (SELECT m.entry, r.isp, r.started, m.run::bigint AS run, m.verdict, m.dns, m.ip, m.dpi, m.url,
                       (m.verdict, m.dns, m.ip, m.dpi, m.url) IS DISTINCT FROM
                       (lag(m.verdict) OVER w, lag(m.dns) OVER w, lag(m.ip) OVER w, lag(m.dpi) OVER w, lag(m.url) OVER w)
                       OR lag(m.run) OVER w IS NULL AS changed
                  FROM measurements m JOIN runs r ON r.id = m.run
                WINDOW w AS (PARTITION BY r.isp, m.entry ORDER BY r.started, m.run)) cells) islands
 GROUP BY isp, entry, island, verdict, dns, ip, dpi, url;
`;

const sameState = (a: State, b: State) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4];
/** (started, id) order. */
const before = (aStarted: number, aId: number, bStarted: number, bId: number) => aStarted < bStarted || (aStarted === bStarted && aId < bId);

const SPAN_COLUMNS = 's.entry, s.isp, s.first_started, s.first_run, s.last_started, s.last_run, s.runs, s.verdict, s.dns, s.ip, s.dpi, s.url';

function toSpan(r: unknown[]): Span {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    entry: Number(r[0]), isp: Number(r[1]), first_started: Number(r[2]), first_run: Number(r[3]), last_started: Number(r[4]), last_run: Number(r[5]),
    runs: Number(r[6]), state: [Number(r[7]), n(r[8]), n(r[9]), n(r[10]), n(r[11])],
  };
}

/** For each entry, its span of this ISP starting at or before (`inclusive`) / strictly before, or after, a point. */
async function neighbours(db: Backend, isp: number, entries: readonly number[], started: number, id: number, which: 'at_or_before' | 'before' | 'after'): Promise<Map<number, Span>> {
  const out = new Map<number, Span>();
  if (entries.length === 0) return out;
  const [cmp, order] = which === 'after' ? ['>', 'ASC'] : [which === 'before' ? '<' : '<=', 'DESC'];
  const rows = await db.rows(
    `SELECT ${SPAN_COLUMNS} FROM unnest(?::int[]) AS e(entry)
       CROSS JOIN LATERAL (SELECT * FROM spans t WHERE t.entry = e.entry AND t.isp = ? AND (t.first_started, t.first_run) ${cmp} (?::bigint, ?::int)
                            ORDER BY t.first_started ${order}, t.first_run ${order} LIMIT 1) s`,
    [entries as unknown as SqlValue, isp, started, id],
  );
  for (const r of rows) {
    const s = toSpan(r);
    out.set(s.entry, s);
  }
  return out;
}

/**
 * For each entry, the nearest run of the ISP strictly before (or after) a point that measured it,
 * walking the ISP's runs one at a time from the point (usually the first step finds them all).
 */
async function nearest(db: Backend, timeline: readonly RunAt[], entries: readonly number[], at: { started: number; id: number }, dir: 'before' | 'after'): Promise<Map<number, RunAt>> {
  const out = new Map<number, RunAt>();
  let left = new Set(entries);
  const order = dir === 'before' ? [...timeline].reverse() : timeline;
  for (const r of order) {
    if (left.size === 0) break;
    const isBefore = before(r.started, r.id, at.started, at.id);
    const isAfter = before(at.started, at.id, r.started, r.id);
    if (dir === 'before' ? !isBefore : !isAfter) continue;
    const found = await db.rows('SELECT entry FROM measurements WHERE run = ? AND entry = ANY(?::int[])', [r.id, [...left] as unknown as SqlValue]);
    if (found.length === 0) continue;
    const next = new Set(left);
    for (const [e] of found) {
      out.set(Number(e), r);
      next.delete(Number(e));
    }
    left = next;
  }
  return out;
}

/** How many runs of the timeline strictly after `at` and up to each entry's bound measured the entry. */
async function countAfter(db: Backend, timeline: readonly RunAt[], bounds: ReadonlyMap<number, { started: number; id: number }>, at: { started: number; id: number }): Promise<Map<number, number>> {
  const out = new Map<number, number>([...bounds.keys()].map((e) => [e, 0]));
  for (const r of timeline) {
    if (!before(at.started, at.id, r.started, r.id)) continue;
    const within = [...bounds].filter(([, b]) => !before(b.started, b.id, r.started, r.id)).map(([e]) => e);
    if (within.length === 0) continue;
    const found = await db.rows('SELECT entry FROM measurements WHERE run = ? AND entry = ANY(?::int[])', [r.id, within as unknown as SqlValue]);
    for (const [e] of found) out.set(Number(e), out.get(Number(e))! + 1);
  }
  return out;
}

async function timelineOf(db: Backend, isp: number): Promise<RunAt[]> {
  return (await db.rows('SELECT id, started FROM runs WHERE isp = ? ORDER BY started, id', [isp])).map((r) => ({ id: Number(r[0]), started: Number(r[1]), isp }));
}

interface Edit {
  remove: Span[];
  add: Span[];
}

async function apply(db: Backend, edit: Edit): Promise<void> {
  // A span changed at its end only keeps its key: updated in place; any other change is a delete and an insert.
  const key = (s: Span) => `${s.entry}:${s.isp}:${s.first_started}:${s.first_run}`;
  const added = new Map(edit.add.map((s) => [key(s), s]));
  const updates: Span[] = [];
  const deletes: Span[] = [];
  for (const s of edit.remove) {
    const k = key(s);
    const same = added.get(k);
    if (same && sameState(same.state, s.state)) {
      updates.push(same);
      added.delete(k);
    } else {
      deletes.push(s);
    }
  }
  const CHUNK = 20_000;
  for (let at = 0; at < deletes.length; at += CHUNK) {
    const part = deletes.slice(at, at + CHUNK);
    await db.run(
      `DELETE FROM spans s USING unnest(?::int[], ?::int[], ?::bigint[], ?::int[]) AS d(entry, isp, first_started, first_run)
        WHERE s.entry = d.entry AND s.isp = d.isp AND s.first_started = d.first_started AND s.first_run = d.first_run`,
      [part.map((s) => s.entry), part.map((s) => s.isp), part.map((s) => s.first_started), part.map((s) => s.first_run)] as unknown as SqlValue[],
    );
  }
  for (let at = 0; at < updates.length; at += CHUNK) {
    const part = updates.slice(at, at + CHUNK);
    await db.run(
      `UPDATE spans s SET last_started = u.last_started, last_run = u.last_run, runs = u.runs
         FROM unnest(?::int[], ?::int[], ?::bigint[], ?::int[], ?::bigint[], ?::int[], ?::int[]) AS u(entry, isp, first_started, first_run, last_started, last_run, runs)
        WHERE s.entry = u.entry AND s.isp = u.isp AND s.first_started = u.first_started AND s.first_run = u.first_run`,
      [part.map((s) => s.entry), part.map((s) => s.isp), part.map((s) => s.first_started), part.map((s) => s.first_run),
        part.map((s) => s.last_started), part.map((s) => s.last_run), part.map((s) => s.runs)] as unknown as SqlValue[],
    );
  }
  const inserts = [...added.values()];
  await db.insertRows(
    'spans',
    ['entry', 'isp', 'first_started', 'first_run', 'last_started', 'last_run', 'runs', 'verdict', 'dns', 'ip', 'dpi', 'url'],
    inserts.map((s) => [s.entry, s.isp, s.first_started, s.first_run, s.last_started, s.last_run, s.runs, ...s.state]),
    ['int', 'int', 'int', 'int', 'int', 'int', 'int', 'int', 'int', 'int', 'int', 'int'],
  );
}

/** Only one transaction at a time edits an ISP's spans (two volunteers of one ISP recording at once). */
async function lockIsp(db: Backend, isp: number): Promise<void> {
  await db.all('SELECT pg_advisory_xact_lock(?::int, ?::int)', [0x5350414e /* "SPAN" */, isp]);
}

/**
 * Adds a run just recorded (its measurements inserted in this transaction) to its ISP's spans.
 * `cells`: each entry the run measured, with its state.
 */
export async function addRunToSpans(db: Backend, run: RunAt, cells: ReadonlyMap<number, State>): Promise<void> {
  await lockIsp(db, run.isp);
  const entries = [...cells.keys()];
  const prev = await neighbours(db, run.isp, entries, run.started, run.id, 'at_or_before');
  // The usual case: the ISP's newest run, so no span starts after it.
  const later = (await db.rows('SELECT 1 FROM runs WHERE isp = ? AND (started > ? OR (started = ? AND id > ?)) LIMIT 1', [run.isp, run.started, run.started, run.id])).length > 0;
  const next = later ? await neighbours(db, run.isp, entries, run.started, run.id, 'after') : new Map<number, Span>();
  const edit: Edit = { remove: [], add: [] };
  const splits: number[] = [];
  const one = (entry: number, state: State): Span => ({ entry, isp: run.isp, first_started: run.started, first_run: run.id, last_started: run.started, last_run: run.id, runs: 1, state });
  for (const [entry, state] of cells) {
    const p = prev.get(entry);
    const n = next.get(entry);
    if (p && before(run.started, run.id, p.last_started, p.last_run)) {
      // Inside a span: the same state counts one more run; another one splits it (below).
      if (sameState(p.state, state)) {
        edit.remove.push(p);
        edit.add.push({ ...p, runs: p.runs + 1 });
      } else {
        splits.push(entry);
      }
      continue;
    }
    const withP = p && sameState(p.state, state);
    const withN = n && sameState(n.state, state);
    if (withP && withN) {
      edit.remove.push(p, n);
      edit.add.push({ ...p, last_started: n.last_started, last_run: n.last_run, runs: p.runs + 1 + n.runs });
    } else if (withP) {
      edit.remove.push(p);
      edit.add.push({ ...p, last_started: run.started, last_run: run.id, runs: p.runs + 1 });
    } else if (withN) {
      edit.remove.push(n);
      edit.add.push({ ...n, first_started: run.started, first_run: run.id, runs: n.runs + 1 });
    } else {
      edit.add.push(one(entry, state));
    }
  }
  if (splits.length > 0) {
    // A late run in another state inside a span: the span before it, the run alone, the span after.
    const timeline = await timelineOf(db, run.isp);
    const x = await nearest(db, timeline, splits, run, 'before');
    const y = await nearest(db, timeline, splits, run, 'after');
    const after = await countAfter(db, timeline, new Map(splits.map((e) => [e, { started: prev.get(e)!.last_started, id: prev.get(e)!.last_run }])), run);
    for (const e of splits) {
      const p = prev.get(e)!;
      const xr = x.get(e)!;
      const yr = y.get(e)!;
      const tail = after.get(e)!;
      edit.remove.push(p);
      edit.add.push({ ...p, last_started: xr.started, last_run: xr.id, runs: p.runs - tail });
      edit.add.push(one(e, cells.get(e)!));
      edit.add.push({ ...p, first_started: yr.started, first_run: yr.id, runs: tail });
    }
  }
  await apply(db, edit);
}

/** Takes a run out of its ISP's spans before the run is deleted (a replaced recording). */
export async function removeRunFromSpans(db: Backend, run: RunAt): Promise<void> {
  await lockIsp(db, run.isp);
  const entries = (await db.rows('SELECT entry FROM measurements WHERE run = ?', [run.id])).map((r) => Number(r[0]));
  const holding = await neighbours(db, run.isp, entries, run.started, run.id, 'at_or_before');
  const edit: Edit = { remove: [], add: [] };
  const alone: Span[] = [];
  const firsts: Span[] = [];
  const lasts: Span[] = [];
  for (const e of entries) {
    const s = holding.get(e);
    if (!s || before(s.last_started, s.last_run, run.started, run.id)) continue; // not in a span (cannot happen in a consistent store)
    if (s.runs <= 1) alone.push(s);
    else if (s.first_run === run.id) firsts.push(s);
    else if (s.last_run === run.id) lasts.push(s);
    else {
      edit.remove.push(s);
      edit.add.push({ ...s, runs: s.runs - 1 });
    }
  }
  if (firsts.length + lasts.length > 0) {
    const timeline = await timelineOf(db, run.isp);
    const y = await nearest(db, timeline, firsts.map((s) => s.entry), run, 'after');
    const x = await nearest(db, timeline, lasts.map((s) => s.entry), run, 'before');
    for (const s of firsts) {
      const r = y.get(s.entry)!;
      edit.remove.push(s);
      edit.add.push({ ...s, first_started: r.started, first_run: r.id, runs: s.runs - 1 });
    }
    for (const s of lasts) {
      const r = x.get(s.entry)!;
      edit.remove.push(s);
      edit.add.push({ ...s, last_started: r.started, last_run: r.id, runs: s.runs - 1 });
    }
  }
  if (alone.length > 0) {
    // A span of this run alone goes; the spans on either side join when they hold the same state.
    // Each such span is [this run, this run]: its neighbours are found from the run's own place.
    const ids = alone.map((s) => s.entry);
    const p = await neighbours(db, run.isp, ids, run.started, run.id, 'before');
    const n = await neighbours(db, run.isp, ids, run.started, run.id, 'after');
    for (const s of alone) {
      edit.remove.push(s);
      const pp = p.get(s.entry);
      const nn = n.get(s.entry);
      if (pp && nn && sameState(pp.state, nn.state)) {
        edit.remove.push(pp, nn);
        edit.add.push({ ...pp, last_started: nn.last_started, last_run: nn.last_run, runs: pp.runs + nn.runs });
      }
    }
  }
  await apply(db, edit);
}
