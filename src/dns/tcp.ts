// DNS over TCP (RFC 7766 framing: a 2-byte length before each message), one query per connection.
// Used for truncated UDP replies and to compare with UDP: TCP answers are harder to inject.
import net from 'node:net';
import { UsageError } from '../errors.js';
import type { DnsQuery } from '../observations.js';
import { endpoint } from '../address.js';
import { secondsSince } from '../net/step.js';
import { resetClose } from '../net/tcp.js';
import { DNS_FAILURE, failureFromError } from './failures.js';
import { decodeReply, encodeQuery, type EncodedQuery } from './message.js';
import { MAX_REPLIES, failureObservation, replyObservation, type DnsOptions, type QueryContext, type QueryType } from './options.js';
import type { DnsServer } from './udp.js';

/**
 * Sends one query and reads frames until one is ours (reply_index 0); frames that are not ours are
 * recorded with reply_index -1. EOF, reset or timeout before ours gives a failure at reply_index 0.
 * A frame is at most 65535 bytes by its length prefix. The guard is asked synchronously.
 */
export function queryTcp(server: DnsServer, name: string, type: QueryType, opts: DnsOptions): Promise<DnsQuery[]> {
  if (net.isIP(server.ip) === 0) throw new UsageError(`DNS server "${server.ip}" is not an IP address`);
  const address = endpoint(server.ip, server.port);
  opts.guard.check(server.ip, `dns tcp to ${address}`);
  const query = encodeQuery(name, type);
  return exchange(server, query, address, opts);
}

function exchange(server: DnsServer, query: EncodedQuery, address: string, opts: DnsOptions): Promise<DnsQuery[]> {
  const ctx: QueryContext = { engine: 'tcp', resolverAddress: address, query, tags: opts.tags, t0: secondsSince(opts.startedAt) };
  const out: DnsQuery[] = [];
  return new Promise((resolve) => {
    if (opts.signal?.aborted) {
      resolve([failureObservation(ctx, DNS_FAILURE.interrupted, secondsSince(opts.startedAt))]);
      return;
    }
    const socket = net.connect({ host: server.ip, port: server.port });
    let pending: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (failure: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure !== null) out.push(failureObservation(ctx, failure, secondsSince(opts.startedAt)));
      // One query per connection, its replies recorded: a reset leaves no TIME_WAIT (net/tcp.ts).
      resetClose(socket);
      resolve(out);
    };
    const onAbort = () => finish(DNS_FAILURE.interrupted);
    const timer = setTimeout(() => finish(DNS_FAILURE.timeout), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.wire.length);
    socket.on('connect', () => socket.write(Buffer.concat([length, query.wire])));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (!done && pending.length >= 2) {
        const size = pending.readUInt16BE(0);
        if (pending.length < 2 + size) break;
        const reply = decodeReply(pending.subarray(2, 2 + size), query);
        pending = pending.subarray(2 + size);
        out.push(replyObservation(ctx, reply, secondsSince(opts.startedAt), reply.ours ? 0 : -1, address));
        if (reply.ours) finish(null);
        // A server that streams only strangers is not going to answer: stop reading it.
        else if (out.length >= MAX_REPLIES) finish(DNS_FAILURE.wrongId);
      }
    });
    socket.on('end', () => finish(DNS_FAILURE.eof));
    socket.on('error', (err) => finish(failureFromError(err)));
  });
}
