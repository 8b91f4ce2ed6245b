// The ideal lower bound of a run's wall time, from what cannot be avoided: each entry's own waits
// (resolver delays, the UDP late-reply window, connect timeouts against drops and dead hosts), as
// measured one at a time in the serial run, divided by the concurrency; plus the run's fixed part
// (start, idle-line calibration before and after, summaries). On a shaped line the bytes each entry
// must move bound it too.

export interface SerialProfile {
  /** Mean seconds per entry of each kind at --concurrency 1. */
  meanByKind: Record<string, number>;
  /** Mean over all entries (for kinds the serial subset did not contain). */
  mean: number;
  /** Wall time not spent in entries: start, calibrations, summaries. */
  fixedS: number;
}

export function serialProfile(runtimes: readonly { kind: string; s: number }[], wallS: number): SerialProfile {
  const sums = new Map<string, { s: number; n: number }>();
  let total = 0;
  for (const r of runtimes) {
    const x = sums.get(r.kind) ?? { s: 0, n: 0 };
    x.s += r.s;
    x.n++;
    sums.set(r.kind, x);
    total += r.s;
  }
  return {
    meanByKind: Object.fromEntries([...sums].map(([k, v]) => [k, v.s / v.n])),
    mean: runtimes.length ? total / runtimes.length : 0,
    fixedS: Math.max(0, wallS - total),
  };
}

/** Lower bound (s) from waits: the entries' serial time spread over `concurrency`, never shorter than
 * the slowest kind present, plus the fixed part. */
export function waitBound(counts: Record<string, number>, p: SerialProfile, concurrency: number): number {
  let work = 0;
  let longest = 0;
  for (const [kind, n] of Object.entries(counts)) {
    if (n === 0) continue;
    const m = p.meanByKind[kind] ?? p.mean;
    work += n * m;
    longest = Math.max(longest, m);
  }
  return p.fixedS + Math.max(work / concurrency, longest);
}

/** Lower bound (s) from bandwidth: bytes up and down over the line's rates, plus the fixed part. */
export function bandwidthBound(bytesUp: number, bytesDown: number, upMbit: number, downMbit: number, fixedS: number): number {
  return fixedS + Math.max((bytesUp * 8) / (upMbit * 1e6), (bytesDown * 8) / (downMbit * 1e6));
}

/**
 * The concurrency a run settled on with --concurrency auto: the limit over time (report.json's
 * concurrency_timeline, seconds since the loop started) averaged over the time each value held,
 * up to `endS` (the loop's end). The wait-only ideal is taken at this concurrency.
 */
export function settledConcurrency(timeline: readonly { t: number; concurrency: number }[], endS: number): number {
  if (timeline.length === 0) return NaN;
  let sum = 0;
  let span = 0;
  for (let i = 0; i < timeline.length; i++) {
    const from = timeline[i]!.t;
    const to = Math.max(from, i + 1 < timeline.length ? timeline[i + 1]!.t : endS);
    sum += timeline[i]!.concurrency * (to - from);
    span += to - from;
  }
  return span > 0 ? sum / span : timeline.at(-1)!.concurrency;
}
