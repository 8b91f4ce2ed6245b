// DNS over HTTPS (RFC 8484, POST application/dns-message) through undici. Encrypted DNS is what
// the probe trusts when plain port-53 traffic may be intercepted, so the TLS trust is undici's
// default (Node's CAs plus NODE_EXTRA_CA_CERTS) unless `ca` is given.
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { GuardError, UsageError } from '../errors.js';
import type { DnsQuery } from '../observations.js';
import { secondsSince } from '../net/step.js';
import { DNS_FAILURE, failureFromError } from './failures.js';
import { decodeReply, encodeQuery, type EncodedQuery } from './message.js';
import { failureObservation, replyObservation, type DnsOptions, type QueryContext, type QueryType } from './options.js';

/** A DNS message cannot be longer; a bigger body is not a DNS reply. */
const MAX_BODY_BYTES = 65535;

/**
 * Kept-alive connections per DoH server at most: a whole-list run starting hundreds of entries at
 * once would otherwise open (and TLS-handshake) one connection per query in flight. The probe keeps
 * no more queries than this in flight per DoH server (src/probe/env.ts), so none waits in here.
 */
export const DOH_CONNECTIONS = 32;

// One Agent per trust/bootstrap pair, shared so that queries reuse TLS connections.
const agents = new Map<string, Agent>();

function agentFor(ca: DnsOptions['ca'], bootstrapIp: string | undefined): Agent {
  const key = JSON.stringify([ca === undefined ? null : [ca].flat().map(String), bootstrapIp ?? null]);
  let agent = agents.get(key);
  if (!agent) {
    const connect: { ca?: DnsOptions['ca']; lookup?: LookupFunction } = {};
    if (ca !== undefined) connect.ca = ca;
    if (bootstrapIp !== undefined) connect.lookup = pinnedLookup(bootstrapIp);
    agent = new Agent({ connect, connections: DOH_CONNECTIONS });
    agents.set(key, agent);
  }
  return agent;
}

/** A lookup that answers every name with the bootstrap IP: the URL's host never reaches a resolver. */
function pinnedLookup(ip: string): LookupFunction {
  const family = isIP(ip);
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: ip, family }]);
    else callback(null, ip, family);
  }) as unknown as LookupFunction;
}

/** Closes the shared connections (end of a run, or a test). */
export async function closeDohAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}

/**
 * Posts one query to `url`. The guard is asked synchronously for the URL's IP literal or for
 * `opts.bootstrapIp`; a host name without a bootstrap IP is refused when the guard restricts
 * networks, since resolving it would send packets the guard never saw.
 * Failures: HTTP status other than 200 → `http_request_failed`; a body that is not a DNS reply or
 * exceeds 65535 bytes → `dns_reply_parse_error`; transport errors → OONI strings.
 */
export function queryDoh(url: string, name: string, type: QueryType, opts: DnsOptions): Promise<DnsQuery[]> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`DoH resolver "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'https:') throw new UsageError(`DoH resolver "${url}" must be an https:// URL`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    opts.guard.check(host, `dns doh to ${url}`);
  } else if (opts.bootstrapIp !== undefined) {
    if (isIP(opts.bootstrapIp) === 0) throw new UsageError(`DoH bootstrap address "${opts.bootstrapIp}" is not an IP address`);
    opts.guard.check(opts.bootstrapIp, `dns doh to ${url} via ${opts.bootstrapIp}`);
  } else if (opts.guard.cidrs.length > 0) {
    throw new GuardError(`refused to resolve the DoH host ${host} (${url}): its address is unknown to --only-nets`, {
      hint: 'give the DoH server as an IP URL or with a bootstrap IP',
    });
  }
  const query = encodeQuery(name, type);
  return exchange(parsed.toString(), query, opts);
}

async function exchange(url: string, query: EncodedQuery, opts: DnsOptions): Promise<DnsQuery[]> {
  const ctx: QueryContext = { engine: 'doh', resolverAddress: url, query, tags: opts.tags, t0: secondsSince(opts.startedAt) };
  const fail = (failure: string) => [failureObservation(ctx, failure, secondsSince(opts.startedAt))];
  if (opts.signal?.aborted) return fail(DNS_FAILURE.interrupted);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agentFor(opts.ca, opts.bootstrapIp),
      headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
      body: query.wire,
      signal,
    });
    if (res.statusCode !== 200) {
      // dump() reads a little and then closes without raising; destroy() would emit an unhandled error.
      await res.body.dump({ limit: 4096 }).catch(() => undefined);
      return fail(DNS_FAILURE.httpStatus);
    }
    const body = await readCapped(res.body, MAX_BODY_BYTES);
    if (body === null) return fail(DNS_FAILURE.parse);
    const reply = decodeReply(body, query);
    // HTTP already pairs the body with our request: a body that is not even a DNS response (an
    // HTML page, a query) is an undecodable reply, not someone else's.
    if (!reply.ours && (body.length < 12 || ((body[2] ?? 0) & 0x80) === 0)) return fail(DNS_FAILURE.parse);
    const observed = replyObservation(ctx, reply, secondsSince(opts.startedAt), reply.ours ? 0 : -1);
    // A response to another question decides nothing; the query's own outcome is then that failure.
    return reply.ours ? [observed] : [observed, ...fail(DNS_FAILURE.wrongId)];
  } catch (err) {
    if (opts.signal?.aborted) return fail(DNS_FAILURE.interrupted);
    if (timeout.aborted) return fail(DNS_FAILURE.timeout);
    return fail(failureFromError(err) ?? DNS_FAILURE.parse);
  }
}

async function readCapped(body: AsyncIterable<Buffer>, cap: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    // Leaving the loop closes the stream (the iterator's return), which stops the download.
    if (total > cap) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
