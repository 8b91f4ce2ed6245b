// The control helper's wire format (docs/control.md): requests are validated here on the server,
// responses here on the client, so that neither side trusts the other's JSON blindly.
import { isIP } from 'node:net';
import type { ControlResponse } from '../observations.js';
import { ControlRequestError } from './errors.js';

export const CONTROL_PATH = '/api/v1/control';
export const CONTROL_BATCH_PATH = '/api/v1/control/batch';
export const HEALTH_PATH = '/health';

export const LIMITS = {
  /** Probe addresses per request. */
  maxAddrs: 16,
  /** Requests per batch. */
  maxBatch: 32,
  /** Bytes of request body. */
  maxRequestBytes: 64 * 1024,
  maxUrlLength: 4096,
} as const;

/** The helper's defaults: the server applies them, the probe's asker sizes its batch timeouts on them. */
export const CONTROL_SERVER_DEFAULTS = {
  rate: { perSecond: 40, burst: 200 },
  budgetMs: 15_000,
  batchBudgetMs: 60_000,
  batchConcurrency: 8,
} as const;

export interface ControlRequest {
  /** Absolute http(s) URL. */
  url: string;
  /** The probe's addresses for the URL's host. */
  addrs: string[];
}

export interface ControlBatchRequest {
  requests: ControlRequest[];
}

export interface ControlBatchResponse {
  responses: ControlResponse[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates one request; throws ControlRequestError (HTTP 400) with what is wrong. */
export function parseControlRequest(value: unknown): ControlRequest {
  if (!isRecord(value)) throw new ControlRequestError('the request must be a JSON object with "url" and "addrs"');
  const { url, addrs } = value;
  if (typeof url !== 'string' || url.length === 0 || url.length > LIMITS.maxUrlLength) {
    throw new ControlRequestError(`"url" must be a string of 1 to ${LIMITS.maxUrlLength} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ControlRequestError(`"url" is not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ControlRequestError(`"url" must be http or https, not ${parsed.protocol}`);
  }
  if (parsed.hostname === '') throw new ControlRequestError('"url" has no host');
  // Credentials are the probe's business, never forwarded.
  parsed.username = '';
  parsed.password = '';
  const list = addrs ?? [];
  if (!Array.isArray(list) || list.length > LIMITS.maxAddrs) {
    throw new ControlRequestError(`"addrs" must be an array of at most ${LIMITS.maxAddrs} IP addresses`);
  }
  const unique: string[] = [];
  for (const a of list) {
    if (typeof a !== 'string' || isIP(a) === 0 || a.includes('%')) {
      throw new ControlRequestError(`"addrs" holds something that is not an IP address: ${JSON.stringify(a)}`);
    }
    if (!unique.includes(a)) unique.push(a);
  }
  return { url: parsed.href, addrs: unique };
}

export function parseControlBatch(value: unknown): ControlRequest[] {
  if (!isRecord(value) || !Array.isArray(value.requests)) {
    throw new ControlRequestError('the batch must be a JSON object with a "requests" array');
  }
  if (value.requests.length === 0 || value.requests.length > LIMITS.maxBatch) {
    throw new ControlRequestError(`"requests" must hold 1 to ${LIMITS.maxBatch} requests`);
  }
  return value.requests.map(parseControlRequest);
}

function isFailure(v: unknown): boolean {
  return v === null || typeof v === 'string';
}

function isStringRecord(v: unknown): boolean {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Whether a JSON value has the shape of a ControlResponse (what the client accepts). */
export function isControlResponse(v: unknown): v is ControlResponse {
  if (!isRecord(v)) return false;
  const { dns, tcp_connect, tls_handshake, http_request } = v;
  if (!isRecord(dns) || !isFailure(dns.failure) || !Array.isArray(dns.addrs) || !dns.addrs.every((a) => typeof a === 'string')) {
    return false;
  }
  if (!isRecord(tcp_connect) || !Object.values(tcp_connect).every((e) => isRecord(e) && typeof e.status === 'boolean' && isFailure(e.failure))) {
    return false;
  }
  if (
    !isRecord(tls_handshake) ||
    !Object.values(tls_handshake).every(
      (e) => isRecord(e) && typeof e.server_name === 'string' && typeof e.status === 'boolean' && isFailure(e.failure),
    )
  ) {
    return false;
  }
  return (
    isRecord(http_request) &&
    isFailure(http_request.failure) &&
    typeof http_request.status_code === 'number' &&
    typeof http_request.title === 'string' &&
    typeof http_request.body_length === 'number' &&
    typeof http_request.body_sha256 === 'string' &&
    isStringRecord(http_request.headers) &&
    (http_request.final_url === undefined || typeof http_request.final_url === 'string')
  );
}
