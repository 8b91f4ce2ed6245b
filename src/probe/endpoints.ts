// The resolvers and servers a run talks to, checked against the guard before any packet is sent.
import { parseResolverSpec, type ResolverSpec } from '../dns/index.js';
import { UsageError } from '../errors.js';
import type { Guard } from '../net/guard.js';
import type { RunOptions } from './run-options.js';

export interface Endpoints {
  isp: ResolverSpec;
  foreign: ResolverSpec[];
}

function checkEndpoints(guard: Guard, specs: ResolverSpec[], control: string | null): void {
  for (const s of specs) {
    if (s.ip) guard.check(s.ip, `resolver ${s.spec}`);
    else if (guard.cidrs.length > 0) {
      throw new UsageError(`resolver ${s.spec}: a host name cannot be checked against --only-nets`, { hint: 'give resolvers by IP literal' });
    }
  }
  if (control) {
    const host = new URL(control).hostname.replace(/^\[|\]$/g, '');
    guard.check(host, `control ${control}`);
  }
}

/** The ISP's and the foreign resolvers, parsed; the resolvers, control and neutral server checked. */
export function checkedEndpoints(opts: RunOptions): Endpoints {
  const isp = parseResolverSpec(opts.ispResolver);
  const foreign = opts.foreign.map(parseResolverSpec);
  if (foreign.length === 0) throw new UsageError('no foreign resolver given', { hint: 'pass --foreign udp://IP or https://IP/dns-query' });
  checkEndpoints(opts.guard, [isp, ...foreign], opts.control);
  if (opts.neutralIp) opts.guard.check(opts.neutralIp, 'neutral server');
  return { isp, foreign };
}
