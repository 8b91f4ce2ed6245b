// The counts `lists check` prints: how much a list holds and of what kind, per file and in total.
import type { LoadedLists } from './load.js';

export interface ListSummary {
  file: string;
  entries: number;
  duplicates: number;
  problems: number;
  byCategory: Record<string, number>;
  byScheme: Record<string, number>;
  ipLiterals: number;
  idns: number;
  withPort: number;
  withPath: number;
}

function empty(file: string): ListSummary {
  return { file, entries: 0, duplicates: 0, problems: 0, byCategory: {}, byScheme: {}, ipLiterals: 0, idns: 0, withPort: 0, withPath: 0 };
}

/** Per-file summaries in the order given, then the total (file '' ). */
export function summarise(loaded: LoadedLists, files: readonly string[]): { perFile: ListSummary[]; total: ListSummary } {
  const byFile = new Map(files.map((f) => [f, empty(f)]));
  const total = empty('');
  const get = (file: string) => {
    let s = byFile.get(file);
    if (s === undefined) byFile.set(file, (s = empty(file)));
    return s;
  };
  for (const e of loaded.entries) {
    for (const s of [get(e.list), total]) {
      s.entries++;
      s.byCategory[e.category_code] = (s.byCategory[e.category_code] ?? 0) + 1;
      s.byScheme[e.scheme] = (s.byScheme[e.scheme] ?? 0) + 1;
      if (e.is_ip) s.ipLiterals++;
      if (e.host_unicode !== e.host) s.idns++;
      if (e.port !== null) s.withPort++;
      if (e.path !== '/') s.withPath++;
    }
  }
  for (const d of loaded.duplicates) {
    get(d.file).duplicates++;
    total.duplicates++;
  }
  for (const p of loaded.problems) {
    get(p.file).problems++;
    total.problems++;
  }
  return { perFile: [...byFile.values()], total };
}

function counts(record: Record<string, number>): string {
  const pairs = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return pairs.length === 0 ? '-' : pairs.map(([k, v]) => `${k} ${v}`).join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatSummary(s: ListSummary): string[] {
  const name = s.file === '' ? 'total' : s.file;
  return [
    `${name}: ${s.entries + s.duplicates + s.problems} rows: ${s.entries} entries, ${plural(s.duplicates, 'duplicate')}, ${plural(s.problems, 'error')}`,
    `  by category: ${counts(s.byCategory)}`,
    `  by scheme: ${counts(s.byScheme)}`,
    `  IP literals ${s.ipLiterals}, IDNs ${s.idns}, with port ${s.withPort}, with path ${s.withPath}`,
  ];
}
