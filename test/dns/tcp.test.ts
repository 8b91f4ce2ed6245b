import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RECORDS_PER_SECTION } from '../../src/dns/message.js';
import { queryTcp } from '../../src/dns/tcp.js';
import { GuardError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';
import { timeWaitTo } from '../net/fixtures.js';
import { a, frame, options, reply, startTcpServer, type TcpServer } from './servers.js';

let server: TcpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('queryTcp', () => {
  it('returns the reply to a framed query', async () => {
    server = await startTcpServer((q, socket) => socket.write(frame(reply(q, { answers: [a('bet.example', '192.0.2.10')] }))));
    const out = await queryTcp(server.address, 'bet.example', 'A', options());
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ engine: 'tcp', failure: null, reply_index: 0, resolver_address: `127.0.0.1:${server.address.port}` });
    expect(out[0]?.answers[0]?.ipv4).toBe('192.0.2.10');
    // The connection is ended with a reset once the reply is recorded: no TIME_WAIT on our side.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(timeWaitTo(server.address.port)).toBe(0);
  });

  it('reassembles a reply sent a byte at a time after a stranger frame', async () => {
    server = await startTcpServer((q, socket) => {
      const bytes = Buffer.concat([
        frame(reply(q, { id: ((q.id ?? 0) + 1) % 0x10000 })),
        frame(reply(q, { answers: [a('bet.example', '192.0.2.11')] })),
      ]);
      let i = 0;
      const drip = () => {
        if (i >= bytes.length || socket.destroyed) return;
        socket.write(bytes.subarray(i, i + 7));
        i += 7;
        setTimeout(drip, 1);
      };
      drip();
    });
    const out = await queryTcp(server.address, 'bet.example', 'A', options());
    expect(out.map((q) => [q.reply_index, q.failure])).toEqual([
      [-1, 'dns_reply_with_wrong_query_id'],
      [0, null],
    ]);
    expect(out[1]?.answers[0]?.ipv4).toBe('192.0.2.11');
  });

  it('decodes a 64 KB reply of answers, capped per section, without hanging', async () => {
    let sent = 0;
    server = await startTcpServer((q, socket) => {
      const records = Array.from({ length: 2400 }, (_, i) => a('bet.example', `10.0.${(i >> 8) & 255}.${i & 255}`));
      const msg = reply(q, { answers: records });
      sent = msg.length;
      socket.write(frame(msg));
    });
    const started = Date.now();
    const out = await queryTcp(server.address, 'bet.example', 'A', options());
    expect(sent).toBeGreaterThan(60_000);
    expect(sent).toBeLessThanOrEqual(65_535);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(out).toHaveLength(1);
    expect(out[0]?.failure).toBeNull();
    expect(out[0]?.answers).toHaveLength(MAX_RECORDS_PER_SECTION);
  });

  it('EOF before a complete reply is eof_error', async () => {
    server = await startTcpServer((q, socket) => socket.end(frame(reply(q)).subarray(0, 5)));
    const out = await queryTcp(server.address, 'bet.example', 'A', options());
    expect(out).toEqual([expect.objectContaining({ failure: 'eof_error', reply_index: 0, rcode: null })]);
  });

  it('a reset connection is connection_reset', async () => {
    server = await startTcpServer((_q, socket) => socket.resetAndDestroy());
    const out = await queryTcp(server.address, 'bet.example', 'A', options());
    expect(out[0]?.failure).toBe('connection_reset');
  });

  it('a closed port is connection_refused', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const out = await queryTcp({ ip: '127.0.0.1', port }, 'bet.example', 'A', options());
    expect(out[0]?.failure).toBe('connection_refused');
  });

  it('a server that never answers times out', async () => {
    server = await startTcpServer(() => undefined);
    const started = Date.now();
    const out = await queryTcp(server.address, 'bet.example', 'A', options({ timeoutMs: 250 }));
    expect(out[0]?.failure).toBe('generic_timeout_error');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('throws GuardError synchronously outside the allowed nets', () => {
    const guard = new NetGuard(['127.0.0.0/8']);
    expect(() => queryTcp({ ip: '198.18.3.53', port: 53 }, 'bet.example', 'A', options({ guard }))).toThrow(GuardError);
  });
});
