// DNS over UDP. The socket stays open after the first reply: on-path censors inject forged answers
// that race the resolver's, so every datagram is recorded with its source, in arrival order.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import type { DnsQuery } from '../observations.js';
import { endpoint } from '../address.js';
import { secondsSince } from '../net/step.js';
import { DNS_FAILURE, failureFromError } from './failures.js';
import { decodeReply, encodeQuery, type EncodedQuery } from './message.js';
import {
  DEFAULT_LATE_WINDOW_MS,
  DEFAULT_RESENDS,
  MAX_REPLIES,
  failureObservation,
  replyObservation,
  type DnsOptions,
  type QueryContext,
  type QueryType,
} from './options.js';

export interface DnsServer {
  ip: string;
  port: number;
}

/**
 * Sends one query and returns every reply: ours numbered 0, 1, ... (0 decides, later ones are
 * injected or duplicated), replies that are not ours with reply_index -1 and failure
 * `dns_reply_with_wrong_query_id`. When no reply of ours comes, a failure observation has
 * reply_index 0. The guard is asked synchronously, so a refusal throws before any socket exists.
 */
export function queryUdp(server: DnsServer, name: string, type: QueryType, opts: DnsOptions): Promise<DnsQuery[]> {
  const family = isIP(server.ip);
  if (family === 0) throw new UsageError(`DNS server "${server.ip}" is not an IP address`);
  const address = endpoint(server.ip, server.port);
  opts.guard.check(server.ip, `dns udp to ${address}`);
  const query = encodeQuery(name, type);
  return exchange(server, family === 6 ? 'udp6' : 'udp4', query, address, opts);
}

function exchange(server: DnsServer, socketType: dgram.SocketType, query: EncodedQuery, address: string, opts: DnsOptions): Promise<DnsQuery[]> {
  const ctx: QueryContext = { engine: 'udp', resolverAddress: address, query, tags: opts.tags, t0: secondsSince(opts.startedAt) };
  const out: DnsQuery[] = [];
  return new Promise((resolve) => {
    // Unconnected on purpose: a connected socket drops replies from other sources, which are evidence.
    const socket = dgram.createSocket(socketType);
    let ours = 0;
    let strangers = 0;
    let done = false;
    let sent = 0;
    let resendTimer: NodeJS.Timeout | undefined;
    const finish = (failure?: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(resendTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (ours === 0) out.push(failureObservation(ctx, failure ?? DNS_FAILURE.timeout, secondsSince(opts.startedAt)));
      if (sent > 1) for (const o of out) o.attempts = sent;
      socket.close();
      resolve(out);
    };
    const onAbort = () => finish(DNS_FAILURE.interrupted);
    let timer = setTimeout(() => finish(DNS_FAILURE.timeout), opts.timeoutMs);

    socket.on('message', (msg, rinfo) => {
      if (done) return;
      const reply = decodeReply(msg, query);
      if (reply.ours ? ours >= MAX_REPLIES : strangers >= MAX_REPLIES) return;
      const index = reply.ours ? ours++ : -1;
      if (!reply.ours) strangers++;
      out.push(replyObservation(ctx, reply, secondsSince(opts.startedAt), index, endpoint(rinfo.address, rinfo.port)));
      if (index === 0) {
        // The answer is in; listen a little longer only for late (injected or genuine) duplicates.
        clearTimeout(timer);
        clearTimeout(resendTimer);
        timer = setTimeout(() => finish(), opts.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS);
        // A truncated reply decides nothing: the same query goes over TCP next.
        if (!reply.flags.includes('tc')) opts.onDecided?.([...out]);
      }
    });
    socket.on('error', (err) => finish(failureFromError(err)));

    if (opts.signal?.aborted) return finish(DNS_FAILURE.interrupted);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const resends = Math.max(0, opts.resends ?? DEFAULT_RESENDS);
    const send = () => {
      sent++;
      socket.send(query.wire, server.port, server.ip, (err) => {
        if (err) finish(failureFromError(err));
      });
      if (sent <= resends) resendTimer = setTimeout(send, opts.timeoutMs / (resends + 1));
    };
    send();
  });
}
