// How our verdict on an OONI measurement compares with OONI's own `blocking`/`accessible`
// (nettests/ts-017): both are put in one of a few classes a reader can compare.

/** OONI's `blocking` as report.json counts it: dns, tcp_ip, http-failure, http-diff, false, null. */
export function ooniKey(blocking: string | false | null): string {
  if (blocking === false) return 'false';
  if (blocking === null) return 'null';
  return ['dns', 'tcp_ip', 'http-failure', 'http-diff'].includes(blocking) ? blocking : 'other';
}

export type Class = 'dns' | 'ip' | 'http' | 'ok' | 'not-blocked-down' | 'unknown';

/** OONI's answer as a class: false+accessible is ok; false+not accessible is down (or the site's own refusal). */
export function ooniClass(blocking: string | false | null, accessible: boolean | null): Class {
  if (blocking === 'dns') return 'dns';
  if (blocking === 'tcp_ip') return 'ip';
  if (blocking === 'http-failure' || blocking === 'http-diff') return 'http';
  if (blocking === false) return accessible === false ? 'not-blocked-down' : 'ok';
  return 'unknown';
}

/** Our verdict as a class; geoblock is the site's own refusal, never censorship. */
export function ourClass(verdict: string): Class {
  switch (verdict) {
    case 'dns':
      return 'dns';
    case 'ip':
      return 'ip';
    case 'dpi':
    case 'url':
      return 'http';
    case 'ok':
      return 'ok';
    case 'down':
    case 'geoblock':
      return 'not-blocked-down';
    default:
      return 'unknown';
  }
}

/** Counts per OONI blocking value of our verdicts, and how many differ in class. */
export class Agreement {
  readonly matrix: Record<string, Record<string, number>> = {};
  differ = 0;
  agree = 0;
  /** Our `inconclusive` verdicts per missing step (a measurement may lack several). */
  readonly missing: Record<string, number> = {};

  add(blocking: string | false | null, accessible: boolean | null, verdict: string, missing: string[]): boolean {
    const row = (this.matrix[ooniKey(blocking)] ??= {});
    row[verdict] = (row[verdict] ?? 0) + 1;
    if (verdict === 'inconclusive') for (const m of missing) this.missing[m] = (this.missing[m] ?? 0) + 1;
    const same = ooniClass(blocking, accessible) === ourClass(verdict);
    if (same) this.agree++;
    else this.differ++;
    return !same;
  }

  toJSON() {
    return { by_ooni_blocking: this.matrix, agree: this.agree, differ: this.differ, inconclusive_missing_step: this.missing };
  }
}
