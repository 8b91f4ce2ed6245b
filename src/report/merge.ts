// `censorprobe report merge DIR... --out DIR`: runs from several volunteers, ISPs and days in one
// matrix, entry × ISP → verdict and method, with each ISP's totals and where ISPs disagree. Runs of
// the same ISP are folded: the latest run's verdict for an entry wins (blocks change over time).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Verdict } from '../analysis/types.js';
import { UsageError } from '../errors.js';
import { safeCell } from './csv.js';
import { mergePageScript } from './html/client.js';
import { escapeHtml as h } from './html/assets.js';
import { SENTENCES, UI } from './html/i18n.js';
import { VERDICTS, LAYERS } from './html/model.js';
import { label } from './html/label.js';
import { shell } from './html/page.js';
import { requireRunFolder, type Warn } from './run-folder/files.js';
import { readRecords } from './run-folder/read.js';
import { ispLabel, readRunMeta } from './run-folder/report-json.js';

export const BLOCKED: readonly Verdict[] = ['dns', 'ip', 'dpi', 'url'];
export const isBlocked = (v: Verdict) => BLOCKED.includes(v);

export interface MergeRunInfo {
  dir: string;
  run_id: string;
  isp: string;
  start: string;
  entries: number;
}

/** One ISP's result for an entry: verdict and `layer:kind` methods. */
export type Cell = { verdict: Verdict; kinds: string[] } | null;

export interface MergeRow {
  input: string;
  category: string;
  cells: Cell[];
}

export type Agreement = 'all' | 'none' | 'some';

export interface Merged {
  isps: string[];
  runs: MergeRunInfo[];
  rows: MergeRow[];
  totals: { isp: string; runs: number; measured: number; blocked: number; counts: Record<Verdict, number> }[];
  agreement: Record<Agreement, number>;
  /** Entries blocked at `blocked` and measured unblocked at `open`. */
  pairs: { blocked: string; open: string; entries: number }[];
}

/** Whether the ISPs that measured an entry agree: every one blocks it, none does, or some do. */
export function agreementOf(cells: Cell[]): Agreement {
  const measured = cells.filter((c): c is NonNullable<Cell> => c !== null && c.verdict !== 'inconclusive');
  const blocked = measured.filter((c) => isBlocked(c.verdict)).length;
  if (blocked === 0) return 'none';
  return blocked === measured.length ? 'all' : 'some';
}

export async function mergeRuns(dirs: string[], warn?: Warn): Promise<Merged> {
  if (dirs.length === 0) throw new UsageError('report merge: give at least one run folder');
  const infos = dirs.map((dir) => {
    requireRunFolder(dir);
    const meta = readRunMeta(dir, warn);
    return { dir, meta, isp: ispLabel(meta, basename(resolve(dir))), start: meta?.measurement_start_time ?? '' };
  });
  // Oldest first, so a later run of the same ISP overwrites an earlier one's verdicts.
  infos.sort((a, b) => a.start.localeCompare(b.start));
  const isps = [...new Set(infos.map((i) => i.isp))];
  const rows = new Map<string, MergeRow>();
  const runs: MergeRunInfo[] = [];
  for (const info of infos) {
    const col = isps.indexOf(info.isp);
    let n = 0;
    let runId = info.meta?.run_id ?? '';
    for await (const r of readRecords(info.dir, warn)) {
      n++;
      runId ||= r.run_id;
      let row = rows.get(r.input);
      if (!row) {
        row = { input: r.input, category: r.target.category_code, cells: isps.map(() => null) };
        rows.set(r.input, row);
      }
      row.cells[col] = { verdict: r.verdict, kinds: LAYERS.flatMap((l) => (r.layers[l] ? [`${l}:${r.layers[l]!.kind}`] : [])) };
    }
    runs.push({ dir: info.dir, run_id: runId, isp: info.isp, start: info.start, entries: n });
  }
  const all = [...rows.values()];
  const totals = isps.map((isp, col) => {
    const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
    let measured = 0;
    for (const row of all) {
      const c = row.cells[col];
      if (!c) continue;
      measured++;
      counts[c.verdict]++;
    }
    return { isp, runs: runs.filter((r) => r.isp === isp).length, measured, blocked: BLOCKED.reduce((s, v) => s + counts[v], 0), counts };
  });
  const agreement: Record<Agreement, number> = { all: 0, none: 0, some: 0 };
  for (const row of all) agreement[agreementOf(row.cells)]++;
  const pairs: Merged['pairs'] = [];
  for (let a = 0; a < isps.length; a++) {
    for (let b = 0; b < isps.length; b++) {
      if (a === b) continue;
      const n = all.filter((row) => {
        const x = row.cells[a];
        const y = row.cells[b];
        return x && y && isBlocked(x.verdict) && (y.verdict === 'ok');
      }).length;
      pairs.push({ blocked: isps[a]!, open: isps[b]!, entries: n });
    }
  }
  return { isps, runs, rows: all, totals, agreement, pairs };
}

const BOM = '\uFEFF';
const csv = (rows: (string | number)[][]) => BOM + stringify(rows.map((r) => r.map((c) => (typeof c === 'number' ? String(c) : safeCell(c)))));

/** merge.csv (the matrix), merge-totals.csv, merge-pairs.csv and merge.html in `out`. */
export function writeMerge(m: Merged, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const matrix = [
    ['input', 'category', 'agreement', ...m.isps.flatMap((i) => [`${i}: verdict`, `${i}: method`])],
    ...m.rows.map((r) => [r.input, r.category, agreementOf(r.cells), ...r.cells.flatMap((c) => (c ? [c.verdict, c.kinds.join(' ')] : ['', '']))]),
  ];
  const totals = [
    ['isp', 'runs', 'measured', 'blocked', ...VERDICTS],
    ...m.totals.map((t) => [t.isp, t.runs, t.measured, t.blocked, ...VERDICTS.map((v) => t.counts[v])]),
  ];
  const pairs = [['blocked_at', 'not_blocked_at', 'entries'], ...m.pairs.map((p) => [p.blocked, p.open, p.entries])];
  const files: [string, string][] = [
    ['merge.csv', csv(matrix)],
    ['merge-totals.csv', csv(totals)],
    ['merge-pairs.csv', csv(pairs)],
    ['merge.html', renderMergePage(m)],
  ];
  return files.map(([name, text]) => {
    const path = join(out, name);
    writeFileSync(path, text);
    return path;
  });
}

export function renderMergePage(m: Merged): string {
  const runs = `<section id="runs"><h2>${label('merge_runs')}</h2><table><thead><tr><th>${label('isp')}</th><th>${label('run')}</th><th>${label('started')}</th><th class="num">${label('count')}</th></tr></thead><tbody>${m.runs
    .map((r) => `<tr><td>${h(r.isp)}</td><td>${h(r.run_id)}</td><td>${h(r.start)}</td><td class="num">${r.entries}</td></tr>`)
    .join('')}</tbody></table></section>`;
  const totals = `<section id="totals"><h2>${label('merge_totals')}</h2><table><thead><tr><th>${label('isp')}</th><th class="num">${label('count')}</th>${VERDICTS.map((v) => `<th class="num">${label(`v_${v}`)}</th>`).join('')}</tr></thead><tbody>${m.totals
    .map((t) => `<tr><td>${h(t.isp)}</td><td class="num">${t.measured}</td>${VERDICTS.map((v) => `<td class="num">${t.counts[v]}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></section>`;
  const agree = `<section id="agreement"><h2>${label('merge_agree')}</h2><div class="cards"><div class="card v-dns"><div class="n">${m.agreement.all}</div>${label('merge_all_blocked')}</div><div class="card v-url"><div class="n">${m.agreement.some}</div>${label('merge_some_blocked')}</div><div class="card v-ok"><div class="n">${m.agreement.none}</div>${label('merge_none_blocked')}</div></div></section>`;
  const pairs = m.pairs.length
    ? `<section id="pairs"><h2>${label('merge_pairs')}</h2><table><tbody>${m.pairs
        .map((p) => `<tr><td>${label('merge_pair_row', [p.blocked, p.open])}</td><td class="num">${p.entries}</td></tr>`)
        .join('')}</tbody></table></section>`
    : '';
  const matrix = `<section id="entries"><h2>${label('merge_matrix')}</h2>
<div class="controls"><label>${label('search')}<input type="search" id="cp-search" data-i18n-placeholder="search_hint" placeholder="${h(UI.en.search_hint)}" autocomplete="off"></label>
<label>${label('merge_agree')}<select id="cp-only"><option value="" data-i18n="all">${h(UI.en.all)}</option><option value="disagree" data-i18n="merge_some_blocked">${h(UI.en.merge_some_blocked)}</option></select></label></div>
<p id="cp-shown" aria-live="polite"></p>
<table id="cp-table"><thead><tr><th>${label('entry')}</th><th>${label('category')}</th>${m.isps.map((i) => `<th>${h(i)}</th>`).join('')}</tr></thead><tbody id="cp-rows"></tbody></table>
<div class="pager"><button type="button" id="cp-prev">${label('prev')}</button><span id="cp-page"></span><button type="button" id="cp-next">${label('next')}</button></div></section>`;
  const data = {
    ui: UI,
    s: SENTENCES,
    isps: m.isps,
    rows: m.rows.map((r) => ({ i: r.input, c: r.category, d: agreementOf(r.cells) === 'some', r: r.cells.map((c) => (c ? [c.verdict, c.kinds.join(' ')] : null)) })),
  };
  return shell({
    titleKey: 'merge_title',
    subtitle: m.isps.join(' · '),
    body: [runs, totals, agree, pairs, matrix].join('\n'),
    data,
    script: mergePageScript,
    withChart: false,
  });
}
