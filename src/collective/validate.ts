// The server's checks on an uploaded run, line by line as it is decompressed: every record against
// the schema (types, sizes, the run it claims), the lists it names (unknown ones accepted but
// marked), and the uploader's own address, which must appear nowhere: its presence means the
// volunteer's scrubbing failed, and the run is refused rather than published.
import { isIP } from 'node:net';
import { UploadRefusedError } from './errors.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleHeader } from './bundle.js';

/** The verdict contract; `geoblock` is its own class (never censorship). */
export const VERDICTS = new Set(['ok', 'dns', 'ip', 'dpi', 'url', 'geoblock', 'down', 'inconclusive']);
const LAYERS = ['dns', 'ip', 'dpi', 'url'] as const;
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;
const OONI_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const MAX_INPUT = 4096;

function refuse(reason: string, message: string): never {
  throw new UploadRefusedError(422, reason, message);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, where: string, max: number, min = 1): string {
  if (typeof v !== 'string' || v.length < min || v.length > max) refuse('schema', `${where} must be a string of ${min} to ${max} characters`);
  return v;
}

export function checkHeader(value: unknown): BundleHeader {
  if (!isObj(value) || value.format !== BUNDLE_FORMAT) refuse('schema', `line 1 is not an upload header (format "${BUNDLE_FORMAT}")`);
  if (value.version !== BUNDLE_VERSION) refuse('version', `upload format version ${String(value.version)} is not known to this server (it reads ${BUNDLE_VERSION}); update the server or the probe`);
  const runId = str(value.run_id, 'line 1: run_id', 128);
  if (!RUN_ID.test(runId)) refuse('schema', `line 1: run_id "${runId.slice(0, 40)}" holds characters a run id never has`);
  if (value.report !== null && !isObj(value.report)) refuse('schema', 'line 1: report must be an object or null');
  if (value.started !== undefined && (typeof value.started !== 'string' || value.started.length > 40 || Number.isNaN(Date.parse(value.started)))) refuse('schema', 'line 1: started must be an ISO 8601 time');
  return value as unknown as BundleHeader;
}

/** One measurement line; returns the list file name it names (for the known-lists check). */
export function checkRecord(value: unknown, runId: string, line: number): { list: string } {
  const at = `line ${line}`;
  if (!isObj(value)) refuse('schema', `${at}: not a JSON object`);
  str(value.input, `${at}: input`, MAX_INPUT);
  if (value.run_id !== runId) refuse('run_id_mismatch', `${at}: run_id ${JSON.stringify(String(value.run_id).slice(0, 40))} is not the upload's run ${runId}`);
  if (typeof value.verdict !== 'string' || !VERDICTS.has(value.verdict)) refuse('schema', `${at}: verdict ${JSON.stringify(String(value.verdict).slice(0, 20))} is not one of ${[...VERDICTS].join(', ')}`);
  if (typeof value.measurement_start_time !== 'string' || !OONI_TIME.test(value.measurement_start_time)) refuse('schema', `${at}: measurement_start_time must be "YYYY-MM-DD hh:mm:ss"`);
  if (value.software_name !== 'censorprobe') refuse('schema', `${at}: software_name must be "censorprobe"`);
  str(value.software_version, `${at}: software_version`, 64);
  const t = value.target;
  if (!isObj(t)) refuse('schema', `${at}: target must be an object`);
  str(t.input, `${at}: target.input`, MAX_INPUT);
  str(t.url, `${at}: target.url`, MAX_INPUT * 2);
  str(t.host, `${at}: target.host`, 255);
  str(t.category_code, `${at}: target.category_code`, 32, 0);
  const list = str(t.list, `${at}: target.list`, 255);
  if (!isObj(value.layers)) refuse('schema', `${at}: layers must be an object`);
  for (const k of LAYERS) {
    const l = value.layers[k];
    if (l === null || l === undefined) continue;
    if (!isObj(l) || typeof l.kind !== 'string' || l.kind.length > 64 || !Array.isArray(l.evidence) || !l.evidence.every((e) => typeof e === 'string')) {
      refuse('schema', `${at}: layers.${k} must be null or {kind, evidence: [strings]}`);
    }
  }
  for (const k of ['isp_addrs', 'truth_addrs'] as const) {
    const a = value[k];
    if (a !== undefined && (!Array.isArray(a) || !a.every((x) => typeof x === 'string' && x.length <= 64))) refuse('schema', `${at}: ${k} must be an array of addresses`);
  }
  if (!isObj(value.test_keys)) refuse('schema', `${at}: test_keys must be an object`);
  return { list };
}

/**
 * A finder for one client address in text: the address as written, bounded so that 1.2.3.4 does not
 * match inside 11.2.3.45. IPv6 is matched in its compressed form and in full (case-insensitive).
 */
export function addressFinder(address: string): (text: string) => boolean {
  const ip = address.replace(/^::ffff:(?=\d+\.)/i, '');
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (isIP(ip) === 4) {
    const re = new RegExp(`(^|[^0-9.])${esc(ip)}($|[^0-9])`);
    // Also as reverse-DNS names spell it (ppp-94-66-57-12.example.net), as the probe's scrubber knows.
    const dashed = ip.replace(/\./g, '-');
    const reDashed = new RegExp(`(^|[^0-9])${esc(dashed)}($|[^0-9])`);
    return (text) => (text.includes(ip) && re.test(text)) || (text.includes(dashed) && reDashed.test(text));
  }
  if (isIP(ip) === 6) {
    const forms = new Set([ip.toLowerCase(), expandV6(ip)]);
    const res = [...forms].map((f) => new RegExp(`(^|[^0-9a-f:])${esc(f)}($|[^0-9a-f:])`, 'i'));
    return (text) => res.some((re) => re.test(text));
  }
  return () => false;
}

function expandV6(ip: string): string {
  const [head = '', tail] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
