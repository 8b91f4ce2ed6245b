// The section of an imported OONI run's page: how our verdicts compare with OONI's own `blocking`,
// and each measurement where they differ with the evidence on both sides, so a researcher sees
// which of OONI's results were false positives (a site's own refusal, a CAPTCHA) and which blocks
// it missed. Only runs made by `censorprobe import ooni` have it.
import { escapeHtml as h } from './assets.js';

export interface OoniDifference {
  input: string;
  verdict: string;
  reason: string;
  evidence: string[];
  ooni_blocking: string;
  ooni_accessible: string;
  report_id: string;
  measurement_uid: string;
  missing: string[];
}

export interface OoniView {
  /** report.json's `ooni_import`: counts per OONI blocking value of our verdicts. */
  agreement: { by_ooni_blocking?: Record<string, Record<string, number>>; agree?: number; differ?: number; inconclusive_missing_step?: Record<string, number> } | null;
  differences: OoniDifference[];
  /** Differences beyond those listed (the page stays small). */
  more: number;
}

/** At most this many differences are listed on the page; all are in measurements.jsonl (`ooni.differs`). */
export const MAX_LISTED = 2000;

type OoniFacts = { blocking?: unknown; accessible?: unknown; report_id?: unknown; measurement_uid?: unknown; differs?: unknown };
type RecordLike = { input: string; verdict: string; reason: string; layers: Record<string, { evidence: string[] } | null>; missing_steps?: string[]; ooni?: OoniFacts };

export class OoniCollector {
  readonly differences: OoniDifference[] = [];
  more = 0;
  seen = false;

  add(r: RecordLike): void {
    const o = r.ooni;
    if (!o) return;
    this.seen = true;
    if (o.differs !== true) return;
    if (this.differences.length >= MAX_LISTED) {
      this.more++;
      return;
    }
    const evidence = Object.values(r.layers).flatMap((f) => f?.evidence ?? []).filter(Boolean).slice(0, 6);
    this.differences.push({
      input: r.input,
      verdict: r.verdict,
      reason: r.reason,
      evidence,
      ooni_blocking: JSON.stringify(o.blocking ?? null),
      ooni_accessible: JSON.stringify(o.accessible ?? null),
      report_id: typeof o.report_id === 'string' ? o.report_id : '',
      measurement_uid: typeof o.measurement_uid === 'string' ? o.measurement_uid : '',
      missing: r.missing_steps ?? [],
    });
  }
}

const both = (en: string, el: string) => `<span lang="en">${h(en)}</span> <span lang="el" class="muted">/ ${h(el)}</span>`;

export function renderOoniSection(v: OoniView | null): string {
  if (!v) return '';
  const matrix = v.agreement?.by_ooni_blocking ?? {};
  const ours = [...new Set(Object.values(matrix).flatMap((row) => Object.keys(row)))].sort();
  const head = `<tr><th>${both("OONI's blocking", 'blocking του OONI')}</th>${ours.map((x) => `<th class="num">${h(x)}</th>`).join('')}</tr>`;
  const rows = Object.entries(matrix)
    .map(([k, row]) => `<tr><td>${h(k)}</td>${ours.map((x) => `<td class="num">${row[x] ?? 0}</td>`).join('')}</tr>`)
    .join('');
  const missing = Object.entries(v.agreement?.inconclusive_missing_step ?? {})
    .map(([k, n]) => `<li>${h(k)}: ${n}</li>`)
    .join('');
  const diffs = v.differences
    .map((d) => `<tr class="ooni-differ"><td>${h(d.input)}</td><td>${h(d.ooni_blocking)} / ${h(d.ooni_accessible)}</td><td>${h(d.verdict)}</td><td>${h(d.reason)}${d.evidence.length ? `<ul>${d.evidence.map((e) => `<li>${h(e)}</li>`).join('')}</ul>` : ''}${d.missing.length ? `<p class="muted">missing: ${h(d.missing.join(', '))}</p>` : ''}</td><td><code>${h(d.report_id)}</code><br><code>${h(d.measurement_uid)}</code></td></tr>`)
    .join('');
  return `<section id="ooni"><h2>${both('OONI and us', 'Το OONI και εμείς')}</h2>
<p>${both(`Our verdicts (columns) per OONI verdict (rows): ${v.agreement?.agree ?? 0} agree, ${v.agreement?.differ ?? 0} differ.`, `Οι ετυμηγορίες μας (στήλες) ανά ετυμηγορία του OONI (γραμμές): ${v.agreement?.agree ?? 0} συμφωνούν, ${v.agreement?.differ ?? 0} διαφέρουν.`)}</p>
<table><thead>${head}</thead><tbody>${rows}</tbody></table>
${missing ? `<p>${both('Inconclusive because a step OONI does not run was needed:', 'Αβέβαιο γιατί χρειαζόταν βήμα που το OONI δεν κάνει:')}</p><ul>${missing}</ul>` : ''}
<h3>${both('Where we and OONI differ', 'Πού διαφέρουμε από το OONI')}</h3>
<table><thead><tr><th>${both('entry', 'καταχώριση')}</th><th>OONI (blocking / accessible)</th><th>${both('ours', 'εμείς')}</th><th>${both('evidence', 'στοιχεία')}</th><th>report_id / measurement_uid</th></tr></thead><tbody>${diffs}</tbody></table>
${v.more > 0 ? `<p>${both(`${v.more} more differences are marked in measurements.jsonl (ooni.differs).`, `${v.more} ακόμη διαφορές σημειώνονται στο measurements.jsonl (ooni.differs).`)}</p>` : ''}</section>`;
}
