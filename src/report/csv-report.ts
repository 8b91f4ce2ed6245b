// `report csv`: entries.csv and kinds.csv of a run folder, for spreadsheets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { CsvSummarySink, safeCell } from './csv.js';
import { UI, type UiKey } from './html/i18n.js';
import { LAYERS, VERDICTS } from './html/model.js';
import { readRecords, readRunMeta, runColumnsOf, type Warn } from './read.js';

const warn: Warn = (m) => console.error(`censorprobe: warning: ${m}`);

export const ENTRIES_CSV = 'entries.csv';
export const KINDS_CSV = 'kinds.csv';

/**
 * `report csv`: entries.csv (a row per entry, the columns of summary.csv, rebuilt from the JSONL so
 * an interrupted run gets one too) and kinds.csv (entries per verdict and per method, with plain
 * labels in English and Greek). Both UTF-8 with BOM, formula-like cells neutralised.
 */
export async function writeCsvReport(dir: string, out = dir, w: Warn = warn): Promise<{ files: string[]; entries: number }> {
  mkdirSync(out, { recursive: true });
  const entriesPath = join(out, ENTRIES_CSV);
  const sink = new CsvSummarySink(entriesPath, runColumnsOf(readRunMeta(dir, () => undefined)));
  const verdicts = new Map<string, number>();
  const kinds = new Map<string, number>();
  let n = 0;
  try {
    for await (const r of readRecords(dir, w)) {
      sink.write(r);
      n++;
      verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
      for (const layer of LAYERS) {
        const f = r.layers[layer];
        if (f) kinds.set(`${layer}:${f.kind}`, (kinds.get(`${layer}:${f.kind}`) ?? 0) + 1);
      }
    }
  } finally {
    sink.close();
  }
  const share = (x: number) => (n === 0 ? '0' : ((100 * x) / n).toFixed(1));
  const labelOf = (key: string, lang: 'en' | 'el') => (key in UI.en ? UI[lang][key as UiKey] : '');
  const rows: string[][] = [['group', 'name', 'label_en', 'label_el', 'entries', 'percent_of_entries']];
  for (const v of VERDICTS) rows.push(['verdict', v, labelOf(`v_${v}`, 'en'), labelOf(`v_${v}`, 'el'), String(verdicts.get(v) ?? 0), share(verdicts.get(v) ?? 0)]);
  for (const [key, count] of [...kinds.entries()].sort((a, b) => b[1] - a[1])) {
    const [layer, kind] = key.split(':') as [string, string];
    rows.push([layer, kind, labelOf(`k_${kind}`, 'en'), labelOf(`k_${kind}`, 'el'), String(count), share(count)]);
  }
  const kindsPath = join(out, KINDS_CSV);
  writeFileSync(kindsPath, `\uFEFF${stringify(rows.map((r) => r.map(safeCell)))}`);
  return { files: [entriesPath, kindsPath], entries: n };
}
