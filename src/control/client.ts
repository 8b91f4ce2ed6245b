// The probe's side of the control protocol: ask the helper abroad about a URL. The helper's own
// address goes through the guard like every other packet the probe sends.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildConnector, Client, Pool, type Dispatcher } from 'undici';
import type { ControlResponse, Failure } from '../observations.js';
import type { Guard } from '../net/guard.js';
import type { CaOption } from '../net/certificate.js';
import { trustStore } from '../net/certificate.js';
import { FAILURE, classifyError } from '../net/failure.js';
import { StepTimeoutError } from '../net/errors.js';
import { CONTROL_BATCH_PATH, CONTROL_PATH, HEALTH_PATH, isControlResponse, type ControlRequest } from './protocol.js';

export interface AskOptions {
  guard: Guard;
  token?: string;
  /** Bound on the whole exchange, connect to last byte. */
  timeoutMs: number;
  /** Extra trusted CAs for an https helper. */
  ca?: CaOption;
}

export interface ControlAnswer {
  response: ControlResponse | null;
  failure: Failure;
}

export interface ControlBatchAnswer {
  /** One per request, in order; all null when the exchange failed. */
  responses: Array<ControlResponse | null>;
  failure: Failure;
}

/** Largest answer read: a batch of 32 responses with headers fits easily. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export const CONTROL_FAILURE = {
  unauthorized: 'control_unauthorized',
  rateLimited: 'control_rate_limited',
  invalidResponse: 'control_invalid_response',
  tooLarge: 'control_response_too_large',
} as const;

/** One exchange's outcome: the parsed JSON body, or a failure string (and the HTTP status if any came). */
export type Posted = { body: unknown; failure: null; status: number } | { body: null; failure: string; status: number | null };

/** The helper's approved address: connect there, keeping the URL's name (if any) for SNI. */
export interface HelperAddress {
  base: URL;
  ip: string;
  /** The name for SNI and the certificate check; undefined when the URL holds an IP literal. */
  servername: string | undefined;
}

function hostOf(base: URL): string {
  return base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
}

/** For an IP-literal helper URL: its address, checked now (GuardError). Null for a named helper. */
export function literalHelper(controlUrl: string, guard: Guard): HelperAddress | null {
  const base = new URL(controlUrl);
  const host = hostOf(base);
  if (isIP(host) === 0) return null;
  guard.check(host, 'control helper');
  return { base, ip: host, servername: undefined };
}

/** The helper's address, looked up when named, then checked by the guard (GuardError). */
export async function resolveHelper(controlUrl: string, guard: Guard): Promise<HelperAddress> {
  const literal = literalHelper(controlUrl, guard);
  if (literal) return literal;
  const base = new URL(controlUrl);
  const host = hostOf(base);
  const ip = (await lookup(host)).address;
  guard.check(ip, 'control helper');
  return { base, ip, servername: host };
}

/**
 * A dispatcher bound to the approved address. Without `connections`, a one-shot Client (no TLS
 * session kept); with it, a keep-alive Pool of at most that many connections, for a ControlAsker.
 */
export function helperDispatcher(helper: HelperAddress, ca: CaOption | undefined, connections?: number): Dispatcher {
  const store = trustStore(ca);
  const connector = buildConnector({ ...(connections === undefined ? { maxCachedSessions: 0 } : {}), ...(store ? { ca: store } : {}) });
  // Connect to the address the guard approved, keeping the name for SNI and certificate checks.
  const connect: buildConnector.connector = (o, callback) => connector({ ...o, hostname: helper.ip, servername: helper.servername }, callback);
  return connections === undefined ? new Client(helper.base.origin, { connect }) : new Pool(helper.base.origin, { connect, connections });
}

/**
 * One request to the helper over `dispatcher`, bounded by `timeoutMs` counted from `began` (so
 * that a one-shot ask's lookup counts too). Never throws: every problem is a failure string.
 */
export async function exchangeJson(
  dispatcher: Dispatcher,
  helper: HelperAddress,
  path: string,
  payload: unknown,
  opts: { token?: string; timeoutMs: number },
  method: 'POST' | 'GET' = 'POST',
  began = performance.now(),
): Promise<Posted> {
  const remaining = (): number => Math.max(1, Math.ceil(opts.timeoutMs - (performance.now() - began)));
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new StepTimeoutError(`control helper did not answer within ${opts.timeoutMs} ms`));
  }, remaining());
  try {
    const res = await dispatcher.request({
      origin: helper.base.origin,
      method,
      path: `${helper.base.pathname.replace(/\/+$/, '')}${path}`,
      headers: {
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(payload) } : {}),
      headersTimeout: remaining(),
      bodyTimeout: remaining(),
      signal: controller.signal,
    });
    const status = res.statusCode;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ANSWER_BYTES) return { body: null, failure: CONTROL_FAILURE.tooLarge, status };
      chunks.push(chunk as Buffer);
    }
    if (status === 401 || status === 403) return { body: null, failure: CONTROL_FAILURE.unauthorized, status };
    if (status === 429) return { body: null, failure: CONTROL_FAILURE.rateLimited, status };
    if (status !== 200) return { body: null, failure: `control_http_error: ${status}`, status };
    try {
      return { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown, failure: null, status };
    } catch {
      return { body: null, failure: CONTROL_FAILURE.invalidResponse, status };
    }
  } catch (err) {
    return { body: null, failure: timedOut ? FAILURE.timeout : classifyError(err), status: null };
  } finally {
    clearTimeout(timer);
  }
}

// A one-shot exchange: its own connection, closed after. The guard's GuardError (and a failed
// lookup of a named helper) is thrown, as before.
async function postJson(controlUrl: string, path: string, payload: unknown, opts: AskOptions, method: 'POST' | 'GET' = 'POST'): Promise<Posted> {
  const began = performance.now();
  const helper = await resolveHelper(controlUrl, opts.guard);
  const client = helperDispatcher(helper, opts.ca);
  try {
    return await exchangeJson(client, helper, path, payload, opts, method, began);
  } finally {
    client.destroy().catch(() => undefined);
  }
}

/** A batch answer from a parsed body: null when its shape is wrong (not one response per request). */
export function batchResponses(body: unknown, count: number): Array<ControlResponse | null> | null {
  const list = typeof body === 'object' && body !== null ? (body as { responses?: unknown }).responses : undefined;
  if (!Array.isArray(list) || list.length !== count) return null;
  return list.map((r: unknown) => (isControlResponse(r) ? r : null));
}

/** Asks the helper about one URL. A GuardError (helper outside the allowed networks) is thrown. */
export async function askControl(controlUrl: string, request: ControlRequest, opts: AskOptions): Promise<ControlAnswer> {
  const posted = await postJson(controlUrl, CONTROL_PATH, request, opts);
  if (posted.failure !== null) return { response: null, failure: posted.failure };
  return isControlResponse(posted.body)
    ? { response: posted.body, failure: null }
    : { response: null, failure: CONTROL_FAILURE.invalidResponse };
}

/**
 * The helper's health and the address it sees this probe come from (the volunteer's public IP,
 * used only to name the ISP and then scrubbed from every output).
 */
export async function askWhoami(controlUrl: string, opts: AskOptions): Promise<{ address: string | null; version: string | null; failure: string | null }> {
  const got = await postJson(controlUrl, HEALTH_PATH, null, opts, 'GET');
  if (got.failure !== null) return { address: null, version: null, failure: got.failure };
  const body = got.body as { your_address?: unknown; version?: unknown };
  return {
    address: typeof body.your_address === 'string' && isIP(body.your_address) !== 0 ? body.your_address : null,
    version: typeof body.version === 'string' ? body.version : null,
    failure: null,
  };
}

/** Asks about up to 32 URLs in one exchange; answers come back in request order. */
export async function askControlBatch(controlUrl: string, requests: ControlRequest[], opts: AskOptions): Promise<ControlBatchAnswer> {
  const nothing = (failure: string): ControlBatchAnswer => ({ responses: requests.map(() => null), failure });
  const posted = await postJson(controlUrl, CONTROL_BATCH_PATH, { requests }, opts);
  if (posted.failure !== null) return nothing(posted.failure);
  const responses = batchResponses(posted.body, requests.length);
  return responses === null ? nothing(CONTROL_FAILURE.invalidResponse) : { responses, failure: null };
}
