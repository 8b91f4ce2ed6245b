// A run: every entry of the lists measured concurrently, judged, and streamed to the sinks as soon
// as it is done. Ctrl-C (an aborted signal) stops new entries, lets those under way finish, and
// still writes the summaries of what was measured.
import pLimit from 'p-limit';
import { entryKey, listEditions } from '../lists/index.js';
import { listIdentities } from '../lists/identity.js';
import { FolderSink, runIdOf, savedStart } from '../report/run-folder/index.js';
import { checkedEndpoints } from './endpoints.js';
import { askConsent, loadEntries } from './entries.js';
import { analysisContext, probeEnv, runAsker, runResolvers, runTimeouts } from './env.js';
import { whoAmI } from './identity.js';
import { connectTimeout, idleLine } from './idle.js';
import { hasGlobalIpv6 } from './ipv6.js';
import { measureAll } from './loop.js';
import { adaptive } from './concurrency.js';
import { rateGate } from './rate.js';
import { relayPlan } from './relay.js';
import { runMeta } from './report-json.js';
import { spreadOrder } from './order.js';
import { runSettings, type RunOptions, type RunResult } from './run-options.js';

export type { RunOptions, RunResult } from './run-options.js';
export { ooniTime } from './record-entry.js';
export { connectTimeout } from './idle.js';

export async function run(opts: RunOptions): Promise<RunResult> {
  const { loaded, usable, entries } = await loadEntries(opts);
  const { isp, foreign } = checkedEndpoints(opts);
  await askConsent(opts, entries);

  const identity = await whoAmI(opts);
  const relay = relayPlan(isp, identity.ispMatch, opts.guard, hasGlobalIpv6());
  if (relay.refused.length > 0) console.error(`censorprobe: the ISP's own resolvers outside --only-nets not measured: ${relay.refused.join(', ')}`);

  // After --resume the run began when it first started, not when this invocation did.
  const started = opts.resume ? savedStart(opts.out) : new Date();
  const { sink, measured } = await FolderSink.open(opts.out, {
    resume: Boolean(opts.resume),
    ...(opts.resume ? {} : { settings: runSettings(opts, started) }),
    scrub: identity.scrub,
  });
  const runId = runIdOf(opts.out);
  const ipv6 = hasGlobalIpv6();
  const resolvers = runResolvers(isp, relay.direct, foreign);
  const context = analysisContext(opts, isp, foreign, ipv6);
  const { dnsTimeoutMs, controlTimeoutMs } = runTimeouts(opts);

  // Idle-line round trips before the bulk of the run (kept across a resume) and after it.
  const idle = idleLine(opts.out, [isp, ...foreign], { guard: opts.guard, timeoutMs: dnsTimeoutMs, rounds: 21, name: opts.innocuousName });
  if (!idle.rounds.idle_before && !opts.signal?.aborted) await idle.measure('idle_before');

  const asker = runAsker(opts, controlTimeoutMs);
  const controller = adaptive(opts);
  const limit = pLimit(controller?.limit ?? (opts.concurrency as number));
  const gate = opts.maxRate ? rateGate(opts.maxRate, opts.signal ? { signal: opts.signal } : {}) : null;
  // Shuffled so that neighbours in the list (often on one address) are not all in flight at once.
  const todo = spreadOrder(entries.filter((e) => !measured.has(entryKey(e))), runId);
  const env = probeEnv(opts, {
    isp, ispDirect: relay.direct, foreign, ipv6, control: asker,
    connectTimeoutMs: connectTimeout(idle.rounds.idle_before ?? {}, resolvers, opts.timeoutMs),
    hosts: todo.filter((e) => !e.is_ip).map((e) => e.host),
  });
  opts.onStart?.(entries.length, measured.size, { concurrency: () => limit.concurrency });

  let done: number;
  try {
    done = await measureAll(todo, {
      env, context, asnDb: identity.asnDb, sink, runId, limit, gate, controller, signal: opts.signal,
      already: measured.size, total: entries.length, onRecord: opts.onRecord,
    });
  } finally {
    sink.close();
    await asker?.close();
  }
  const complete = measured.size + done >= entries.length;
  if (complete && !opts.signal?.aborted) await idle.measure('idle_after');

  const { ispMatch, publicAs } = identity;
  const meta = runMeta(opts, {
    runId, started, complete, lists: listIdentities(opts.lists, entries), entriesWritten: measured.size + done,
    skippedInvalid: usable.skipped, duplicates: loaded.duplicates.length, totalEntries: entries.length,
    identity, relayedBy: relay.relayedBy, isp, foreign, env, asker, editions: listEditions(opts.lists, entries), concurrency: controller?.timeline() ?? null,
  });
  await sink.finish({
    meta, resolvers, idle: idle.rounds,
    columns: {
      runDate: started.toISOString().slice(0, 10),
      isp: ispMatch?.name ?? publicAs?.org ?? '',
      asn: typeof ispMatch?.asn === 'number' ? `AS${ispMatch.asn}` : publicAs ? `AS${publicAs.asn}` : '',
    },
  });
  return { out: opts.out, complete, measured: done, resumed: measured.size, total: entries.length, skipped_invalid: usable.skipped, report: sink.report, html: sink.html };
}
