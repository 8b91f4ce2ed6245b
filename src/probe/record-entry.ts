// One line of measurements.jsonl built from an entry's observations and verdict.
import { basename } from 'node:path';
import type { Analysis, AnalysisContext } from '../analysis/types.js';
import type { AsnDb } from '../isp/index.js';
import type { ListEntry } from '../lists/index.js';
import type { TestKeys } from '../observations.js';
import { softwareName, softwareVersion } from '../version.js';
import type { MeasurementRecord } from './record.js';

/** OONI's time format: UTC "YYYY-MM-DD hh:mm:ss". */
export function ooniTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** Files each DNS answer's address under its AS (offline ASN data), in place. */
export function tagAnswerAsns(keys: TestKeys, asnDb: AsnDb): void {
  for (const q of keys.queries) {
    for (const a of q.answers) {
      const ip = a.ipv4 ?? a.ipv6;
      const as = ip ? asnDb.lookup(ip) : null;
      if (as) a.asn = as.asn;
    }
  }
}

/**
 * Keeps each certificate chain once per entry: a handshake whose leaf an earlier handshake of the
 * entry recorded drops its DER copy (a site's chain is ~4 KB of base64, met 3-6 times per entry).
 * New objects, never in-place: observations shared between entries must keep theirs.
 */
export function compactCertificates(keys: TestKeys): void {
  const seen = new Set<string>();
  keys.tls_handshakes = keys.tls_handshakes.map((h) => {
    const fp = h.peer_certificate?.fingerprint256;
    if (!fp || !h.peer_certificates) return h;
    if (!seen.has(fp)) {
      seen.add(fp);
      return h;
    }
    const { peer_certificates: _dropped, ...rest } = h;
    return rest;
  });
}

/** The verdict of an entry the probe itself failed on (any error but the guard's). */
export function probeFailure(err: unknown, ipv6: boolean): Analysis {
  const message = err instanceof Error ? err.message : String(err);
  return {
    verdict: 'inconclusive' as const,
    layers: { dns: null, ip: null, dpi: null, url: null },
    reason: `the probe failed on this entry: ${message}`,
    isp_addrs: [],
    truth_addrs: [],
    truth_source: null,
    ipv6_judged: ipv6,
  };
}

export interface EntryOutcome {
  /** Date.now() when the entry started. */
  t0: number;
  analysis: Analysis;
  keys: TestKeys;
  context: AnalysisContext;
}

/** The record of `entry`; its runtime runs until now. */
export function entryRecord(entry: ListEntry, runId: string, o: EntryOutcome): MeasurementRecord {
  const { line: _line, source: _source, notes: _notes, extra: _extra, ...target } = entry;
  compactCertificates(o.keys);
  return {
    input: entry.input,
    measurement_start_time: ooniTime(new Date(o.t0)),
    test_runtime: (Date.now() - o.t0) / 1000,
    software_name: softwareName,
    software_version: softwareVersion,
    test_name: 'censorprobe',
    run_id: runId,
    ...o.analysis,
    // The list by file name: its path would name the volunteer's machine (/home/<login>/...).
    target: { ...target, list: basename(entry.list) },
    test_keys: o.keys,
    context: o.context,
  };
}
