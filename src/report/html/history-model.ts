// The history page's data, read from the store one run at a time: blocked counts per kind per ISP
// per run (the charts), and for each entry ever seen blocked or changing, its spans of equal state
// per ISP (the timelines). Entries always ok keep the file small and are left out.
import { BLOCKED } from '../merge.js';
import type { HistoryReader } from '../../history/read.js';
import { isoTime } from '../../history/read.js';

export interface HistorySpan {
  /** State in one word (`dns:nxdomain`, `ok`), its verdict, runs, first and last time (ISO). */
  s: string;
  v: string;
  n: number;
  a: string;
  b: string;
}

export interface HistoryPageData {
  generated: string;
  store: string;
  isps: { isp: string; runs: { run: string; at: string; dns: number; ip: number; dpi: number; url: number; measured: number }[] }[];
  /** Entries with their spans per ISP (same order as `isps`; empty when that ISP never measured it). */
  entries: { input: string; url: string; category: string; spans: HistorySpan[][] }[];
}

export async function historyPageData(h: HistoryReader, isp?: string): Promise<HistoryPageData> {
  const ispIds = h.ispFilter(isp);
  const blockedIds = new Set([...h.labels].filter(([, n]) => (BLOCKED as readonly string[]).includes(n)).map(([id]) => id));
  const isps: HistoryPageData['isps'] = [];
  const spans = new Map<number, HistorySpan[][]>();
  const interesting = new Set<number>();
  for (const [col, ispId] of ispIds.entries()) {
    const runs = await h.runs(ispId);
    const counts: HistoryPageData['isps'][number]['runs'] = [];
    for (const run of runs) {
      const at = isoTime(run.started);
      const c = { run: run.run_id, at, dns: 0, ip: 0, dpi: 0, url: 0, measured: 0 };
      for (const [entry, cell] of await h.cells(run.id)) {
        c.measured++;
        if (blockedIds.has(cell.verdict)) {
          // Counted under its first blocking layer, as the verdict is.
          const layer = (['dns', 'ip', 'dpi', 'url'] as const).find((l) => cell[l] !== null);
          if (layer) c[layer]++;
          interesting.add(entry);
        }
        let row = spans.get(entry);
        if (!row) spans.set(entry, (row = ispIds.map(() => [])));
        const list = row[col]!;
        const state = h.stateText(cell);
        const last = list[list.length - 1];
        if (last && last.s === state) {
          last.n++;
          last.b = at;
        } else {
          if (last) interesting.add(entry);
          list.push({ s: state, v: h.outcome(cell).verdict, n: 1, a: at, b: at });
        }
      }
      counts.push(c);
    }
    isps.push({ isp: h.ispLabel(ispId), runs: counts });
  }
  const ids = [...interesting];
  const info = await h.entries(ids);
  const entries = ids.map((id) => ({ ...info.get(id)!, spans: spans.get(id)! })).sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
  return { generated: new Date().toISOString(), store: h.store.where.replace(/^.*[\\/]/, ''), isps, entries };
}
