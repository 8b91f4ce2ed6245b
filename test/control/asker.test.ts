import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request as undiciRequest } from 'undici';
import { batchTimeoutMs, controlAsker } from '../../src/control/asker.js';
import { AddressPolicy } from '../../src/control/policy.js';
import { CONTROL_BATCH_PATH, CONTROL_PATH } from '../../src/control/protocol.js';
import { systemOrServerResolver } from '../../src/control/resolve.js';
import { startControlServer, type ControlServer, type ControlServerOptions } from '../../src/control/server.js';
import { NetGuard } from '../../src/net/guard.js';
import type { ControlResponse } from '../../src/observations.js';
import { closedPort, listen, selfSigned, shut, tracked } from '../net/fixtures.js';
import { recordingGuard, startDns, type DnsServer } from './fixtures.js';

/** What a small loopback server saw: connections, and each request's path and batch size. */
interface Seen {
  url: string;
  connections: number;
  /** Connections still open. */
  open: () => number;
  requests: Array<{ path: string; size: number }>;
  /** Most requests handled at the same moment. */
  maxConcurrent: number;
  close(): Promise<void>;
}

type Handler = (path: string, body: unknown, res: http.ServerResponse) => Promise<void> | void;

/** A node:http server on loopback that records what reaches it and lets `handler` answer. */
async function recordingServer(handler: Handler, tls?: { key: string; cert: string }, host = '127.0.0.1'): Promise<Seen> {
  let concurrent = 0;
  const seen = { connections: 0, maxConcurrent: 0, requests: [] as Seen['requests'] };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? null : (JSON.parse(text) as unknown);
      const size = (body as { requests?: unknown[] } | null)?.requests?.length ?? 1;
      seen.requests.push({ path, size });
      concurrent += 1;
      seen.maxConcurrent = Math.max(seen.maxConcurrent, concurrent);
      res.on('close', () => (concurrent -= 1));
      void Promise.resolve(handler(path, body, res)).catch(() => res.destroy());
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.on('connection', () => (seen.connections += 1));
  const sockets = tracked(server);
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    get connections() {
      return seen.connections;
    },
    get maxConcurrent() {
      return seen.maxConcurrent;
    },
    requests: seen.requests,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    open: () => sockets.size,
    close: () => shut(server, sockets),
  };
}

const reply = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
};

/** A front for the real helper: forwards every request to it, after `delayMs`, or answers `batchStatus` on the batch path. */
function front(helper: ControlServer, opts: { batchStatus?: number; delayMs?: number } = {}): Promise<Seen> {
  return recordingServer(async (path, body, res) => {
    if (path === CONTROL_BATCH_PATH && opts.batchStatus !== undefined) return reply(res, opts.batchStatus, '{"error":"no such endpoint"}');
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const answer = await undiciRequest(`${helper.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    reply(res, answer.statusCode, await answer.body.text());
  });
}

/** A response that passes the client's validation; `title` tells them apart. */
const fake = (title: string): ControlResponse => ({
  dns: { failure: null, addrs: ['127.0.0.1'] },
  tcp_connect: { '127.0.0.1:80': { status: false, failure: 'connection_refused' } },
  tls_handshake: {},
  http_request: { failure: null, status_code: 200, title, body_length: 0, body_sha256: '', headers: {} },
});

describe('control asker', () => {
  let dns: DnsServer;
  let sitePort: number;
  let deadPort: number;
  let helper: ControlServer;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    // The site answers each page with its own title, so that answers cannot be swapped unseen.
    const site = http.createServer((req, res) => {
      const n = /^\/page\/(\d+)$/.exec(req.url ?? '')?.[1];
      res.writeHead(n ? 200 : 404, { 'content-type': 'text/html' });
      res.end(n ? `<title>page ${n}</title>` : '');
    });
    const siteSockets = tracked(site);
    sitePort = await listen(site);
    closers.push(() => shut(site, siteSockets));
    deadPort = await closedPort();
    dns = await startDns({});
    closers.push(() => dns.close());
    helper = await startHelper();
  });

  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function startHelper(extra: Partial<ControlServerOptions> = {}): Promise<ControlServer> {
    const server = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      // The helper refuses loopback by default; these tests' sites live there.
      policy: new AddressPolicy(['127.0.0.0/8']),
      resolver: systemOrServerResolver(dns.address),
      guard: recordingGuard(),
      rate: { perSecond: 1000, burst: 1000 },
      ...extra,
    });
    closers.push(() => server.close());
    return server;
  }

  async function serve(handler: Handler): Promise<Seen> {
    const s = await recordingServer(handler);
    closers.push(() => s.close());
    return s;
  }

  async function fronted(opts: Parameters<typeof front>[1] = {}): Promise<Seen> {
    const s = await front(helper, opts);
    closers.push(() => s.close());
    return s;
  }

  /** Even i: a page that answers; odd i: a port nobody listens on. */
  const urlFor = (i: number): string => (i % 2 === 0 ? `http://127.0.0.1:${sitePort}/page/${i}` : `http://127.0.0.1:${deadPort}/page/${i}`);

  function expectOwnAnswer(answer: { response: ControlResponse | null; failure: string | null }, i: number): void {
    expect(answer.failure, `answer ${i}`).toBeNull();
    const r = answer.response!;
    if (i % 2 === 0) {
      expect(r.http_request, `answer ${i}`).toMatchObject({ failure: null, status_code: 200, title: `page ${i}` });
      expect(r.tcp_connect[`127.0.0.1:${sitePort}`]).toEqual({ status: true, failure: null });
    } else {
      expect(r.http_request, `answer ${i}`).toMatchObject({ failure: 'connection_refused', status_code: -1 });
      expect(r.tcp_connect[`127.0.0.1:${deadPort}`]).toEqual({ status: false, failure: 'connection_refused' });
    }
  }

  const askAll = (asker: ReturnType<typeof controlAsker>, from: number, count: number) =>
    Promise.all(Array.from({ length: count }, (_, k) => asker.ask({ url: urlFor(from + k), addrs: [] })));

  it('sends 40 concurrent asks as two batches (32 + 8), each caller getting the answer for its own URL', async () => {
    const seen = await fronted();
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 10_000 });
    const answers = await askAll(asker, 0, 40);
    answers.forEach(expectOwnAnswer);
    expect(seen.requests).toEqual([
      { path: CONTROL_BATCH_PATH, size: 32 },
      { path: CONTROL_BATCH_PATH, size: 8 },
    ]);
    expect(asker.stats()).toEqual({ batches: 2, asked: 40, singles: 0, retries: 0 });
    await asker.close();
  });

  it('reuses one TCP connection across batches', async () => {
    const seen = await fronted();
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 10_000 });
    for (let round = 0; round < 3; round++) (await askAll(asker, round * 5, 5)).forEach((a, k) => expectOwnAnswer(a, round * 5 + k));
    expect(seen.requests.map((r) => r.size)).toEqual([5, 5, 5]);
    expect(seen.connections).toBe(1);
    await asker.close();
    // close() lets the connection go.
    await vi.waitFor(() => expect(seen.open()).toBe(0));
  });

  it('keeps at most maxInFlight batches in flight, the rest queued', async () => {
    const seen = await fronted({ delayMs: 150 });
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 10_000, maxBatch: 4, maxInFlight: 2 });
    (await askAll(asker, 0, 20)).forEach(expectOwnAnswer);
    expect(seen.requests.map((r) => r.size)).toEqual([4, 4, 4, 4, 4]);
    expect(seen.maxConcurrent).toBe(2);
    expect(seen.connections).toBe(2);
    expect(asker.stats()).toEqual({ batches: 5, asked: 20, singles: 0, retries: 0 });
    await asker.close();
  });

  it.each([404, 405])('falls back to single asks for good when the batch path answers %i', async (status) => {
    const seen = await fronted({ batchStatus: status });
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 10_000 });
    (await askAll(asker, 0, 6)).forEach(expectOwnAnswer);
    expect(asker.stats()).toEqual({ batches: 1, asked: 6, singles: 6, retries: 0 });
    const connections = seen.connections;
    // Later asks go straight to the single endpoint, over the connections already open.
    for (let i = 6; i < 9; i++) expectOwnAnswer(await asker.ask({ url: urlFor(i), addrs: [] }), i);
    expect(asker.stats()).toEqual({ batches: 1, asked: 9, singles: 9, retries: 0 });
    expect(seen.requests.filter((r) => r.path === CONTROL_BATCH_PATH)).toHaveLength(1);
    expect(seen.requests.filter((r) => r.path === CONTROL_PATH)).toHaveLength(9);
    expect(seen.connections).toBe(connections);
    await asker.close();
  });

  it('gives every member control_rate_limited on a 429', async () => {
    const seen = await serve((_path, _body, res) => reply(res, 429, '{"error":"too many requests"}', { 'retry-after': '5' }));
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 5000 });
    const answers = await askAll(asker, 0, 3);
    expect(answers).toEqual(answers.map(() => ({ response: null, failure: 'control_rate_limited' })));
    expect(asker.stats()).toEqual({ batches: 1, asked: 3, singles: 0, retries: 0 });
    await asker.close();
  });

  it('gives control_rate_limited from the real helper once its budget of URLs is spent', async () => {
    const limited = await startHelper({ rate: { perSecond: 0.1, burst: 3 } });
    const asker = controlAsker(limited.url, { guard: recordingGuard(), timeoutMs: 5000 });
    const answers = await askAll(asker, 0, 4);
    expect(answers.map((a) => a.failure)).toEqual(Array(4).fill('control_rate_limited'));
    await asker.close();
  });

  it('judges each member of a batch on its own: only the malformed one is invalid', async () => {
    // Answers by the request's URL: ".../bad" gets a malformed response, the others their own title.
    const seen = await serve((_path, body, res) => {
      const requests = (body as { requests: Array<{ url: string }> }).requests;
      if (requests.some((r) => r.url.endsWith('/notjson'))) return reply(res, 200, '{"responses": [');
      if (requests.some((r) => r.url.endsWith('/short'))) return reply(res, 200, JSON.stringify({ responses: requests.slice(1).map((r) => fake(r.url)) }));
      const responses = requests.map((r) => (r.url.endsWith('/bad') ? { ...fake(r.url), http_request: { status_code: '200' } } : fake(r.url)));
      reply(res, 200, JSON.stringify({ responses }));
    });
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 5000 });
    const urls = ['http://a.test/', 'http://b.test/bad', 'http://c.test/'];
    const answers = await Promise.all(urls.map((url) => asker.ask({ url, addrs: [] })));
    expect(answers).toEqual([
      { response: fake('http://a.test/'), failure: null },
      { response: null, failure: 'control_invalid_response' },
      { response: fake('http://c.test/'), failure: null },
    ]);
    // A body that is not JSON, or holds the wrong number of responses, fails every member.
    for (const last of ['notjson', 'short']) {
      const whole = await Promise.all(['http://a.test/', `http://b.test/${last}`].map((url) => asker.ask({ url, addrs: [] })));
      expect(whole).toEqual([
        { response: null, failure: 'control_invalid_response' },
        { response: null, failure: 'control_invalid_response' },
      ]);
    }
    expect(asker.stats()).toEqual({ batches: 3, asked: 7, singles: 0, retries: 0 });
    await asker.close();
  });

  it('retries a batch once when its connection closes before any response (the keep-alive race)', async () => {
    let calls = 0;
    const seen = await serve((_path, body, res) => {
      calls += 1;
      // The first batch's connection is closed under it, as a helper closing an idle connection does.
      if (calls === 1) return void res.socket?.destroy();
      const requests = (body as { requests: Array<{ url: string }> }).requests;
      reply(res, 200, JSON.stringify({ responses: requests.map((r) => fake(r.url)) }));
    });
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 5000 });
    const urls = ['http://a.test/', 'http://b.test/'];
    const answers = await Promise.all(urls.map((url) => asker.ask({ url, addrs: [] })));
    expect(answers).toEqual(urls.map((url) => ({ response: fake(url), failure: null })));
    expect(asker.stats()).toEqual({ batches: 1, asked: 2, singles: 0, retries: 1 });
    // Only once: a helper that keeps closing gives the failure.
    calls = -100;
    const failing = await serve((_p, _b, res) => void res.socket?.destroy());
    const again = controlAsker(failing.url, { guard: recordingGuard(), timeoutMs: 5000 });
    const lost = await again.ask({ url: 'http://c.test/', addrs: [] });
    expect(lost.response).toBeNull();
    expect(['eof_error', 'connection_reset']).toContain(lost.failure);
    expect(again.stats().retries).toBe(1);
    expect(failing.requests).toHaveLength(2);
    await Promise.all([asker.close(), again.close()]);
  });

  it('gives every member the timeout failure when the helper does not answer in time', async () => {
    const seen = await serve(() => undefined); // reads the batch, never answers
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 200 });
    const began = performance.now();
    const answers = await askAll(asker, 0, 3);
    const took = performance.now() - began;
    expect(answers).toEqual(answers.map(() => ({ response: null, failure: 'generic_timeout_error' })));
    // The bound is the batch's (one per-URL bound per wave of 8, plus one), not the per-URL one.
    expect(took).toBeGreaterThanOrEqual(batchTimeoutMs(3, 200) - 20);
    expect(took).toBeLessThan(3000);
    expect(seen.requests).toEqual([{ path: CONTROL_BATCH_PATH, size: 3 }]);
    await asker.close();
  });

  it('scales the batch bound with the helper\'s waves of 8', () => {
    expect(batchTimeoutMs(32, 15_000)).toBeGreaterThanOrEqual(60_000); // the helper's own batch budget
    expect(batchTimeoutMs(8, 1000)).toBeLessThan(batchTimeoutMs(9, 1000));
    expect(batchTimeoutMs(1, 1000)).toBeGreaterThanOrEqual(1000);
  });

  it('close() sends what is queued at once, then refuses new asks', async () => {
    const seen = await fronted();
    const asker = controlAsker(seen.url, { guard: recordingGuard(), timeoutMs: 10_000, waitMs: 60_000 });
    const began = performance.now();
    const pending = askAll(asker, 0, 3);
    await asker.close();
    expect(performance.now() - began).toBeLessThan(10_000);
    (await pending).forEach(expectOwnAnswer);
    expect(seen.requests).toEqual([{ path: CONTROL_BATCH_PATH, size: 3 }]);
    await expect(asker.ask({ url: urlFor(0), addrs: [] })).rejects.toMatchObject({ code: 'CP_CONTROL_ASKER_CLOSED' });
    expect(asker.stats()).toEqual({ batches: 1, asked: 3, singles: 0, retries: 0 });
  });

  it('sends the bearer token', async () => {
    const guarded = await startHelper({ token: 'secret-token-123' });
    const without = controlAsker(guarded.url, { guard: recordingGuard(), timeoutMs: 10_000 });
    expect((await askAll(without, 0, 2)).map((a) => a.failure)).toEqual(['control_unauthorized', 'control_unauthorized']);
    await without.close();
    const withToken = controlAsker(guarded.url, { guard: recordingGuard(), timeoutMs: 10_000, token: 'secret-token-123' });
    (await askAll(withToken, 0, 2)).forEach(expectOwnAnswer);
    await withToken.close();
  });

  it('refuses a helper outside the guard before any packet', async () => {
    const seen = await fronted();
    const outside = new NetGuard(['198.18.0.0/15']);
    expect(() => controlAsker(seen.url, { guard: outside, timeoutMs: 1000 })).toThrow(expect.objectContaining({ code: 'CP_GUARD' }));
    // A named helper is checked once its name is looked up: the ask is refused then.
    const named = controlAsker(seen.url.replace('127.0.0.1', 'localhost'), { guard: outside, timeoutMs: 1000 });
    await expect(named.ask({ url: urlFor(0), addrs: [] })).rejects.toMatchObject({ code: 'CP_GUARD' });
    await named.close();
    expect(seen.connections).toBe(0);
  });

  it('connects a named https helper with its name as SNI and the given CA', async () => {
    const pair = selfSigned(['localhost']);
    const { address } = await lookup('localhost');
    const names: Array<string | false | null> = [];
    const seen = await recordingServer(
      (_path, body, res) => {
        names.push((res.socket as TLSSocket).servername);
        reply(res, 200, JSON.stringify({ responses: (body as { requests: Array<{ url: string }> }).requests.map((r) => fake(r.url)) }));
      },
      pair,
      address,
    );
    closers.push(() => seen.close());
    const url = `https://localhost:${new URL(seen.url).port}`;
    const asker = controlAsker(url, { guard: recordingGuard(), timeoutMs: 5000, ca: pair.cert });
    for (let round = 0; round < 2; round++) {
      expect(await asker.ask({ url: `http://x${round}.test/`, addrs: [] })).toEqual({ response: fake(`http://x${round}.test/`), failure: null });
    }
    expect(names).toEqual(['localhost', 'localhost']);
    expect(seen.connections).toBe(1);
    await asker.close();
    // Without the CA, the helper's certificate is refused.
    const untrusting = controlAsker(url, { guard: recordingGuard(), timeoutMs: 5000 });
    expect((await untrusting.ask({ url: 'http://y.test/', addrs: [] })).failure).toBe('ssl_unknown_authority');
    await untrusting.close();
  });
});
