// Resolver specs as users write them (`udp://IP[:PORT]`, `tcp://...`, `https://HOST/PATH`, bare
// `IP[:PORT]`) and one entry point that dispatches by transport.
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { endpoint } from '../address.js';
import type { DnsQuery } from '../observations.js';
import { queryDoh } from './doh.js';
import type { DnsOptions, QueryType } from './options.js';
import { queryTcp } from './tcp.js';
import { queryUdp } from './udp.js';

export type DnsTransport = 'udp' | 'tcp' | 'doh';

export interface ResolverSpec {
  transport: DnsTransport;
  /** As the user wrote it. */
  spec: string;
  /** The IP to contact (udp/tcp always; doh when the URL's host is an IP literal). */
  ip?: string;
  port?: number;
  /** DoH only. */
  url?: string;
}

const DNS_PORT = 53;
const HTTPS_PORT = 443;

function bad(spec: string, why: string): UsageError {
  return new UsageError(`resolver "${spec}": ${why}`, {
    hint: 'write udp://IP[:PORT], tcp://IP[:PORT], https://HOST[:PORT]/PATH or IP[:PORT]; IPv6 as [::1]:53',
  });
}

function parsePort(text: string, spec: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw bad(spec, `"${text}" is not a port`);
  return port;
}

function parseHostPort(text: string, spec: string): { ip: string; port: number } {
  let host = text;
  let port = DNS_PORT;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw bad(spec, 'unclosed [');
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after.startsWith(':')) port = parsePort(after.slice(1), spec);
    else if (after !== '') throw bad(spec, `unexpected "${after}" after the address`);
    if (isIP(host) !== 6) throw bad(spec, `${host} is not an IPv6 address`);
  } else if (isIP(text) === 0) {
    // Not a bare IPv6: the last colon, if any, starts the port.
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      port = parsePort(text.slice(colon + 1), spec);
    }
  }
  // Resolver names would need a resolver to find them: only addresses are accepted.
  if (isIP(host) === 0) throw bad(spec, `${host === '' ? 'no address' : `"${host}" is not an IP address`}`);
  return { ip: host, port };
}

/** Parses a resolver spec; throws UsageError naming the spec when it is not one. */
export function parseResolverSpec(spec: string): ResolverSpec {
  const text = spec.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw bad(spec, 'not a valid URL');
    }
    if (url.username || url.password) throw bad(spec, 'credentials in a DoH URL are not supported');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? HTTPS_PORT : Number(url.port);
    return { transport: 'doh', spec, url: url.toString(), port, ...(isIP(host) !== 0 ? { ip: host } : {}) };
  }
  if (scheme !== undefined && scheme !== 'udp' && scheme !== 'tcp') throw bad(spec, `unsupported scheme ${scheme}://`);
  const rest = scheme === undefined ? text : text.slice(scheme.length + 3);
  if (rest.includes('/')) throw bad(spec, 'udp and tcp resolvers take no path');
  const { ip, port } = parseHostPort(rest, spec);
  return { transport: scheme === 'tcp' ? 'tcp' : 'udp', spec, ip, port };
}

/** The resolver as its observations name it: `IP:PORT` for udp/tcp, the URL for DoH. */
export function resolverAddress(spec: ResolverSpec): string {
  if (spec.transport === 'doh') return spec.url ?? spec.spec;
  return spec.ip !== undefined && spec.port !== undefined ? endpoint(spec.ip, spec.port) : spec.spec;
}

/**
 * Asks one resolver. UDP replies with the TC bit are followed by the same query over TCP; both are
 * returned, UDP first. Throws synchronously (before any packet) on a bad spec or a guard refusal.
 */
export function query(spec: string | ResolverSpec, name: string, type: QueryType, opts: DnsOptions): Promise<DnsQuery[]> {
  const r = typeof spec === 'string' ? parseResolverSpec(spec) : spec;
  if (r.transport === 'doh') {
    if (r.url === undefined) throw bad(r.spec, 'no URL');
    return queryDoh(r.url, name, type, opts);
  }
  if (r.ip === undefined || r.port === undefined) throw bad(r.spec, 'no address');
  const server = { ip: r.ip, port: r.port };
  if (r.transport === 'tcp') return queryTcp(server, name, type, opts);
  return queryUdp(server, name, type, opts).then(async (udp) => {
    const first = decidingReply(udp);
    if (first === undefined || !first.flags.includes('tc') || opts.signal?.aborted) return udp;
    return [...udp, ...(await queryTcp(server, name, type, opts))];
  });
}

/**
 * The reply an ordinary client would act on: reply_index 0 of the last transport tried (TCP after
 * a truncated UDP reply). Undefined only for an empty list.
 */
export function decidingReply(queries: DnsQuery[]): DnsQuery | undefined {
  const last = queries.at(-1);
  if (last === undefined) return undefined;
  return queries.find((q) => q.engine === last.engine && q.reply_index === 0);
}
