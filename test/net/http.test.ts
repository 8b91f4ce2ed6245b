import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/net/http.js';
import { tcpConnect } from '../../src/net/tcp.js';
import { tlsHandshake } from '../../src/net/tls.js';
import { closedPort, listen, selfSigned, shut, stepOpts, timeWaitTo, tracked } from './fixtures.js';
import { iso88597 } from './greek.js';

interface Seen {
  host: string | undefined;
  url: string | undefined;
  remotePort: number | undefined;
  sni?: string | false;
}

describe('httpRequest', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** An HTTP(S) server on 127.0.0.1 that records each request and answers with `handler`. */
  async function site(handler: http.RequestListener, tlsPair?: { key: string; cert: string }) {
    const seen: Seen[] = [];
    const onRequest: http.RequestListener = (req, res) => {
      const sock = req.socket as net.Socket & { servername?: string | false };
      seen.push({ host: req.headers.host, url: req.url, remotePort: sock.remotePort, ...(tlsPair ? { sni: sock.servername ?? false } : {}) });
      handler(req, res);
    };
    const server = tlsPair ? https.createServer(tlsPair, onRequest) : http.createServer(onRequest);
    const sockets = tracked(server);
    const port = await listen(server);
    cleanups.push(() => shut(server, sockets));
    return { port, seen };
  }

  /** A raw TCP server for answers no well-behaved HTTP server would give. */
  async function raw(onRequest: (s: net.Socket) => void) {
    const server = net.createServer((s) => s.once('data', () => onRequest(s)));
    const sockets = tracked(server);
    const port = await listen(server);
    cleanups.push(() => shut(server, sockets));
    return port;
  }

  it('sends the chosen Host over the measured socket and records the response', async () => {
    const { port, seen } = await site((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html', 'X-Odd-Header': 'Yes' });
      res.end('<title>Hello</title>ok');
    });
    const tcp = await tcpConnect('127.0.0.1', port, stepOpts());
    const measuredPort = tcp.socket!.localPort;
    const r = await httpRequest(
      { ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/casino?x=1', socket: tcp.socket! },
      stepOpts(),
    );
    expect(r.failure).toBeNull();
    expect(seen).toEqual([{ host: `blocked.test:${port}`, url: '/casino?x=1', remotePort: measuredPort }]);
    expect(r.request).toMatchObject({ url: `http://blocked.test:${port}/casino?x=1`, method: 'GET', address: `127.0.0.1:${port}`, host: 'blocked.test' });
    expect(r.request.headers.host).toBe(`blocked.test:${port}`);
    const body = Buffer.from('<title>Hello</title>ok');
    expect(r.response).toMatchObject({
      code: 200,
      body_length: body.length,
      body_is_truncated: false,
      body: '<title>Hello</title>ok',
      title: 'Hello',
      body_sha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(r.response?.headers['x-odd-header']).toBe('Yes');
    expect(r.response?.headers['content-type']).toBe('text/html');
  });

  it('uses an explicit Host header as given', async () => {
    const { port, seen } = await site((_req, res) => res.end());
    const r = await httpRequest(
      { ip: '127.0.0.1', port, scheme: 'http', host: 'innocuous.test', hostHeader: 'innocuous.test', path: '/' },
      stepOpts(),
    );
    expect(r.failure).toBeNull();
    expect(seen[0]?.host).toBe('innocuous.test');
  });

  it('does not follow redirects and records Location', async () => {
    const { port, seen } = await site((_req, res) => {
      res.writeHead(302, { Location: 'http://blockpage.test/blocked.html' });
      res.end();
    });
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.failure).toBeNull();
    expect(r.response?.code).toBe(302);
    expect(r.response?.headers.location).toBe('http://blockpage.test/blocked.html');
    expect(seen).toHaveLength(1);
  });

  it('decodes an iso-8859-7 page and extracts its title', async () => {
    const page = iso88597('<html><head><title>Απαγορευμένη πρόσβαση</title></head><body>Ε.Ε.Ε.Π.</body></html>');
    const { port } = await site((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=iso-8859-7' });
      res.end(page);
    });
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.response?.title).toBe('Απαγορευμένη πρόσβαση');
    expect(r.response?.body).toContain('Ε.Ε.Ε.Π.');
    expect(r.response?.body_length).toBe(page.length);
  });

  it('strips a UTF-8 BOM even when the server claims iso-8859-7', async () => {
    const page = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<title>Σελίδα</title>', 'utf8')]);
    const { port } = await site((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=iso-8859-7' });
      res.end(page);
    });
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.response?.body.startsWith('<title>')).toBe(true);
    expect(r.response?.title).toBe('Σελίδα');
    expect(r.response?.body_sha256).toBe(createHash('sha256').update(page).digest('hex'));
  });

  it('caps an endless body and returns in time', async () => {
    const port = await raw((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = (): void => {
        if (s.destroyed) return;
        if (s.write(chunk)) setImmediate(pump);
        else s.once('drain', pump);
      };
      pump();
    });
    const began = Date.now();
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, { ...stepOpts(3000), bodyCapBytes: 100_000 });
    expect(Date.now() - began).toBeLessThan(2000);
    expect(r.failure).toBeNull();
    expect(r.response?.body_length).toBe(100_000);
    expect(r.response?.body_is_truncated).toBe(true);
    expect(r.response?.body).toBe('a'.repeat(4096));
    expect(r.response?.body_sha256).toBe(createHash('sha256').update(Buffer.alloc(100_000, 'a')).digest('hex'));
  });

  it('hashes only the first hashCapBytes when asked', async () => {
    const { port } = await site((_req, res) => res.end(Buffer.alloc(5000, 'b')));
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'x.test', path: '/' }, { ...stepOpts(), hashCapBytes: 1000 });
    expect(r.response?.body_length).toBe(5000);
    expect(r.response?.body_sha256).toBe(createHash('sha256').update(Buffer.alloc(1000, 'b')).digest('hex'));
  });

  it('times out on slow headers', async () => {
    const port = await raw(() => undefined);
    const began = Date.now();
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts(400));
    expect(r.failure).toBe('generic_timeout_error');
    expect(r.response).toBeNull();
    expect(Date.now() - began).toBeLessThan(1500);
  });

  it('times out on a trickling body, keeping what arrived', async () => {
    const port = await raw((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstart');
      const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('.')), 50);
    });
    const began = Date.now();
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts(500));
    expect(Date.now() - began).toBeLessThan(1500);
    expect(r.failure).toBe('generic_timeout_error');
    expect(r.response?.code).toBe(200);
    expect(r.response?.body.startsWith('start.')).toBe(true);
    expect(r.response?.body_is_truncated).toBe(true);
  });

  it('turns a garbage status line into a failure string', async () => {
    const port = await raw((s) => s.end('SURPRISE NOT HTTP\r\n\r\n'));
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.response).toBeNull();
    expect(r.failure).toBe('unknown_failure: malformed HTTP response (Expected HTTP/, RTSP/ or ICE/)');
  });

  it('turns huge headers into a failure string', async () => {
    const port = await raw((s) => s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(200_000)}\r\n\r\n`));
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.response).toBeNull();
    expect(r.failure).toBe('unknown_failure: HTTP response headers too large');
  });

  it('reports eof_error when the server closes without answering', async () => {
    const port = await raw((s) => s.end());
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.failure).toBe('eof_error');
  });

  it('reports connection_reset when the server resets instead of answering', async () => {
    const port = await raw((s) => s.resetAndDestroy());
    const r = await httpRequest({ ip: '127.0.0.1', port, scheme: 'http', host: 'blocked.test', path: '/' }, stepOpts());
    expect(r.failure).toBe('connection_reset');
  });

  it('reports the connect failure of a fresh connection', async () => {
    const r = await httpRequest({ ip: '127.0.0.1', port: await closedPort(), scheme: 'http', host: 'x.test', path: '/' }, stepOpts());
    expect(r.failure).toBe('connection_refused');
    expect(r.response).toBeNull();
  });

  describe('closing the measured connection', () => {
    const page = `<title>big</title>${'x'.repeat(40 * 1024)}`;

    it('ends it with a reset once the response is recorded: no TIME_WAIT is left, over HTTP and HTTPS', async () => {
      const pair = selfSigned(['site.test']);
      const plain = await site((req, res) => res.end(req.url === '/small' ? '<title>small</title>' : page));
      const secure = await site((req, res) => res.end(req.url === '/small' ? '<title>small</title>' : page), pair);
      for (const path of ['/small', '/big']) {
        const tcp = await tcpConnect('127.0.0.1', plain.port, stepOpts());
        const r = await httpRequest({ ip: '127.0.0.1', port: plain.port, scheme: 'http', host: 'site.test', path, socket: tcp.socket! }, stepOpts());
        expect(r.failure).toBeNull();
        // Everything the record holds was read before the reset: the title, the page up to the cap.
        expect(r.response?.title).toBe(path === '/small' ? 'small' : 'big');
        expect(r.response?.body_length).toBe(path === '/small' ? 20 : 16 * 1024);
        const hs = await tlsHandshake({ ip: '127.0.0.1', port: secure.port }, 'site.test', { ...stepOpts(), ca: pair.cert });
        const s = await httpRequest({ ip: '127.0.0.1', port: secure.port, scheme: 'https', host: 'site.test', path, socket: hs.socket! }, stepOpts());
        expect(s.failure).toBeNull();
        expect(s.response?.title).toBe(path === '/small' ? 'small' : 'big');
        // A fresh connection opened by the step itself is closed the same way.
        const own = await httpRequest({ ip: '127.0.0.1', port: secure.port, scheme: 'https', host: 'site.test', path }, stepOpts());
        expect(own.failure).toBeNull();
      }
      expect(plain.seen).toHaveLength(2);
      expect(secure.seen).toHaveLength(4);
      expect(timeWaitTo(plain.port)).toBe(0);
      expect(timeWaitTo(secure.port)).toBe(0);
    });

    it('counts TIME_WAIT where a client closes first with a FIN (what the reset avoids)', async () => {
      const { port } = await site((_req, res) => res.end('<title>small</title>'));
      for (let i = 0; i < 3; i++) {
        const s = net.connect({ host: '127.0.0.1', port });
        await new Promise((resolve) => s.once('connect', resolve));
        s.write('GET / HTTP/1.1\r\nHost: site.test\r\n\r\n');
        await new Promise((resolve) => s.once('data', resolve));
        s.destroy();
        await new Promise((resolve) => s.once('close', resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(timeWaitTo(port)).toBe(3);
    });
  });

  describe('https', () => {
    const pair = selfSigned(['site.test']);

    it('sends the request over a measured TLS socket with our SNI and Host', async () => {
      const { port, seen } = await site((_req, res) => res.end('<title>secure</title>'), pair);
      const hs = await tlsHandshake({ ip: '127.0.0.1', port }, 'site.test', { ...stepOpts(), ca: pair.cert });
      expect(hs.obs.trusted).toBe(true);
      const measuredPort = hs.socket!.localPort;
      const r = await httpRequest(
        { ip: '127.0.0.1', port, scheme: 'https', host: 'site.test', hostHeader: 'site.test', path: '/x', socket: hs.socket! },
        stepOpts(),
      );
      expect(r.failure).toBeNull();
      expect(r.response?.title).toBe('secure');
      expect(seen).toEqual([{ host: 'site.test', url: '/x', remotePort: measuredPort, sni: 'site.test' }]);
      expect(r.request.url).toBe('https://site.test/x');
    });

    it('opens its own TLS connection, and refuses an untrusted one when asked', async () => {
      const { port, seen } = await site((_req, res) => res.end('fine'), pair);
      const target = { ip: '127.0.0.1', port, scheme: 'https' as const, host: 'site.test', path: '/' };
      const loose = await httpRequest(target, stepOpts());
      expect(loose.failure).toBeNull();
      expect(loose.response?.body).toBe('fine');
      const strict = await httpRequest(target, { ...stepOpts(), requireTrusted: true });
      expect(strict.failure).toBe('ssl_unknown_authority');
      const wrongName = await httpRequest({ ...target, host: 'other.test' }, { ...stepOpts(), requireTrusted: true, ca: pair.cert });
      expect(wrongName.failure).toBe('ssl_invalid_hostname');
      const trusted = await httpRequest(target, { ...stepOpts(), requireTrusted: true, ca: pair.cert });
      expect(trusted.failure).toBeNull();
      // Only the two accepted handshakes carried a request.
      expect(seen).toHaveLength(2);
    });
  });
});
