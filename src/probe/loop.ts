// The measuring loop: every entry to do, at most `limit` at once and no faster than the rate gate,
// measured, judged and written as soon as it is done. With --concurrency auto the limit follows the
// controller (src/probe/concurrency.ts), fed by every entry's step times as it ends.
import type { LimitFunction } from 'p-limit';
import { analyze } from '../analysis/analyze.js';
import type { Analysis, AnalysisContext } from '../analysis/types.js';
import { GuardError } from '../errors.js';
import type { AsnDb } from '../isp/index.js';
import type { ListEntry } from '../lists/index.js';
import type { RunSink } from '../report/run-folder/index.js';
import type { ProbeEnv } from './env.js';
import { emptyKeys, measureTarget } from './measure.js';
import type { RateGate } from './rate.js';
import { feedSteps, type ConcurrencyController } from './concurrency.js';
import type { MeasurementRecord } from '../record.js';
import type { TestKeys } from '../observations.js';
import { entryRecord, probeFailure, tagAnswerAsns } from './record-entry.js';

export interface LoopDeps {
  env: ProbeEnv;
  context: AnalysisContext;
  asnDb: AsnDb;
  sink: Pick<RunSink, 'write'>;
  runId: string;
  limit: LimitFunction;
  gate: RateGate | null;
  /** --concurrency auto: sets `limit.concurrency` as the run goes; null: the limit stays. */
  controller?: ConcurrencyController | null;
  signal?: AbortSignal;
  /** Entries measured before this invocation (resume) and in all, for onRecord's counts. */
  already: number;
  total: number;
  onRecord?: (record: MeasurementRecord, done: number, total: number) => void;
  /** How one entry is measured (default measureTarget; tests give the loop a simulated line). */
  measure?: (entry: ListEntry, env: ProbeEnv) => Promise<TestKeys>;
}

const RAMP_MS = 1000;

/** Measures `todo`; resolves with how many entries were written, or throws the guard's refusal. */
export async function measureAll(todo: ListEntry[], d: LoopDeps): Promise<number> {
  const { env, signal } = d;
  const measure = d.measure ?? measureTarget;
  let done = 0;

  // A misconfiguration (the guard refusing an address) stops the run; any other error in one entry
  // is recorded as that entry's inconclusive result and the run goes on.
  const stop = new AbortController();
  let fatal: unknown = null;
  // The first `limit.concurrency` entries start over the first second instead of in one burst: a
  // burst of hundreds of entries opens all their sockets and DoH connections in the same instant,
  // which stalls the event loop (and every step time it records) for a third of a second.
  const ramp = d.limit.concurrency;
  const measureOne = async (entry: ListEntry, index: number) => {
    if (signal?.aborted || stop.signal.aborted) return;
    if (index > 0 && index < ramp) await new Promise((resolve) => setTimeout(resolve, (index * RAMP_MS) / ramp));
    if (d.gate) await d.gate();
    if (signal?.aborted || stop.signal.aborted) return;
    const t0 = Date.now();
    let keys = emptyKeys();
    let entryContext = d.context;
    let analysis: Analysis;
    try {
      keys = await measure(entry, env);
      if (d.controller) {
        feedSteps(d.controller, keys);
        // p-limit starts queued entries at once when the limit grows and lets in-flight ones finish when it shrinks.
        d.limit.concurrency = d.controller.decide(performance.now(), d.limit.activeCount).limit;
      }
      tagAnswerAsns(keys, d.asnDb);
      entryContext = { ...d.context, blockpage_ips: env.blockpages.known() };
      analysis = analyze({ target: entry, test_keys: keys, context: entryContext });
    } catch (err) {
      if (err instanceof GuardError) {
        fatal ??= err;
        stop.abort();
        return;
      }
      analysis = probeFailure(err, env.ipv6);
    }
    if (stop.signal.aborted) return;
    const record = entryRecord(entry, d.runId, { t0, analysis, keys, context: entryContext });
    d.sink.write(record);
    done++;
    d.onRecord?.(record, d.already + done, d.total);
  };

  await Promise.all(todo.map((e, i) => d.limit(() => measureOne(e, i))));
  if (fatal) throw fatal;
  return done;
}
