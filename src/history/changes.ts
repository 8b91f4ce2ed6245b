// `history changes`: what became blocked, unblocked or changed method, per ISP. A change counts as
// confirmed once the new state holds for K consecutive measured runs (a flaky run is not news, as
// OONI's change detection waits for a sustained shift); the others are listed apart as unconfirmed:
// too recent to tell, or gone back before K runs.
import { classify, type ChangeKind } from '../report/diff.js';
import type { Cell, HistoryReader, RunRef } from './read.js';
import { isoTime } from './read.js';

export interface HistoryChange {
  isp: string;
  asn: number | null;
  input: string;
  url: string;
  category: string;
  change: Exclude<ChangeKind, 'added' | 'removed'>;
  from: string;
  to: string;
  run: string;
  at: string;
  /** Measured runs, from the change on, that kept the new state. */
  held: number;
  confirmed: boolean;
  /** Why not confirmed: 'too recent' (fewer than K runs since) or 'went back'. */
  unconfirmed_because: 'too recent' | 'went back' | null;
}

export interface ChangesOptions {
  /** Changes in runs started at or after this time (Unix seconds). */
  since?: number;
  /** Changes in each ISP's last N runs. */
  last?: number;
  isp?: string;
  confirm: number;
}

export async function historyChanges(h: HistoryReader, o: ChangesOptions): Promise<HistoryChange[]> {
  const out: HistoryChange[] = [];
  for (const ispId of h.ispFilter(o.isp)) {
    const all = await h.runs(ispId);
    if (all.length === 0) continue;
    let first = o.last !== undefined ? Math.max(0, all.length - o.last) : o.since !== undefined ? all.findIndex((r) => r.started >= o.since!) : 0;
    if (first === -1) continue;
    // The state before the window: a few runs before it (an entry not measured in them has no baseline).
    const lookback = Math.max(3, o.confirm);
    const from = Math.max(0, first - lookback);
    const runs = all.slice(from);
    first -= from;
    const grid = new Map<number, (Cell | null)[]>();
    for (let i = 0; i < runs.length; i++) {
      for (const [entry, cell] of await h.cells(runs[i]!.id)) {
        let row = grid.get(entry);
        if (!row) grid.set(entry, (row = new Array<Cell | null>(runs.length).fill(null)));
        row[i] = cell;
      }
    }
    const found: { entry: number; c: Omit<HistoryChange, 'input' | 'url' | 'category'> }[] = [];
    const cls = classifier(h);
    for (const [entry, row] of grid) for (const c of entryChanges(h, row, runs, first, o.confirm, cls)) found.push({ entry, c: { ...c, isp: h.ispLabel(ispId), asn: h.isps.get(ispId)?.asn ?? null } });
    const info = await h.entries([...new Set(found.map((f) => f.entry))]);
    for (const f of found) {
      const e = info.get(f.entry)!;
      out.push({ isp: f.c.isp, asn: f.c.asn, input: e.input, url: e.url, category: e.category, change: f.c.change, from: f.c.from, to: f.c.to, run: f.c.run, at: f.c.at, held: f.c.held, confirmed: f.c.confirmed, unconfirmed_because: f.c.unconfirmed_because });
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => cmp(a.isp, b.isp) || cmp(a.at, b.at) || cmp(a.input, b.input));
}

/** classify() of two states, computed once per pair of distinct states. */
function classifier(h: HistoryReader) {
  const memo = new Map<string, ReturnType<typeof classify>>();
  return (a: Cell, b: Cell) => {
    const key = `${h.stateId(a)}:${h.stateId(b)}`;
    let v = memo.get(key);
    if (v === undefined && !memo.has(key)) memo.set(key, (v = classify(h.outcome(a), h.outcome(b))));
    return v ?? null;
  };
}

function entryChanges(h: HistoryReader, row: (Cell | null)[], runs: RunRef[], first: number, k: number, cls: ReturnType<typeof classifier>) {
  const out: Omit<HistoryChange, 'input' | 'url' | 'category' | 'isp' | 'asn'>[] = [];
  // Conclusive observations only: a run that did not measure the entry, or could not judge it, says nothing.
  const obs: { i: number; cell: Cell }[] = [];
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (c && h.outcome(c).verdict !== 'inconclusive') obs.push({ i, cell: c });
  }
  // Against the last established state, not the previous run: a one-run flap and its return are
  // one unconfirmed change, not two.
  let base = obs[0]?.cell ?? null;
  for (let j = 1; j < obs.length && base; j++) {
    const cur = obs[j]!;
    const kind = cls(base, cur.cell);
    if (!kind || kind === 'added' || kind === 'removed') continue;
    let held = 1;
    let wentBack = false;
    for (let m = j + 1; m < obs.length && held < k; m++) {
      if (cls(cur.cell, obs[m]!.cell) === null) held++;
      else {
        wentBack = true;
        break;
      }
    }
    const confirmed = held >= k;
    if (cur.i >= first) {
      out.push({
        change: kind, from: h.stateText(base), to: h.stateText(cur.cell), run: runs[cur.i]!.run_id, at: isoTime(runs[cur.i]!.started),
        held, confirmed, unconfirmed_because: confirmed ? null : wentBack ? 'went back' : 'too recent',
      });
    }
    if (confirmed) base = cur.cell;
  }
  return out;
}
