// The probe's side of the control protocol: ask the helper abroad about a URL. The helper's own
// address goes through the guard like every other packet the probe sends.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildConnector, Client } from 'undici';
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

type Posted = { body: unknown; failure: null } | { body: null; failure: string };

async function postJson(controlUrl: string, path: string, payload: unknown, opts: AskOptions, method: 'POST' | 'GET' = 'POST'): Promise<Posted> {
  const began = performance.now();
  const base = new URL(controlUrl);
  const host = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
  const ip = isIP(host) !== 0 ? host : (await lookup(host)).address;
  opts.guard.check(ip, 'control helper');
  const remaining = (): number => Math.max(1, Math.ceil(opts.timeoutMs - (performance.now() - began)));
  const ca = trustStore(opts.ca);
  const connector = buildConnector({ maxCachedSessions: 0, ...(ca ? { ca } : {}) });
  const client = new Client(base.origin, {
    // Connect to the address the guard approved, keeping the name for SNI and certificate checks.
    connect: (o, callback) => connector({ ...o, hostname: ip, servername: isIP(host) === 0 ? host : undefined }, callback),
    headersTimeout: remaining(),
    bodyTimeout: remaining(),
  });
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new StepTimeoutError(`control helper did not answer within ${opts.timeoutMs} ms`));
  }, remaining());
  try {
    const res = await client.request({
      method,
      path: `${base.pathname.replace(/\/+$/, '')}${path}`,
      headers: {
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(payload) } : {}),
      signal: controller.signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ANSWER_BYTES) return { body: null, failure: CONTROL_FAILURE.tooLarge };
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode === 401 || res.statusCode === 403) return { body: null, failure: CONTROL_FAILURE.unauthorized };
    if (res.statusCode === 429) return { body: null, failure: CONTROL_FAILURE.rateLimited };
    if (res.statusCode !== 200) return { body: null, failure: `control_http_error: ${res.statusCode}` };
    try {
      return { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown, failure: null };
    } catch {
      return { body: null, failure: CONTROL_FAILURE.invalidResponse };
    }
  } catch (err) {
    return { body: null, failure: timedOut ? FAILURE.timeout : classifyError(err) };
  } finally {
    clearTimeout(timer);
    client.destroy().catch(() => undefined);
  }
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
  const body = posted.body as { responses?: unknown };
  if (typeof body !== 'object' || body === null || !Array.isArray(body.responses) || body.responses.length !== requests.length) {
    return nothing(CONTROL_FAILURE.invalidResponse);
  }
  const list = body.responses as unknown[];
  return { responses: list.map((r) => (isControlResponse(r) ? r : null)), failure: null };
}
