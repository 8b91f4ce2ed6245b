// What a caller gives run() and what it gets back.
import type { Guard } from '../net/guard.js';
import type { MeasurementRecord } from './record.js';

export interface RunOptions {
  lists: string[];
  skipInvalid: boolean;
  ispResolver: string;
  foreign: string[];
  control: string | null;
  controlToken?: string;
  out: string;
  concurrency: number;
  perIp: number;
  /** Entries started per second at most (--max-rate); null or absent: no ceiling. */
  maxRate?: number | null;
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
  onStart?: (total: number, already: number) => void;
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
