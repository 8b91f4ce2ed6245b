import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDohAgents } from '../../src/dns/doh.js';
import { decidingReply, parseResolverSpec, query, resolverAddress } from '../../src/dns/resolver.js';
import { GuardError, UsageError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';
import { a, frame, options, reply, selfSignedCert, startDohServer, startTcpServer, startUdpServer } from './servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await closeDohAgents();
});

describe('parseResolverSpec', () => {
  it.each([
    ['udp://198.18.3.53', { transport: 'udp', ip: '198.18.3.53', port: 53 }],
    ['udp://198.18.3.53:5353', { transport: 'udp', ip: '198.18.3.53', port: 5353 }],
    ['tcp://198.18.3.53:53', { transport: 'tcp', ip: '198.18.3.53', port: 53 }],
    ['198.18.3.53', { transport: 'udp', ip: '198.18.3.53', port: 53 }],
    ['198.18.3.53:54', { transport: 'udp', ip: '198.18.3.53', port: 54 }],
    ['[::1]:5300', { transport: 'udp', ip: '::1', port: 5300 }],
    ['tcp://[2001:db8::53]', { transport: 'tcp', ip: '2001:db8::53', port: 53 }],
    ['::1', { transport: 'udp', ip: '::1', port: 53 }],
    ['https://198.18.3.53/dns-query', { transport: 'doh', ip: '198.18.3.53', port: 443, url: 'https://198.18.3.53/dns-query' }],
    ['https://[::1]:8443/q', { transport: 'doh', ip: '::1', port: 8443, url: 'https://[::1]:8443/q' }],
    ['https://doh.test/dns-query', { transport: 'doh', port: 443, url: 'https://doh.test/dns-query' }],
  ])('%s', (spec, expected) => {
    const parsed = parseResolverSpec(spec);
    expect(parsed).toEqual({ spec, ...expected });
  });

  it.each(['', 'udp://', 'dns.example', 'udp://dns.example:53', 'udp://198.18.3.53:0', 'udp://198.18.3.53:70000', 'tcp://198.18.3.53:5x',
    'http://198.18.3.53/dns-query', 'tls://198.18.3.53', '[::1', '[198.18.3.53]:53', 'udp://198.18.3.53/path', '[::1]x'])(
    'rejects %j with a UsageError naming it',
    (spec) => {
      let caught: unknown;
      try {
        parseResolverSpec(spec);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as UsageError).message).toContain(`"${spec}"`);
    },
  );

  it('names resolvers as their observations do', () => {
    expect(resolverAddress(parseResolverSpec('[::1]:5300'))).toBe('[::1]:5300');
    expect(resolverAddress(parseResolverSpec('tcp://127.0.0.1'))).toBe('127.0.0.1:53');
    expect(resolverAddress(parseResolverSpec('https://127.0.0.1/dns-query'))).toBe('https://127.0.0.1/dns-query');
  });
});

describe('query', () => {
  it('dispatches udp, tcp and doh specs', async () => {
    const udp = await startUdpServer((q, send) => send(reply(q, { answers: [a('bet.example', '192.0.2.1')] })));
    const tcp = await startTcpServer((q, s) => s.write(frame(reply(q, { answers: [a('bet.example', '192.0.2.2')] }))));
    const tls = selfSignedCert();
    const doh = await startDohServer(tls, (b) => ({ status: 200, body: reply(dnsPacket.decode(b), { answers: [a('bet.example', '192.0.2.3')] }) }));
    cleanups.push(udp.close, tcp.close, doh.close);
    const opts = options({ ca: tls.cert, lateWindowMs: 50 });
    const results = await Promise.all([
      query(`127.0.0.1:${udp.address.port}`, 'bet.example', 'A', opts),
      query(`tcp://127.0.0.1:${tcp.address.port}`, 'bet.example', 'A', opts),
      query(doh.url, 'bet.example', 'A', opts),
    ]);
    expect(results.map((r) => r.map((q) => [q.engine, q.answers[0]?.ipv4]))).toEqual([
      [['udp', '192.0.2.1']],
      [['tcp', '192.0.2.2']],
      [['doh', '192.0.2.3']],
    ]);
  });

  it('falls back to TCP when the UDP reply is truncated, recording both', async () => {
    const tcp = await startTcpServer((q, s) => s.write(frame(reply(q, { answers: [a('bet.example', '192.0.2.44')] }))));
    cleanups.push(tcp.close);
    const udp = await startUdpServer(
      (q, send) => send(reply(q, { flags: dnsPacket.TRUNCATED_RESPONSE | dnsPacket.RECURSION_AVAILABLE })),
      undefined,
      tcp.address.port,
    );
    cleanups.push(udp.close);
    const out = await query(`udp://127.0.0.1:${tcp.address.port}`, 'bet.example', 'A', options({ lateWindowMs: 50 }));
    expect(out.map((q) => [q.engine, q.reply_index, q.flags.includes('tc'), q.failure])).toEqual([
      ['udp', 0, true, 'dns_no_answer'],
      ['tcp', 0, false, null],
    ]);
    expect(decidingReply(out)?.answers[0]?.ipv4).toBe('192.0.2.44');
  });

  it('does not fall back without the TC bit', async () => {
    const udp = await startUdpServer((q, send) => send(reply(q, { rcode: 'NXDOMAIN' })));
    cleanups.push(udp.close);
    const out = await query(`udp://127.0.0.1:${udp.address.port}`, 'bet.example', 'A', options({ lateWindowMs: 50 }));
    expect(out.map((q) => q.engine)).toEqual(['udp']);
    expect(decidingReply(out)?.failure).toBe('dns_nxdomain_error');
  });

  it.each(['udp://198.18.3.53', 'tcp://198.18.3.53:53', '198.18.3.53', 'https://198.18.3.53/dns-query'])(
    'the guard refuses %s synchronously, before any packet',
    (spec) => {
      const guard = new NetGuard(['127.0.0.0/8']);
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = query(spec, 'bet.example', 'A', options({ guard }));
      }).toThrow(GuardError);
      expect(promise).toBeUndefined();
    },
  );
});

describe('decidingReply', () => {
  it('skips replies that are not ours', () => {
    const base = { engine: 'udp' as const, resolver_address: 'x', hostname: 'h', query_type: 'A', transaction_id: 1, t0: 0, t: 0, rcode: null, flags: [], answers: [], tags: [] };
    const stranger = { ...base, failure: 'dns_reply_with_wrong_query_id', reply_index: -1 };
    const ours = { ...base, failure: null, reply_index: 0 };
    expect(decidingReply([stranger, ours])).toBe(ours);
    expect(decidingReply([])).toBeUndefined();
  });
});
