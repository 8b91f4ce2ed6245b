// `history editions`: for each edition of a list (its SHA-256), how long each ISP took to block the
// entries it added (first run where each was blocked), and which of its entries each ISP still lets
// through in its latest run.
import { BLOCKED } from '../report/merge.js';
import type { HistoryReader } from './read.js';
import { isoTime } from './read.js';

export interface EditionEnforcement {
  list: string;
  sha256: string;
  entries: number;
  hashed: string;
  first_seen: string;
  /** Entries this edition names that the list's previous edition did not. */
  added: number;
  isps: {
    isp: string;
    asn: number | null;
    /** Added entries blocked by now, and after how many days (median, longest). */
    enforced: number;
    median_days: number | null;
    max_days: number | null;
    /** Entries of this edition the ISP's latest run found reachable (verdict ok). */
    still_reachable: string[];
  }[];
}

export async function historyEditions(h: HistoryReader, isp?: string): Promise<EditionEnforcement[]> {
  const db = h.store.db;
  const eds = await db.all<Record<string, unknown>>(
    `SELECT e.id, e.list, e.sha256, e.entries, e.hashed, MIN(r.started) AS first_seen
     FROM editions e JOIN run_editions re ON re.edition = e.id JOIN runs r ON r.id = re.run
     GROUP BY e.id, e.list, e.sha256, e.entries, e.hashed ORDER BY e.list, first_seen`,
  );
  const blocked = [...h.labels].filter(([, n]) => (BLOCKED as readonly string[]).includes(n)).map(([id]) => id);
  const okId = [...h.labels].find(([, n]) => n === 'ok')?.[0] ?? -1;
  const isps = h.ispFilter(isp);
  const latest = new Map<number, number>();
  for (const i of isps) {
    const runs = await h.runs(i);
    if (runs.length) latest.set(i, runs[runs.length - 1]!.id);
  }
  const out: EditionEnforcement[] = [];
  let prevByList = new Map<string, number>();
  for (const e of eds) {
    const id = Number(e.id);
    const list = String(e.list);
    const firstSeen = Number(e.first_seen);
    const prev = prevByList.get(list);
    prevByList = new Map(prevByList).set(list, id);
    const added = (await db.all<{ entry: number }>(
      prev === undefined
        ? 'SELECT entry FROM entry_editions WHERE edition = ?'
        : 'SELECT entry FROM entry_editions WHERE edition = ? AND entry NOT IN (SELECT entry FROM entry_editions WHERE edition = ?)',
      prev === undefined ? [id] : [id, prev],
    )).map((r) => Number(r.entry));
    const row: EditionEnforcement = { list, sha256: String(e.sha256), entries: Number(e.entries), hashed: String(e.hashed), first_seen: isoTime(firstSeen), added: added.length, isps: [] };
    for (const i of isps) {
      const days: number[] = [];
      const CHUNK = 500;
      for (let c = 0; c < added.length && blocked.length; c += CHUNK) {
        const part = added.slice(c, c + CHUNK);
        const firsts = await db.all<{ entry: number; first: number }>(
          `SELECT m.entry, MIN(r.started) AS first FROM runs r JOIN measurements m ON m.run = r.id
           WHERE r.isp = ? AND r.started >= ? AND m.entry IN (${part.map(() => '?').join(', ')}) AND m.verdict IN (${blocked.map(() => '?').join(', ')})
           GROUP BY m.entry`,
          [i, firstSeen, ...part, ...blocked],
        );
        for (const f of firsts) days.push((Number(f.first) - firstSeen) / 86_400);
      }
      days.sort((a, b) => a - b);
      const run = latest.get(i);
      const reachable = run === undefined ? [] : (await db.all<{ input: string }>(
        `SELECT en.input FROM measurements m JOIN entry_editions ee ON ee.entry = m.entry AND ee.edition = ? JOIN entries en ON en.id = m.entry
         WHERE m.run = ? AND m.verdict = ? ORDER BY en.input`,
        [id, run, okId],
      )).map((r) => r.input);
      const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10);
      row.isps.push({ isp: h.ispLabel(i), asn: h.isps.get(i)?.asn ?? null, enforced: days.length, median_days: round(days[(days.length - 1) >> 1]), max_days: round(days[days.length - 1]), still_reachable: reachable });
    }
    out.push(row);
  }
  return out;
}
