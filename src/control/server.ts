// The control helper's HTTP server (protocol in docs/control.md). It is an open fetcher on the
// internet, so every input is bounded: request size, batch size, time per measurement, requests
// per client, and the address policy before every contact.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { softwareVersion } from '../version.js';
import type { Guard } from '../net/guard.js';
import type { CaOption } from '../net/certificate.js';
import { ControlRequestError } from './errors.js';
import { measureControl, type ControlMeasureOptions } from './measure.js';
import type { AddressPolicy } from './policy.js';
import {
  CONTROL_BATCH_PATH,
  CONTROL_SERVER_DEFAULTS,
  CONTROL_PATH,
  HEALTH_PATH,
  LIMITS,
  parseControlBatch,
  parseControlRequest,
  type ControlRequest,
} from './protocol.js';
import { RateLimiter, type RateOptions } from './ratelimit.js';
import type { HostResolver } from './resolve.js';

export interface ControlServerOptions {
  host: string;
  port: number;
  policy: AddressPolicy;
  resolver: HostResolver;
  /** When set, every request but /health needs `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Per client IP (per member in the collective); default 40/s, burst 200: about a fifth of a
   * whole-list run's entries ask the helper, so 10/s capped a 15,000-entry run near 50 entries/s
   * (docs/performance.md).
   */
  rate?: RateOptions;
  /** Time for one URL's measurement (default 15 s); a batch gets `batchBudgetMs` in all. */
  budgetMs?: number;
  batchBudgetMs?: number;
  /** A further guard (--only-nets), asked after the policy. */
  guard?: Guard;
  ca?: CaOption;
  /** Overrides for the measurement (step timeouts, caps); mostly for tests. */
  measure?: Partial<Pick<ControlMeasureOptions, 'stepTimeoutMs' | 'bodyCapBytes' | 'hashCapBytes' | 'maxRedirects' | 'maxAddrs'>>;
}

export interface ControlServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  address: AddressInfo;
  close(): Promise<void>;
}

export { CONTROL_SERVER_DEFAULTS } from './protocol.js';

/** The policy, then the optional --only-nets guard: both must allow. */
function combinedGuard(policy: AddressPolicy, extra: Guard | undefined): Guard {
  if (!extra) return policy;
  return {
    cidrs: [...policy.cidrs, ...extra.cidrs],
    allows: (ip) => policy.allows(ip) && extra.allows(ip),
    check: (ip, what) => {
      policy.check(ip, what);
      extra.check(ip, what);
    },
  };
}

function sameToken(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    return Promise.reject(new ControlRequestError(`request body over ${max} bytes`, 413));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        // Stop reading; the answer goes out and the connection is closed after it.
        req.off('data', onData);
        req.pause();
        reject(new ControlRequestError(`request body over ${max} bytes`, 413));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ControlRequestError('the body is not valid JSON');
  }
}

/**
 * Decides whether a bearer token (null: none sent) may use the helper; the collective checks its
 * members here. A name (the member's) makes that member's own rate bucket; `true` keeps the
 * caller's address as the bucket (one token shared by everyone, as `censorprobe control --token`).
 */
export type ControlAuthorizer = (token: string | null) => boolean | string | null | Promise<boolean | string | null>;

export interface ControlHandler {
  /**
   * Answers /health and the control paths; false (nothing sent) for any other path, so that a
   * bigger server (the collective) can mount the helper beside its own routes.
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
}

/** Answers an error thrown by a handler: its status and message, or 500 (the detail only in the log). */
export function sendHandlerError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown, log: (m: string) => void = console.error): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ControlRequestError) {
    if (err.status === 413) res.once('finish', () => req.socket.destroy());
    send(res, err.status, { error: err.message }, err.status === 413 ? { connection: 'close' } : {});
    return;
  }
  send(res, 500, { error: 'internal error' });
  log(`control: ${err instanceof Error ? err.message : String(err)}`);
}

/** The helper's request handling, shared by `censorprobe control` and `censorprobe collective serve`. */
export function createControlHandler(
  options: Omit<ControlServerOptions, 'host' | 'port' | 'token'> & {
    authorize?: ControlAuthorizer;
    /** The caller's address (default: the socket's); behind a trusted proxy, from its header. */
    clientAddress?: (req: http.IncomingMessage) => string;
  },
): ControlHandler {
  const limiter = new RateLimiter(options.rate ?? CONTROL_SERVER_DEFAULTS.rate);
  const guard = combinedGuard(options.policy, options.guard);
  const budgetMs = options.budgetMs ?? CONTROL_SERVER_DEFAULTS.budgetMs;
  const batchBudgetMs = options.batchBudgetMs ?? CONTROL_SERVER_DEFAULTS.batchBudgetMs;

  const measure = (request: ControlRequest, deadline: number) =>
    measureControl(request, {
      guard,
      resolver: options.resolver,
      deadline,
      ...options.measure,
      ...(options.ca ? { ca: options.ca } : {}),
    });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const client = options.clientAddress?.(req) ?? req.socket.remoteAddress ?? 'unknown';
    const path = (req.url ?? '/').split('?')[0];
    if (path !== HEALTH_PATH && path !== CONTROL_PATH && path !== CONTROL_BATCH_PATH) return false;
    const byAddress = `address ${client}`;
    const tooMany = (key: string, cost = 1): true => {
      send(res, 429, { error: 'too many requests' }, { 'retry-after': String(Math.max(1, limiter.retryAfter(key, cost))) });
      return true;
    };
    if (path === HEALTH_PATH) {
      if (!limiter.take(byAddress)) return tooMany(byAddress);
      if (req.method !== 'GET') {
        send(res, 405, { error: 'use GET' }, { allow: 'GET' });
        return true;
      }
      // The caller's own address as this helper sees it: a probe learns its public IP from it, only
      // to name its ISP, and scrubs it from every output. Telling callers their own address leaks nothing.
      send(res, 200, { ok: true, version: softwareVersion, your_address: client.replace(/^::ffff:/, '') });
      return true;
    }
    // The bucket: a member's own when the authorizer names one (volunteers behind one carrier-grade
    // NAT do not share), else the address's (in memory only).
    let key = byAddress;
    if (options.authorize) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : null;
      // Guessing tokens is throttled per address: a token that does not hold costs the address, and
      // an address out of tokens is not checked again until its bucket refills.
      if (given !== null && !limiter.has(byAddress)) return tooMany(byAddress);
      const who = await options.authorize(given);
      if (!who) {
        if (!limiter.take(byAddress)) return tooMany(byAddress);
        send(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
        return true;
      }
      if (typeof who === 'string') key = `member ${who}`;
    }
    if (!limiter.take(key)) return tooMany(key);
    if (req.method !== 'POST') {
      send(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return true;
    }
    const body = parseJson(await readBody(req, LIMITS.maxRequestBytes));
    if (path === CONTROL_PATH) {
      const request = parseControlRequest(body);
      send(res, 200, await measure(request, performance.now() + budgetMs));
      return true;
    }
    const requests = parseControlBatch(body);
    // A batch costs one token per URL (one was taken on arrival).
    if (!limiter.take(key, requests.length - 1)) return tooMany(key, requests.length - 1);
    const batchDeadline = performance.now() + batchBudgetMs;
    const limit = pLimit(CONTROL_SERVER_DEFAULTS.batchConcurrency);
    const responses = await Promise.all(
      requests.map((r) => limit(() => measure(r, Math.min(batchDeadline, performance.now() + budgetMs)))),
    );
    send(res, 200, { responses });
    return true;
  }
  return { handle };
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const token = options.token;
  const handler = createControlHandler({
    ...options,
    ...(token !== undefined ? { authorize: (given: string | null) => given !== null && sameToken(given, token) } : {}),
  });

  const server = http.createServer((req, res) => {
    handler.handle(req, res).then(
      (handled) => {
        if (!handled) send(res, 404, { error: 'no such endpoint' });
      },
      (err: unknown) => sendHandlerError(req, res, err),
    );
  });
  // Slow clients must not hold connections open: headers within 10 s, the whole request in 15 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
