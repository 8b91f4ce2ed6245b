// HTTP GET step (OONI df-001-httpt) over the socket that was measured, with the Host/SNI chosen by
// the caller. Redirects are never followed: the response to THIS request is the evidence. Every
// hostile answer (endless body, slow or huge headers, garbage) ends as a failure string in time.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { Client, errors as undiciErrors } from 'undici';
import type { HttpRequest } from '../observations.js';
import { decodeBody, extractTitle } from './body.js';
import type { CaOption } from './certificate.js';
import { SocketReuseError, StepTimeoutError } from './errors.js';
import { FAILURE, certificateFailure, classifyError } from './failure.js';
import { endpoint, hostHeader as defaultHostHeader } from '../address.js';
import { secondsSince, type StepOptions } from './step.js';
import { tcpConnect } from './tcp.js';
import { closeMeasured, tlsHandshake } from './tls.js';

/**
 * Bytes of a page read at most. The analysis reads a page's title (in its head), the first
 * BODY_TEXT_CHARS for blockpage fingerprints, its hash (compared with another page the probe read
 * the same way) and its length, where Content-Length stands in for a cut page (analysis/pages.ts).
 * Real gambling sites' pages weigh 8-256 KB (about 70 KB on average); blockpages a few KB.
 */
export const DEFAULT_BODY_CAP_BYTES = 16 * 1024;
/** Text kept in the observation; the hash and length cover everything read. */
export const BODY_TEXT_CHARS = 4096;
// A common browser's User-Agent: some blockpages and firewalls answer scripts differently.
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

export interface HttpTarget {
  ip: string;
  port: number;
  scheme: 'http' | 'https';
  /** Name sent as Host (and as SNI for https); an IP literal means no SNI. */
  host: string;
  /** Path and query, starting with '/'. */
  path: string;
  /**
   * A socket already measured by tcp.ts (or tls.ts for https). It is consumed: closed when the
   * request ends. Without it a fresh connection is opened through tcp.ts/tls.ts.
   */
  socket?: net.Socket;
  /** Host header override; default `host`, plus `:port` when the port is not the scheme's. */
  hostHeader?: string;
}

export interface HttpOptions extends StepOptions {
  /** Bytes of body read at most (default 64 KiB); the rest is not read. */
  bodyCapBytes?: number;
  /** body_sha256 covers the first this-many bytes (default: all that was read). */
  hashCapBytes?: number;
  ca?: CaOption;
  /**
   * Refuse to send the request when the handshake this step made is not trusted or not valid for
   * the name (a control fetching a page wants a real site, the probe wants whatever answers).
   */
  requireTrusted?: boolean;
  /** Extra request headers (lower-case names). */
  headers?: Record<string, string>;
}

function lowerHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

type Response = NonNullable<HttpRequest['response']>;

// The reason a finished request's client is destroyed with: made once, since undici would otherwise
// make a new error (and capture its stack) for every request; nothing is pending to receive it.
const REQUEST_DONE = new undiciErrors.ClientDestroyedError();

export async function httpRequest(target: HttpTarget, opts: HttpOptions): Promise<HttpRequest> {
  opts.guard.check(target.ip, `http request ${target.port}`);
  const began = performance.now();
  const t0 = secondsSince(opts.startedAt);
  const remaining = (): number => Math.max(1, Math.ceil(opts.timeoutMs - (performance.now() - began)));
  const hostHeader = target.hostHeader ?? defaultHostHeader(target.scheme, target.host, target.port);
  const requestHeaders: Record<string, string> = {
    host: hostHeader,
    'user-agent': DEFAULT_USER_AGENT,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    ...opts.headers,
  };
  const record = (response: Response | null, failure: string | null): HttpRequest => ({
    request: {
      url: `${target.scheme}://${hostHeader}${target.path}`,
      method: 'GET',
      address: endpoint(target.ip, target.port),
      host: target.host,
      headers: requestHeaders,
    },
    response,
    failure,
    t0,
    t: secondsSince(opts.startedAt),
    tags: [...opts.tags],
  });

  // 1. The connection: the caller's measured socket, or a fresh one measured here.
  let socket = target.socket ?? null;
  if (socket === null) {
    const tcp = await tcpConnect(target.ip, target.port, { ...opts, timeoutMs: remaining() });
    if (tcp.socket === null) return record(null, tcp.obs.status.failure);
    socket = tcp.socket;
  }
  if (target.scheme === 'https' && !(socket instanceof tls.TLSSocket)) {
    const hs = await tlsHandshake(socket, target.host, { ...opts, timeoutMs: remaining() });
    if (hs.socket === null) return record(null, hs.obs.failure);
    socket = hs.socket;
    if (opts.requireTrusted && !(hs.obs.trusted && hs.obs.valid_for_name)) {
      closeMeasured(socket);
      const code = hs.obs.trusted ? 'ERR_TLS_CERT_ALTNAME_INVALID' : (hs.obs.verify_error ?? 'UNKNOWN');
      return record(null, certificateFailure(code));
    }
  }

  // 2. The request, through undici on exactly that socket.
  const measured = socket;
  let handedOver = false;
  const client = new Client(`${target.scheme}://${endpoint(target.ip, target.port)}`, {
    connect: (_o, callback) => {
      // undici must get the answer asynchronously: a synchronous callback re-enters its queue
      // loop while it is still running and the request is never written.
      if (handedOver) {
        process.nextTick(() => callback(new SocketReuseError('the measured socket was already used'), null));
        return;
      }
      handedOver = true;
      process.nextTick(() => callback(null, measured));
    },
    headersTimeout: remaining(),
    bodyTimeout: remaining(),
    pipelining: 1,
  });
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new StepTimeoutError(`http request to ${hostHeader} timed out after ${opts.timeoutMs} ms`));
  }, remaining());
  let response: Response | null = null;
  try {
    const res = await client.request({
      method: 'GET',
      path: target.path,
      headers: requestHeaders,
      signal: controller.signal,
    });
    const headers = lowerHeaders(res.headers as Record<string, string | string[] | undefined>);
    const cap = opts.bodyCapBytes ?? DEFAULT_BODY_CAP_BYTES;
    const chunks: Buffer[] = [];
    let length = 0;
    let truncated = false;
    let readError: unknown = null;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        const room = cap - length;
        if (buf.length > room) {
          // More than the cap arrived: keep exactly `cap` bytes and stop reading.
          chunks.push(buf.subarray(0, room));
          length += room;
          truncated = true;
          break;
        }
        chunks.push(buf);
        length += buf.length;
      }
    } catch (err) {
      readError = err;
      truncated = true;
    }
    const bytes = Buffer.concat(chunks, length);
    const hashed = opts.hashCapBytes === undefined ? bytes : bytes.subarray(0, opts.hashCapBytes);
    const { text } = decodeBody(bytes, headers['content-type']);
    response = {
      code: res.statusCode,
      headers,
      body_length: length,
      body_is_truncated: truncated,
      body: text.slice(0, BODY_TEXT_CHARS),
      body_sha256: createHash('sha256').update(hashed).digest('hex'),
      title: extractTitle(text),
    };
    const failure = readError === null ? null : timedOut ? FAILURE.timeout : classifyError(readError);
    return record(response, failure);
  } catch (err) {
    return record(response, timedOut ? FAILURE.timeout : classifyError(err));
  } finally {
    clearTimeout(timer);
    // The record is made: a reset, not a FIN, so no TIME_WAIT is left behind (tcp.ts, resetClose).
    // undici lets go of the socket only after it closed (destroying a TLS socket in the tick of its
    // TCP socket's reset crashes Node: tls.ts).
    closeMeasured(measured, () => void client.destroy(REQUEST_DONE).catch(() => undefined));
  }
}
