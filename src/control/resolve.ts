// The helper's own DNS view of a name: A and AAAA through node:dns Resolver, from the system's
// resolvers or the one given with --resolver.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Failure } from '../observations.js';
import { FAILURE, classifyError } from '../net/failure.js';
import { UsageError } from '../errors.js';

export interface DnsView {
  failure: Failure;
  addrs: string[];
}

export interface HostResolver {
  resolve(host: string, timeoutMs: number): Promise<DnsView>;
}

/** `IP[:PORT]` / `[IPv6]:PORT` → the `setServers` form, port 53 by default. */
export function parseResolverAddress(value: string): string {
  const v = value.trim();
  let ip = v;
  let port = '53';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracketed) {
    ip = bracketed[1] ?? '';
    port = bracketed[2] ?? port;
  } else if (isIP(v) === 0 && v.includes(':') && v.indexOf(':') === v.lastIndexOf(':')) {
    [ip = '', port = ''] = v.split(':');
  }
  const p = Number(port);
  if (isIP(ip) === 0 || !/^\d+$/.test(port) || p < 1 || p > 65535) {
    throw new UsageError(`--resolver: "${value}" is not IP[:PORT]`, { hint: 'e.g. --resolver 127.0.0.1:5353 or [::1]:53' });
  }
  return isIP(ip) === 6 ? `[${ip}]:${p}` : `${ip}:${p}`;
}

/** The IP of a `setServers`/`getServers` entry: `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]:53`. */
export function resolverIp(server: string): string {
  if (server.startsWith('[')) return server.slice(1, server.indexOf(']'));
  if (isIP(server) !== 0) return server;
  return server.slice(0, server.lastIndexOf(':'));
}

// How a lookup failed, worst news first: NXDOMAIN decides, then a server's refusal, then silence.
const PRECEDENCE = [FAILURE.dnsNxdomain, FAILURE.dnsServfail, FAILURE.dnsRefused, FAILURE.timeout];

export function systemOrServerResolver(server?: string): HostResolver {
  return {
    async resolve(host: string, timeoutMs: number): Promise<DnsView> {
      if (isIP(host) !== 0) return { failure: null, addrs: [host] };
      const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs)), tries: 1 });
      if (server !== undefined) resolver.setServers([server]);
      const timer = setTimeout(() => resolver.cancel(), timeoutMs);
      try {
        const [a, aaaa] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
        const addrs = [...(a.status === 'fulfilled' ? a.value : []), ...(aaaa.status === 'fulfilled' ? aaaa.value : [])];
        if (addrs.length > 0) return { failure: null, addrs };
        const failures = [a, aaaa].map((r) => {
          if (r.status === 'fulfilled') return FAILURE.dnsNoAnswer;
          const code = (r.reason as { code?: unknown }).code;
          return code === 'ECANCELLED' ? FAILURE.timeout : classifyError(r.reason);
        });
        const worst = PRECEDENCE.find((f) => failures.includes(f)) ?? failures.find((f) => f !== FAILURE.dnsNoAnswer);
        return { failure: worst ?? FAILURE.dnsNoAnswer, addrs: [] };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
