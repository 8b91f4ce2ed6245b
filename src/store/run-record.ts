// What the store keeps of one run: plain data, built from a run folder (or an upload) by
// src/store/from-folder.ts and written by Store.record in one transaction.

/** The state of an address from the control helper abroad, or from here. */
export const REACH = { not_measured: 0, reachable: 1, unreachable: 2 } as const;
/** The control helper's view of an entry. */
export const CONTROL = { none: 0, reachable: 1, failing: 2, helper_failed: 3 } as const;
/** Why an address has a timeline. */
export const IP_ROLE = { court_order: 1, blockpage: 2 } as const;

export interface MeasurementRow {
  /** The entry's identity across runs and lists (scheme://host:port/path). */
  key: string;
  input: string;
  url: string;
  host: string;
  category: string;
  /** The list file's name (no folder: the volunteer's paths are never kept). */
  list: string;
  verdict: string;
  dns: string | null;
  ip: string | null;
  dpi: string | null;
  url_kind: string | null;
  /** The ISP's answer and the true addresses, space-separated and sorted, or null. */
  isp_answer: string | null;
  truth: string | null;
  /** The deciding failure string (OONI's vocabulary), or null. */
  failure: string | null;
  control: number;
  /** Seconds since the run started. */
  t: number;
  /** Line number in the run folder's measurements.jsonl. */
  line: number;
}

export interface IpStateRow {
  ip: string;
  role: number;
  here: number;
  control: number;
  /** Entries of the run that resolve to it (court order) or were answered with it (blockpage). */
  names: number;
}

export interface EditionRow {
  list: string;
  sha256: string;
  entries: number;
  /** 'file': the list file's SHA-256 as the run read it; 'entries': derived from the entries measured (older runs). */
  hashed: 'file' | 'entries';
}

export interface RunToRecord {
  run_id: string;
  /** Unix seconds. With run_id, a run's identity. */
  started: number;
  ended: number | null;
  /** SHA-256 of the measurements as recorded: the same run recorded twice adds nothing. */
  hash: string;
  software_version: string | null;
  complete: boolean;
  total_entries: number | null;
  isp: { asn: number | null; name: string | null };
  latency_penalty: number | null;
  intercepted: boolean | null;
  /** Resolvers with their RTT figures, interception evidence, ASN data: small JSON, never the volunteer's address. */
  facts: Record<string, unknown>;
  editions: EditionRow[];
  measurements: MeasurementRow[];
  ips: IpStateRow[];
}

export type RecordOutcome = 'recorded' | 'unchanged' | 'replaced';

export interface RecordResult {
  outcome: RecordOutcome;
  /** The store's id of the run. */
  id: number;
  measurements: number;
}
