// A run: every entry of the lists measured concurrently, judged, and streamed to the sinks as soon
// as it is done. Ctrl-C (an aborted signal) stops new entries, lets those under way finish, and
// still writes the summaries of what was measured.
import pLimit from 'p-limit';
import { entryKey, listEditions } from '../lists/index.js';
import { listIdentities } from '../lists/identity.js';
import { writeHtmlReport } from '../report/html/index.js';
import { JsonlSink } from '../report/jsonl.js';
import { dnsShare } from './dns-share.js';
import { checkedEndpoints } from './endpoints.js';
import { askConsent, loadEntries } from './entries.js';
import { analysisContext, probeEnv, runAsker, runResolvers } from './env.js';
import { whoAmI } from './identity.js';
import { connectTimeout, idleLine } from './idle.js';
import { hasGlobalIpv6 } from './ipv6.js';
import { measureAll } from './loop.js';
import { rateGate } from './rate.js';
import { relayPlan } from './relay.js';
import { reportJson, writeReportJson } from './report-json.js';
import { openRunFolder, runIdOf } from './run-folder.js';
import { spreadOrder } from './order.js';
import type { RunOptions, RunResult } from './run-options.js';
import { summarise } from './summaries.js';

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

  const { jsonlPath, measured, started } = await openRunFolder(opts);
  const runId = runIdOf(opts.out);
  const ipv6 = hasGlobalIpv6();
  const env = probeEnv(opts, isp, relay.direct, foreign, ipv6);
  const resolvers = runResolvers(isp, relay.direct, foreign);
  const context = analysisContext(opts, isp, foreign, ipv6);

  // Idle-line round trips before the bulk of the run (kept across a resume) and after it.
  const idle = idleLine(opts.out, [isp, ...foreign], { guard: opts.guard, timeoutMs: env.dnsTimeoutMs, rounds: 21, name: opts.innocuousName });
  if (!idle.rounds.idle_before && !opts.signal?.aborted) await idle.measure('idle_before');

  env.connectTimeoutMs = connectTimeout(idle.rounds.idle_before ?? {}, resolvers, opts.timeoutMs);

  const asker = runAsker(opts, env.controlTimeoutMs);
  env.control = asker;
  const jsonl = new JsonlSink(jsonlPath, identity.scrub);
  const limit = pLimit(opts.concurrency);
  const gate = opts.maxRate ? rateGate(opts.maxRate, opts.signal ? { signal: opts.signal } : {}) : null;
  // Shuffled so that neighbours in the list (often on one address) are not all in flight at once.
  const todo = spreadOrder(entries.filter((e) => !measured.has(entryKey(e))), runId);
  env.dnsShare = dnsShare(todo.filter((e) => !e.is_ip).map((e) => e.host));
  opts.onStart?.(entries.length, measured.size);

  let done: number;
  try {
    done = await measureAll(todo, {
      env, context, asnDb: identity.asnDb, jsonl, runId, limit, gate, signal: opts.signal,
      already: measured.size, total: entries.length, onRecord: opts.onRecord,
    });
  } finally {
    jsonl.close();
    await asker?.close();
  }
  const complete = measured.size + done >= entries.length;
  if (complete && !opts.signal?.aborted) await idle.measure('idle_after');

  const { ispMatch, publicAs } = identity;
  const summary = await summarise(opts.out, jsonlPath, resolvers, idle.rounds, {
    runDate: started.toISOString().slice(0, 10),
    isp: ispMatch?.name ?? publicAs?.org ?? '',
    asn: typeof ispMatch?.asn === 'number' ? `AS${ispMatch.asn}` : publicAs ? `AS${publicAs.asn}` : '',
  });
  const report = reportJson(summary, opts, {
    runId, started, complete, lists: listIdentities(opts.lists, entries),
    skippedInvalid: usable.skipped, duplicates: loaded.duplicates.length, totalEntries: entries.length,
    identity, relayedBy: relay.relayedBy, isp, foreign, env, asker, editions: listEditions(opts.lists, entries),
  });
  writeReportJson(opts.out, report, identity.scrub);
  let html = true;
  try {
    await writeHtmlReport(opts.out);
  } catch (err) {
    html = false;
    // The measurements and summaries are written: a failed page must not fail the run.
    console.error(`censorprobe: could not write report.html (${(err as Error).message}); try \`censorprobe report html ${opts.out}\``);
  }
  return { out: opts.out, complete, measured: done, resumed: measured.size, total: entries.length, skipped_invalid: usable.skipped, report, html };
}
