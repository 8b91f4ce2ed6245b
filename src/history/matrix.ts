// `history matrix [--at DATE]`: site x ISP, each ISP's latest verdict at that date (its last
// complete run by then, else its last run).
import type { HistoryReader } from './read.js';
import { isoTime } from './read.js';

export interface Matrix {
  at: string;
  isps: { isp: string; asn: number | null; run: string; started: string }[];
  rows: { input: string; url: string; category: string; cells: string[] }[];
}

export async function historyMatrix(h: HistoryReader, at?: number, isp?: string): Promise<Matrix> {
  const until = at ?? Math.floor(Date.now() / 1000);
  const cols: Matrix['isps'] = [];
  const grids: Map<number, string>[] = [];
  for (const ispId of h.ispFilter(isp)) {
    const runs = await h.runs(ispId, until);
    const run = [...runs].reverse().find((r) => r.complete) ?? runs[runs.length - 1];
    if (!run) continue;
    cols.push({ isp: h.ispLabel(ispId), asn: h.isps.get(ispId)?.asn ?? null, run: run.run_id, started: isoTime(run.started) });
    const grid = new Map<number, string>();
    for (const [entry, cell] of await h.cells(run.id)) grid.set(entry, h.stateText(cell));
    grids.push(grid);
  }
  const ids = [...new Set(grids.flatMap((g) => [...g.keys()]))];
  const info = await h.entries(ids);
  const rows = ids.map((id) => ({ ...info.get(id)!, cells: grids.map((g) => g.get(id) ?? '') }));
  rows.sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
  return { at: isoTime(until), isps: cols, rows };
}
