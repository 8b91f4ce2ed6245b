// What the HTML report shows, gathered in one streaming pass over a run folder: a compact row per
// entry (short keys: 15,000 of them go into the page) and the run-level figures.
import type { Verdict } from '../../analysis/types.js';
import type { MeasurementRecord } from '../../record.js';
import type { Warn } from '../run-folder/files.js';
import { readRecords } from '../run-folder/read.js';
import { readRunMeta, type RunMeta } from '../run-folder/report-json.js';
import { explain, fingerprintInfo, fingerprintsOf, type Sentence } from './explain.js';
import { OoniCollector, type OoniView } from './ooni.js';
import { RttHistogram, binLabels, type RttSeries } from './rtt.js';
import { CollateralIndex, type CollateralAddress } from '../collateral.js';

export const VERDICTS: Verdict[] = ['dns', 'ip', 'dpi', 'url', 'geoblock', 'ok', 'down', 'inconclusive'];
export const LAYERS = ['dns', 'ip', 'dpi', 'url'] as const;

/** One table row. Keys are one letter to keep a 15,000-entry page small. */
export interface Row {
  /** The entry as listed. */
  i: string;
  /** The host in Unicode (what a reader recognises: 22bet.ελ, not xn--). */
  h: string;
  /** Category code. */
  c: string;
  v: Verdict;
  /** Findings as `layer:kind`. */
  k: string[];
  /** Fingerprint names. */
  f: string[];
  /** The ISP's answer. */
  a: string;
  /** The answer abroad. */
  t: string;
  /** Plain-language sentences. */
  x: Sentence[];
  /** The analysis' evidence (English), empty for plain ok rows. */
  e: string[];
  /** When the entry was measured: seconds since 1970 (UTC), or null. */
  m: number | null;
}

export interface FingerprintSeen {
  name: string;
  isp: string;
  source: string;
  historical: boolean;
  entries: number;
}

export interface ReportData {
  meta: RunMeta | null;
  run_id: string;
  rows: Row[];
  counts: Record<Verdict, number>;
  kinds: Record<string, Record<string, number>>;
  fingerprints: FingerprintSeen[];
  /** IP-blocked addresses other measured entries share. */
  collateral: CollateralAddress[];
  rtt: { labels: string[]; series: RttSeries[] };
  warnings: string[];
  /** Runs imported from OONI: the comparison with OONI's own verdicts (null otherwise). */
  ooni?: OoniView | null;
}

/** OONI's "YYYY-MM-DD hh:mm:ss" (UTC) as seconds since 1970, or null. */
function measuredSeconds(t: string | undefined): number | null {
  const ms = t ? Date.parse(`${t.replace(' ', 'T')}Z`) : NaN;
  return Number.isNaN(ms) ? null : Math.round(ms / 1000);
}

export function toRow(r: MeasurementRecord): Row {
  const k: string[] = [];
  const e: string[] = [];
  for (const layer of LAYERS) {
    const f = r.layers[layer];
    if (!f) continue;
    k.push(`${layer}:${f.kind}`);
    e.push(...f.evidence.filter((s) => s !== ''));
  }
  if (k.length === 0 && r.verdict !== 'ok') e.push(r.reason);
  return {
    i: r.input,
    h: r.target.host_unicode || r.target.host,
    c: r.target.category_code,
    v: r.verdict,
    k,
    f: fingerprintsOf(r),
    a: r.isp_addrs.join(' '),
    t: r.truth_addrs.join(' '),
    x: explain(r),
    e,
    m: measuredSeconds(r.measurement_start_time),
  };
}

export async function collectReport(dir: string, warn?: Warn): Promise<ReportData> {
  const warnings: string[] = [];
  const note: Warn = (m) => {
    warnings.push(m);
    warn?.(m);
  };
  const meta = readRunMeta(dir, note);
  const rows: Row[] = [];
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const kinds: Record<string, Record<string, number>> = { dns: {}, ip: {}, dpi: {}, url: {} };
  const fps = new Map<string, number>();
  const rtt = new RttHistogram();
  const collateral = new CollateralIndex();
  let runId = meta?.run_id ?? '';
  const ooni = new OoniCollector();
  for await (const r of readRecords(dir, note)) {
    rows.push(toRow(r));
    ooni.add(r as unknown as Parameters<OoniCollector['add']>[0]);
    counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    for (const layer of LAYERS) {
      const f = r.layers[layer];
      if (f) kinds[layer]![f.kind] = (kinds[layer]![f.kind] ?? 0) + 1;
    }
    for (const name of fingerprintsOf(r)) fps.set(name, (fps.get(name) ?? 0) + 1);
    rtt.add(r);
    collateral.add(r);
    if (!runId) runId = r.run_id;
  }
  // Counted from the records, not taken from report.json: the table and the headline must agree
  // even when the run was interrupted before report.json was written.
  const fingerprints = [...fps.entries()]
    .map(([name, entries]) => {
      const info = fingerprintInfo(name);
      return { name, entries, isp: info?.isp ?? 'learned in this run', source: info?.source ?? '', historical: info?.historical ?? false };
    })
    .sort((a, b) => b.entries - a.entries);
  const agreement = (meta as { ooni_import?: OoniView['agreement'] } | null)?.ooni_import ?? null;
  const ooniView = ooni.seen ? { agreement, differences: ooni.differences, more: ooni.more } : null;
  return { meta, run_id: runId, rows, counts, kinds, fingerprints, collateral: collateral.result(), rtt: { labels: binLabels(), series: rtt.result() }, warnings, ooni: ooniView };
}
