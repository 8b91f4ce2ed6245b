// What a caller gives run() and what it gets back.
import type { Guard } from '../net/guard.js';
import type { RunSettings } from '../report/run-folder/index.js';
import type { MeasurementRecord } from '../record.js';
import type { ConcurrencySetting } from './concurrency.js';

export interface RunOptions {
  lists: string[];
  skipInvalid: boolean;
  ispResolver: string;
  foreign: string[];
  control: string | null;
  controlToken?: string;
  out: string;
  /** Entries in flight: a fixed number, or 'auto' (found by the run, src/probe/concurrency.ts). */
  concurrency: ConcurrencySetting;
  perIp: number;
  /** Entries started per second at most (--max-rate); null or absent: no ceiling. */
  maxRate?: number | null;
  /** --line-budget: the share (0-1] of the capacity the adaptive concurrency found that the run may use. */
  lineBudget?: number | null;
  timeoutMs: number;
  guard: Guard;
  innocuousName: string;
  neutralIp: string | null;
  ca?: string;
  signal?: AbortSignal;
  /** Continue the run in `out`: entries already in its measurements.jsonl are not measured again. */
  resume?: boolean;
  /** The court-orders list whose IPs every run tests too (null: none). Default: the shipped list. */
  courtOrders?: string | null;
  /** A MaxMind-format ASN database instead of the shipped table. */
  asnDb?: string;
  /**
   * Asked once the lists are loaded and before any packet is sent (informed consent); false stops
   * the run with nothing measured.
   */
  confirm?: (facts: { lists: { file: string; entries: number }[]; total: number; courtOrders: number; foreign: string[]; control: string | null }) => Promise<boolean>;
  /** Called once the work is known: entries in all, and how many were measured before (resume). */
  onStart?: (total: number, already: number, live?: { concurrency: () => number }) => void;
  /** Called after each entry is written. */
  onRecord?: (record: MeasurementRecord, done: number, total: number) => void;
}

export interface RunResult {
  out: string;
  complete: boolean;
  /** Entries measured by this invocation. */
  measured: number;
  /** Entries found already measured (resume). */
  resumed: number;
  total: number;
  skipped_invalid: number;
  report: Record<string, unknown>;
  /** report.html was written. */
  html: boolean;
}

/** What --resume needs to continue the run (saved as run.json). */
export function runSettings(opts: RunOptions, started: Date): RunSettings {
  return {
    lists: opts.lists, skipInvalid: opts.skipInvalid, ispResolver: opts.ispResolver, foreign: opts.foreign, control: opts.control,
    concurrency: opts.concurrency, perIp: opts.perIp, timeoutMs: opts.timeoutMs, onlyNets: [...opts.guard.cidrs],
    innocuousName: opts.innocuousName, neutralIp: opts.neutralIp, started: started.toISOString(),
  };
}
