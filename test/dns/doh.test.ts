import dnsPacket from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeDohAgents, queryDoh } from '../../src/dns/doh.js';
import { GuardError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';
import { a, options, reply, selfSignedCert, startDohServer, type DohServer } from './servers.js';

let tls: { key: string; cert: string };
let server: DohServer | undefined;
beforeAll(() => {
  tls = selfSignedCert();
});
afterEach(async () => {
  await closeDohAgents();
  await server?.close();
  server = undefined;
});
afterAll(closeDohAgents);

const answering = (ip: string) => (body: Buffer) => ({
  status: 200,
  body: reply(dnsPacket.decode(body), { answers: [a(dnsPacket.decode(body).questions?.[0]?.name ?? '', ip)] }),
});

describe('queryDoh', () => {
  it('posts application/dns-message and decodes the reply, reusing the connection', async () => {
    server = await startDohServer(tls, answering('192.0.2.20'));
    const opts = options({ ca: tls.cert, tags: ['foreign'] });
    const first = await queryDoh(server.url, 'bet.example', 'A', opts);
    // undici frees the socket for reuse a tick after the body ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await queryDoh(server.url, 'other.example', 'A', opts);
    expect(first).toEqual([
      expect.objectContaining({ engine: 'doh', resolver_address: server.url, failure: null, reply_index: 0, tags: ['foreign'] }),
    ]);
    expect(first[0]?.answers[0]?.ipv4).toBe('192.0.2.20');
    expect(second[0]?.hostname).toBe('other.example');
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/dns-query', contentType: 'application/dns-message' });
    expect(server.connections()).toBe(1);
  });

  it('a status other than 200 is http_request_failed', async () => {
    server = await startDohServer(tls, () => ({ status: 500, body: 'oops' }));
    const out = await queryDoh(server.url, 'bet.example', 'A', options({ ca: tls.cert }));
    expect(out).toEqual([expect.objectContaining({ failure: 'http_request_failed', rcode: null, reply_index: 0 })]);
  });

  it('a body that is not DNS is dns_reply_parse_error', async () => {
    server = await startDohServer(tls, () => ({ status: 200, body: '<html><title>Μη δυνατή πρόσβαση</title></html>' }));
    const out = await queryDoh(server.url, 'bet.example', 'A', options({ ca: tls.cert }));
    expect(out).toEqual([expect.objectContaining({ failure: 'dns_reply_parse_error', reply_index: 0 })]);
  });

  it('a body over 65535 bytes is dns_reply_parse_error', async () => {
    server = await startDohServer(tls, () => ({ status: 200, body: Buffer.alloc(200_000, 0x81) }));
    const out = await queryDoh(server.url, 'bet.example', 'A', options({ ca: tls.cert }));
    expect(out[0]?.failure).toBe('dns_reply_parse_error');
  });

  it('a response to another question decides nothing', async () => {
    server = await startDohServer(tls, (body) => ({ status: 200, body: reply(dnsPacket.decode(body), { question: { name: 'x.example', type: 'A' } }) }));
    const out = await queryDoh(server.url, 'bet.example', 'A', options({ ca: tls.cert }));
    expect(out.map((q) => [q.reply_index, q.failure])).toEqual([
      [-1, 'dns_reply_with_wrong_query_id'],
      [0, 'dns_reply_with_wrong_query_id'],
    ]);
  });

  it('an untrusted certificate is ssl_unknown_authority', async () => {
    server = await startDohServer(tls, answering('192.0.2.20'));
    const out = await queryDoh(server.url, 'bet.example', 'A', options());
    expect(out[0]?.failure).toBe('ssl_unknown_authority');
  });

  it('a server that never answers times out', async () => {
    server = await startDohServer(tls, () => null);
    const started = Date.now();
    const out = await queryDoh(server.url, 'bet.example', 'A', options({ ca: tls.cert, timeoutMs: 300 }));
    expect(out[0]?.failure).toBe('generic_timeout_error');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a host name URL connects to the bootstrap IP with the name as SNI', async () => {
    server = await startDohServer(tls, answering('192.0.2.21'));
    const url = `https://doh.test:${server.port}/dns-query`;
    const out = await queryDoh(url, 'bet.example', 'A', options({ ca: tls.cert, bootstrapIp: '127.0.0.1' }));
    expect(out[0]).toMatchObject({ failure: null, resolver_address: url });
    expect(server.requests[0]?.servername).toBe('doh.test');
  });

  it('the guard refuses synchronously: an IP outside the nets, or a host name without bootstrap', () => {
    const guard = new NetGuard(['127.0.0.0/8']);
    expect(() => queryDoh('https://198.18.3.53/dns-query', 'bet.example', 'A', options({ guard }))).toThrow(GuardError);
    expect(() => queryDoh('https://doh.test/dns-query', 'bet.example', 'A', options({ guard }))).toThrow(GuardError);
    expect(() =>
      queryDoh('https://doh.test/dns-query', 'bet.example', 'A', options({ guard, bootstrapIp: '198.18.3.53' })),
    ).toThrow(GuardError);
  });
});
