import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { askControl, askControlBatch, askWhoami } from '../../src/control/client.js';
import { NetGuard } from '../../src/net/guard.js';
import { AddressPolicy, REFUSED_ADDRESS } from '../../src/control/policy.js';
import { systemOrServerResolver } from '../../src/control/resolve.js';
import { startControlServer, type ControlServer, type ControlServerOptions } from '../../src/control/server.js';
import { softwareVersion } from '../../src/version.js';
import { listen, selfSigned, shut, tracked } from '../net/fixtures.js';
import { recordingGuard, REFUSED_SAMPLES, startDns, type DnsServer } from './fixtures.js';

const BIG = 3 * 1024 * 1024;
const bigBody = Buffer.alloc(BIG, 'z');

describe('control helper', () => {
  let dns: DnsServer;
  let sitePort: number;
  let tlsPort: number;
  const siteHits: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  const pair = selfSigned(['secure.test']);

  beforeAll(async () => {
    // The local "internet": one HTTP site with every kind of redirect, one HTTPS site.
    const site = http.createServer((req, res) => {
      siteHits.push(`${req.headers.host} ${req.url}`);
      const redirect = (to: string): void => {
        res.writeHead(302, { location: to });
        res.end();
      };
      switch (req.url) {
        case '/':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-site': 'yes' });
          return void res.end('<html><title>Local site</title>hello</html>');
        case '/redirect-private':
          return redirect('http://10.0.0.1/');
        case '/redirect-metadata':
          return redirect('http://169.254.169.254/latest/meta-data/');
        case '/redirect-v6-loopback':
          return redirect(`http://[::1]:${sitePort}/`);
        case '/redirect-name-private':
          return redirect(`http://private.test:${sitePort}/`);
        case '/redirect-ok':
          return redirect('/final');
        case '/redirect-loop':
          return redirect('/redirect-loop');
        case '/final':
          return void res.end('<title>final</title>');
        case '/big':
          return void res.end(bigBody);
        case '/slow':
          return; // never answers
        default:
          res.writeHead(404);
          res.end();
      }
    });
    const siteSockets = tracked(site);
    sitePort = await listen(site);
    closers.push(() => shut(site, siteSockets));
    const secure = https.createServer(pair, (_req, res) => res.end('<title>secure</title>'));
    const secureSockets = tracked(secure);
    tlsPort = await listen(secure);
    closers.push(() => shut(secure, secureSockets));
    dns = await startDns({
      'site.test': { A: ['127.0.0.1'] },
      'secure.test': { A: ['127.0.0.1'] },
      'private.test': { A: ['10.0.0.1'] },
      'meta.test': { A: ['169.254.169.254'] },
      'v6loop.test': { AAAA: ['::1'] },
      'mapped.test': { AAAA: ['::ffff:192.168.1.1'] },
      'silent.test': { silent: true },
      'servfail.test': { rcode: 'SERVFAIL' },
    });
    closers.push(() => dns.close());
  });

  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function helper(extra: Partial<ControlServerOptions> = {}) {
    const guard = recordingGuard();
    const server: ControlServer = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      policy: new AddressPolicy(['127.0.0.0/8']),
      resolver: systemOrServerResolver(dns.address),
      guard,
      ...extra,
    });
    closers.push(() => server.close());
    return { server, guard };
  }

  const ask = (server: ControlServer, url: string, addrs: string[] = [], token?: string) =>
    askControl(server.url, { url, addrs }, { guard: recordingGuard(), timeoutMs: 20_000, ...(token ? { token } : {}) });

  it('answers /health', async () => {
    const { server } = await helper();
    const res = await request(`${server.url}/health`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true, version: softwareVersion, your_address: '127.0.0.1' });
  });

  it('tells a probe the address it comes from (askWhoami)', async () => {
    const { server } = await helper();
    const who = await askWhoami(server.url, { guard: NetGuard.parse('127.0.0.0/8'), timeoutMs: 5000 });
    expect(who).toEqual({ address: '127.0.0.1', version: softwareVersion, failure: null });
  });

  it('measures an allowed site: DNS, TCP to the union of addresses, the page', async () => {
    const { server } = await helper();
    const { response, failure } = await ask(server, `http://site.test:${sitePort}/`, ['127.0.0.2']);
    expect(failure).toBeNull();
    const r = response!;
    expect(r.dns).toEqual({ failure: null, addrs: ['127.0.0.1'] });
    expect(r.tcp_connect[`127.0.0.1:${sitePort}`]).toEqual({ status: true, failure: null });
    // The probe's address is measured too (nothing listens on 127.0.0.2 for this port).
    expect(r.tcp_connect[`127.0.0.2:${sitePort}`]).toEqual({ status: false, failure: 'connection_refused' });
    expect(Object.keys(r.tcp_connect).sort()).toEqual(
      ['127.0.0.1', '127.0.0.2'].flatMap((ip) => [80, 443, sitePort].map((p) => `${ip}:${p}`)).sort(),
    );
    // As in OONI's helper, a TLS entry exists exactly where TCP to port 443 worked.
    const tcp443 = Object.entries(r.tcp_connect).filter(([k, v]) => k.endsWith(':443') && v.status).map(([k]) => k);
    expect(Object.keys(r.tls_handshake).sort()).toEqual(tcp443.sort());
    const body = Buffer.from('<html><title>Local site</title>hello</html>');
    expect(r.http_request).toMatchObject({
      failure: null,
      status_code: 200,
      title: 'Local site',
      body_length: body.length,
      body_sha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(r.http_request.headers['x-site']).toBe('yes');
    expect(siteHits).toContain(`site.test:${sitePort} /`);
  });

  it('handshakes with the URL host as SNI and judges the certificate', async () => {
    const { server: strict } = await helper();
    const url = `https://secure.test:${tlsPort}/`;
    const untrusted = (await ask(strict, url)).response!;
    expect(untrusted.tls_handshake[`127.0.0.1:${tlsPort}`]).toEqual({ server_name: 'secure.test', status: false, failure: 'ssl_unknown_authority' });
    expect(untrusted.http_request.failure).toBe('ssl_unknown_authority');
    const { server: withCa } = await helper({ ca: pair.cert });
    const trusted = (await ask(withCa, url)).response!;
    expect(trusted.tls_handshake[`127.0.0.1:${tlsPort}`]).toEqual({ server_name: 'secure.test', status: true, failure: null });
    expect(trusted.http_request).toMatchObject({ failure: null, status_code: 200, title: 'secure' });
  });

  it('refuses every refused-address class given by the probe, without contacting any', async () => {
    const { server, guard } = await helper();
    // With 127.0.0.0/8 re-allowed, loopback v4 (also v4-mapped) is the one class let through.
    const refused = Object.keys(REFUSED_SAMPLES).filter((ip) => ip !== '127.0.0.1' && ip !== '::ffff:127.0.0.1');
    // 16 addresses per request at most (the protocol's bound).
    const chunks = Array.from({ length: Math.ceil(refused.length / 16) }, (_, i) => refused.slice(i * 16, i * 16 + 16));
    const { responses, failure } = await askControlBatch(
      server.url,
      chunks.map((addrs) => ({ url: `http://site.test:${sitePort}/`, addrs })),
      { guard: recordingGuard(), timeoutMs: 20_000 },
    );
    expect(failure).toBeNull();
    responses.forEach((r, i) => {
      for (const ip of chunks[i]!) {
        for (const port of [80, 443, sitePort]) {
          const key = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
          expect(r?.tcp_connect[key], key).toEqual({ status: false, failure: REFUSED_ADDRESS });
        }
        const key = ip.includes(':') ? `[${ip}]:443` : `${ip}:443`;
        expect(r?.tls_handshake[key]).toEqual({ server_name: 'site.test', status: false, failure: REFUSED_ADDRESS });
      }
      // The allowed site itself is still measured.
      expect(r?.http_request.status_code).toBe(200);
    });
    expect(guard.checked.filter((ip) => refused.includes(ip))).toEqual([]);
    expect(guard.checked.every((ip) => ip.startsWith('127.'))).toBe(true);
  });

  it.each([
    ['private.test', '10.0.0.1'],
    ['meta.test', '169.254.169.254'],
    ['v6loop.test', '::1'],
    ['mapped.test', '::ffff:192.168.1.1'],
  ])('refuses %s whose DNS answer is %s', async (name, ip) => {
    const { server, guard } = await helper();
    const r = (await ask(server, `http://${name}:${sitePort}/`)).response!;
    expect(r.dns).toEqual({ failure: null, addrs: [ip] });
    expect(Object.values(r.tcp_connect).every((e) => e.failure === REFUSED_ADDRESS)).toBe(true);
    expect(Object.keys(r.tcp_connect)).toHaveLength(3);
    expect(r.http_request).toMatchObject({ failure: REFUSED_ADDRESS, status_code: -1 });
    expect(guard.checked).toEqual([]);
  });

  it.each([
    ['/redirect-private', '10.0.0.1'],
    ['/redirect-metadata', '169.254.169.254'],
    ['/redirect-v6-loopback', '::1'],
    ['/redirect-name-private', '10.0.0.1'],
  ])('refuses a redirect from an allowed site (%s → %s)', async (path, ip) => {
    const { server, guard } = await helper();
    const before = siteHits.length;
    const r = (await ask(server, `http://site.test:${sitePort}${path}`)).response!;
    expect(siteHits.slice(before)).toEqual([`site.test:${sitePort} ${path}`]);
    expect(r.http_request.failure).toBe(REFUSED_ADDRESS);
    expect(guard.checked).not.toContain(ip);
    expect(guard.checked.every((a) => a.startsWith('127.'))).toBe(true);
  });

  it('follows allowed redirects, a few at most', async () => {
    const { server } = await helper();
    const ok = (await ask(server, `http://site.test:${sitePort}/redirect-ok`)).response!;
    expect(ok.http_request).toMatchObject({ failure: null, status_code: 200, title: 'final' });
    const before = siteHits.length;
    const loop = (await ask(server, `http://site.test:${sitePort}/redirect-loop`)).response!;
    expect(loop.http_request.status_code).toBe(302);
    expect(siteHits.length - before).toBe(6); // the first request and 5 redirects
  });

  it('reports DNS failures of its own view', async () => {
    const { server } = await helper();
    const nx = (await ask(server, `http://nowhere.test/`)).response!;
    expect(nx.dns).toEqual({ failure: 'dns_nxdomain_error', addrs: [] });
    expect(nx.http_request.failure).toBe('dns_nxdomain_error');
    const sf = (await ask(server, `http://servfail.test/`)).response!;
    expect(sf.dns.failure).toBe('dns_servfail_error');
  });

  it('reads at most 1 MiB of a body and hashes the first 64 KiB', async () => {
    const { server } = await helper();
    const r = (await ask(server, `http://site.test:${sitePort}/big`)).response!;
    expect(r.http_request.body_length).toBe(1024 * 1024);
    expect(r.http_request.body_sha256).toBe(createHash('sha256').update(bigBody.subarray(0, 64 * 1024)).digest('hex'));
  });

  it('keeps to its time budget on a silent site and a silent resolver', async () => {
    const { server } = await helper({ budgetMs: 1000 });
    let began = Date.now();
    const slow = (await ask(server, `http://site.test:${sitePort}/slow`)).response!;
    expect(Date.now() - began).toBeLessThan(2500);
    expect(slow.http_request.failure).toBe('generic_timeout_error');
    began = Date.now();
    const silent = (await ask(server, `http://silent.test/`)).response!;
    expect(Date.now() - began).toBeLessThan(2500);
    expect(silent.dns.failure).toBe('generic_timeout_error');
  });

  it('requires the bearer token when one is set', async () => {
    const { server } = await helper({ token: 'secret-token-123' });
    const url = `http://site.test:${sitePort}/`;
    expect(await ask(server, url)).toEqual({ response: null, failure: 'control_unauthorized' });
    expect(await ask(server, url, [], 'wrong-token-456')).toEqual({ response: null, failure: 'control_unauthorized' });
    const res = await request(`${server.url}/api/v1/control`, { method: 'POST', body: JSON.stringify({ url }), headers: { authorization: 'Basic x' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    await res.body.dump();
    const good = await ask(server, url, [], 'secret-token-123');
    expect(good.failure).toBeNull();
    expect(good.response?.http_request.status_code).toBe(200);
  });

  it('refuses oversized and malformed requests', async () => {
    const { server } = await helper();
    const post = async (path: string, body: string) => {
      const res = await request(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      return { status: res.statusCode, body: (await res.body.json()) as { error?: string } };
    };
    const huge = JSON.stringify({ url: `http://site.test/${'a'.repeat(70 * 1024)}`, addrs: [] });
    expect((await post('/api/v1/control', huge)).status).toBe(413);
    expect((await post('/api/v1/control', '{not json')).status).toBe(400);
    const tooMany = Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`);
    expect((await post('/api/v1/control', JSON.stringify({ url: 'http://site.test/', addrs: tooMany }))).status).toBe(400);
    const batch = Array.from({ length: 33 }, () => ({ url: 'http://site.test/', addrs: [] }));
    expect((await post('/api/v1/control/batch', JSON.stringify({ requests: batch }))).status).toBe(400);
    expect((await post('/api/v1/nothing', '{}')).status).toBe(404);
    // Without a Content-Length (chunked), the size is counted while reading.
    const chunked = await request(`${server.url}/api/v1/control`, {
      method: 'POST',
      body: Readable.from([Buffer.from(huge.slice(0, 40_000)), Buffer.from(huge.slice(40_000))]),
    });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.dump();
  });

  it('limits the rate per client with 429', async () => {
    const { server } = await helper({ rate: { perSecond: 0.5, burst: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(`${server.url}/health`);
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      await res.body.dump();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await ask(server, `http://site.test:${sitePort}/`)).toEqual({ response: null, failure: 'control_rate_limited' });
  });

  it('charges a batch one token per URL', async () => {
    const { server } = await helper({ rate: { perSecond: 0.1, burst: 3 } });
    const requests = Array.from({ length: 4 }, () => ({ url: 'http://nowhere.test/', addrs: [] }));
    const answer = await askControlBatch(server.url, requests, { guard: recordingGuard(), timeoutMs: 10_000 });
    expect(answer.failure).toBe('control_rate_limited');
    expect(answer.responses).toEqual([null, null, null, null]);
  });
});

