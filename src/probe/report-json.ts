// report.json's run-level facts: what the run was (lists, ISP, settings) and what it reused. The run
// folder (src/report/run-folder) adds the summary of the records and writes it.
import { basename } from 'node:path';
import type { ControlAsker } from '../control/asker.js';
import type { ResolverSpec } from '../dns/index.js';
import type { ListIdentity } from '../lists/identity.js';
import type { ListEdition } from '../lists/index.js';
import { softwareName, softwareVersion } from '../version.js';
import type { Identity } from './identity.js';
import type { ProbeEnv } from './env.js';
import { ooniTime } from './record-entry.js';
import type { RunOptions } from './run-options.js';
import type { ConcurrencyPoint } from './concurrency.js';

export interface ReportFacts {
  runId: string;
  started: Date;
  complete: boolean;
  skippedInvalid: number;
  duplicates: number;
  totalEntries: number;
  identity: Identity;
  /** The home router relaying DNS, or null. */
  relayedBy: string | null;
  isp: ResolverSpec;
  foreign: ResolverSpec[];
  env: ProbeEnv;
  asker: ControlAsker | null;
  /** The lists by name, edition and SHA-256 (no path of the machine). */
  lists: ListIdentity[];
  /** Records in measurements.jsonl: measured before a resume and by this invocation. */
  entriesWritten: number;
  /** Each list file's SHA-256 and entry count (the history store's editions). */
  editions: ListEdition[];
  /** --concurrency auto: the limit over time (this invocation's); null for a fixed number. */
  concurrency?: ConcurrencyPoint[] | null;
}

/** The run's facts for report.json; its end time is now. */
export function runMeta(opts: RunOptions, f: ReportFacts): Record<string, unknown> {
  const { ispMatch, publicAs, publicIp, asnDb, whoami } = f.identity;
  const { env } = f;
  return {
    run_id: f.runId,
    software_name: softwareName,
    software_version: softwareVersion,
    measurement_start_time: ooniTime(f.started),
    measurement_end_time: ooniTime(new Date()),
    complete: f.complete,
    lists: f.lists,
    list_editions: f.editions,
    skipped_invalid: f.skippedInvalid,
    duplicates: f.duplicates,
    total_entries: f.totalEntries,
    isp: ispMatch
      ? { name: ispMatch.name, asn: ispMatch.asn, brand: ispMatch.brand, historical: ispMatch.historical, simulated: ispMatch.simulated, source: ispMatch.source }
      : null,
    // A home router relaying DNS: the ISP's own resolvers were asked too (role isp-direct).
    isp_resolver_relay: f.relayedBy,
    probe_asn: publicAs ? `AS${publicAs.asn}` : null,
    probe_as_org: publicAs?.org ?? null,
    // The address itself is never written: only whether it was learnt.
    probe_ip: publicIp ? '[scrubbed]' : null,
    // The data set by name and version; its path would name the volunteer's machine.
    asn_data: { ...asnDb.info, file: basename(asnDb.info.file) },
    control_failure: whoami?.failure ?? null,
    settings: {
      isp_resolver: f.isp.spec,
      foreign: f.foreign.map((s) => s.spec),
      control: opts.control,
      concurrency: opts.concurrency,
      per_ip: opts.perIp,
      max_rate: opts.maxRate ?? null,
      line_budget: opts.lineBudget ?? null,
      timeout_ms: opts.timeoutMs,
      connect_timeout_ms: env.connectTimeoutMs,
      connect_timeout_basis: 'clamp(20 x median idle round trip of the foreign resolvers + 1000 ms, 2000 ms, --timeout)',
      dns_timeout_ms: env.dnsTimeoutMs,
      control_timeout_ms: env.controlTimeoutMs,
      only_nets: opts.guard.cidrs,
      innocuous_name: opts.innocuousName,
      neutral_ip: opts.neutralIp,
      ipv6: env.ipv6,
    },
    // --concurrency auto: entries in flight allowed, {t: seconds since the loop started, concurrency}, at each change.
    concurrency_timeline: f.concurrency ?? null,
    // The control's cost: entries whose page was not shown to be the site from here are asked
    // about abroad (docs/analysis.md); this invocation's figures.
    control_asks: controlAsks(f.asker, f.entriesWritten),
    // What the run did not repeat (docs/performance.md): this invocation's figures, not the whole run's after a resume.
    reuse: {
      dns_shared_entries: env.dnsShare.reused(),
      innocuous_requests_shared: env.swaps.reused(),
      control: f.asker?.stats() ?? null,
    },
  };
}

function controlAsks(asker: ControlAsker | null, entries: number): { asked: number; batches: number; entries: number; per_entry: number | null } | null {
  if (!asker) return null;
  const { asked, batches } = asker.stats();
  return { asked, batches, entries, per_entry: entries > 0 ? Math.round((asked / entries) * 1000) / 1000 : null };
}
