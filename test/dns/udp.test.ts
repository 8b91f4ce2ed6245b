import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { queryUdp } from '../../src/dns/udp.js';
import { GuardError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';
import { a, options, reply, startUdpServer, type UdpServer } from './servers.js';

// RD + RA + TC: a reply too big for UDP.
const TRUNCATED = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | dnsPacket.TRUNCATED_RESPONSE;

let server: UdpServer | undefined;
let lastPeer = { address: '', port: 0 };
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('queryUdp', () => {
  it('returns the genuine reply with its source and timing', async () => {
    server = await startUdpServer((q, send) => send(reply(q, { answers: [a('bet.example', '192.0.2.10')] })));
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ tags: ['foreign'] }));
    expect(out).toHaveLength(1);
    const [r] = out;
    expect(r).toMatchObject({
      engine: 'udp',
      resolver_address: `127.0.0.1:${server.address.port}`,
      reply_from: `127.0.0.1:${server.address.port}`,
      hostname: 'bet.example',
      query_type: 'A',
      failure: null,
      rcode: 'NOERROR',
      reply_index: 0,
      tags: ['foreign'],
    });
    expect(r?.answers.map((x) => x.ipv4)).toEqual(['192.0.2.10']);
    expect(r?.transaction_id).toBe(server.queries[0]?.id);
    expect(r!.t).toBeGreaterThanOrEqual(r!.t0);
  });

  it('records an injected reply and the genuine one after it, the first as reply_index 0', async () => {
    server = await startUdpServer((q, send) => {
      send(reply(q, { answers: [a('bet.example', '83.235.64.20')] }));
      send(reply(q, { answers: [a('bet.example', '192.0.2.10')] }), 40);
    });
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ lateWindowMs: 400 }));
    expect(out.map((q) => [q.reply_index, q.failure, q.answers[0]?.ipv4])).toEqual([
      [0, null, '83.235.64.20'],
      [1, null, '192.0.2.10'],
    ]);
  });

  it('onDecided hands over the deciding reply at once, while the late window still listens', async () => {
    server = await startUdpServer((q, send) => {
      send(reply(q, { answers: [a('bet.example', '83.235.64.20')] }));
      send(reply(q, { answers: [a('bet.example', '192.0.2.10')] }), 150);
    });
    const began = performance.now();
    let decidedAfter = -1;
    let decided: string[] = [];
    const out = await queryUdp(server.address, 'bet.example', 'A', options({
      lateWindowMs: 400,
      onDecided: (soFar) => {
        decidedAfter = performance.now() - began;
        decided = soFar.map((q) => `${q.reply_index}:${q.answers[0]?.ipv4}`);
      },
    }));
    expect(decided).toEqual(['0:83.235.64.20']);
    expect(decidedAfter).toBeGreaterThanOrEqual(0);
    expect(decidedAfter).toBeLessThan(140);
    expect(performance.now() - began).toBeGreaterThanOrEqual(390);
    expect(out.map((q) => `${q.reply_index}:${q.answers[0]?.ipv4}`)).toEqual(['0:83.235.64.20', '1:192.0.2.10']);
  });

  it('onDecided is not called for a truncated reply (TCP decides) nor when nothing answers', async () => {
    server = await startUdpServer((q, send) => send(reply(q, { flags: TRUNCATED, answers: [] })));
    let calls = 0;
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ lateWindowMs: 50, onDecided: () => calls++ }));
    expect(out[0]?.flags).toContain('tc');
    expect(calls).toBe(0);
    await server.close();
    server = await startUdpServer(() => undefined);
    await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 100, onDecided: () => calls++ }));
    expect(calls).toBe(0);
  });

  it('resends the query while no reply of ours came, and records how many were sent', async () => {
    let seen = 0;
    // The first datagram is lost; the resent one (same ID) is answered.
    server = await startUdpServer((q, send) => {
      if (++seen > 1) send(reply(q, { answers: [a('bet.example', '192.0.2.10')] }));
    });
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 900, lateWindowMs: 20 }));
    expect(out.map((q) => [q.reply_index, q.failure, q.answers[0]?.ipv4, q.attempts])).toEqual([[0, null, '192.0.2.10', 2]]);
    expect(new Set(server.queries.map((q) => q.id)).size).toBe(1);
    expect(out[0]!.t - out[0]!.t0).toBeGreaterThanOrEqual(0.29);
  });

  it('sends once more per resend and no further after an answer; resends: 0 sends once', async () => {
    server = await startUdpServer(() => undefined);
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 300 }));
    expect(out.map((q) => [q.failure, q.attempts])).toEqual([['generic_timeout_error', 3]]);
    expect(server.queries).toHaveLength(3);
    await server.close();
    server = await startUdpServer(() => undefined);
    const once = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 200, resends: 0 }));
    expect(once[0]?.attempts).toBeUndefined();
    expect(server.queries).toHaveLength(1);
    await server.close();
    server = await startUdpServer((q, send) => send(reply(q, { answers: [a('bet.example', '192.0.2.10')] })));
    const answered = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 300, lateWindowMs: 250 }));
    expect(answered[0]?.attempts).toBeUndefined();
    expect(server.queries).toHaveLength(1);
  });

  it('records the source of a reply from another address (an on-path injector)', async () => {
    const injector = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => injector.bind(0, '127.0.0.2', resolve));
    try {
      server = await startUdpServer((q, send) => {
        // The forged answer leaves from 127.0.0.2 towards the probe; the resolver answers later.
        const probePort = lastPeer.port;
        injector.send(reply(q, { answers: [a('bet.example', '62.169.194.8')] }), probePort, '127.0.0.1');
        send(reply(q, { answers: [a('bet.example', '192.0.2.10')] }), 30);
      }, (peer) => (lastPeer = peer));
      const out = await queryUdp(server.address, 'bet.example', 'A', options({ lateWindowMs: 300 }));
      expect(out.map((q) => [q.reply_index, q.reply_from?.split(':')[0], q.answers[0]?.ipv4])).toEqual([
        [0, '127.0.0.2', '62.169.194.8'],
        [1, '127.0.0.1', '192.0.2.10'],
      ]);
    } finally {
      injector.close();
    }
  });

  it('never lets a reply with a wrong ID decide, and keeps waiting for ours', async () => {
    server = await startUdpServer((q, send) => {
      send(reply(q, { id: ((q.id ?? 0) + 1) % 0x10000, answers: [a('bet.example', '10.6.6.6')] }));
      send(reply(q, { answers: [a('bet.example', '192.0.2.10')] }), 60);
    });
    const out = await queryUdp(server.address, 'bet.example', 'A', options());
    expect(out.map((q) => [q.reply_index, q.failure])).toEqual([
      [-1, 'dns_reply_with_wrong_query_id'],
      [0, null],
    ]);
    expect(out[1]?.answers[0]?.ipv4).toBe('192.0.2.10');
  });

  it('never lets a reply for a different question decide', async () => {
    server = await startUdpServer((q, send) => {
      send(reply(q, { question: { name: 'innocuous.example', type: 'A' }, answers: [a('innocuous.example', '10.1.1.1')] }));
      send(reply(q, { rcode: 'NXDOMAIN' }), 30);
    });
    const out = await queryUdp(server.address, 'bet.example', 'A', options());
    expect(out.map((q) => [q.reply_index, q.failure])).toEqual([
      [-1, 'dns_reply_with_wrong_query_id'],
      [0, 'dns_nxdomain_error'],
    ]);
  });

  it('times out when only strangers answer, keeping them', async () => {
    server = await startUdpServer((q, send) => send(reply(q, { id: ((q.id ?? 0) + 7) % 0x10000 })));
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 300 }));
    // A stranger's reply does not stop the resends: it answered each of the three sends.
    expect(out.map((q) => [q.reply_index, q.failure, q.attempts])).toEqual([
      [-1, 'dns_reply_with_wrong_query_id', 3],
      [-1, 'dns_reply_with_wrong_query_id', 3],
      [-1, 'dns_reply_with_wrong_query_id', 3],
      [0, 'generic_timeout_error', 3],
    ]);
  });

  it('a server that never answers gives generic_timeout_error within the timeout, no hang', async () => {
    server = await startUdpServer(() => undefined);
    const started = Date.now();
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 250 }));
    const took = Date.now() - started;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ failure: 'generic_timeout_error', rcode: null, reply_index: 0, answers: [] });
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(1500);
    // The first send and two resends within the timeout.
    expect(server.queries).toHaveLength(3);
  });

  it('a truncated packet is a parse error that decides', async () => {
    server = await startUdpServer((q, send) => {
      const full = reply(q, { answers: [a('bet.example', '192.0.2.10')] });
      send(full.subarray(0, full.length - 2));
    });
    const out = await queryUdp(server.address, 'bet.example', 'A', options());
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ failure: 'dns_reply_parse_error', rcode: 'NOERROR', reply_index: 0 });
  });

  it('an abort gives interrupted', async () => {
    server = await startUdpServer(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const out = await queryUdp(server.address, 'bet.example', 'A', options({ timeoutMs: 5000, signal: ac.signal }));
    expect(out[0]?.failure).toBe('interrupted');
  });

  it('throws GuardError synchronously, before any socket, outside the allowed nets', () => {
    const guard = new NetGuard(['127.0.0.0/8']);
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = queryUdp({ ip: '198.18.3.53', port: 53 }, 'bet.example', 'A', options({ guard }));
    }).toThrow(GuardError);
    expect(promise).toBeUndefined();
  });
});
