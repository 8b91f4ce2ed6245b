// Which resolvers to measure. A home router usually relays DNS (the volunteer's resolver is then
// 192.168.1.1), and systemd-resolved puts a stub on 127.0.0.53: what answers there is the ISP's
// resolver seen through a relay that may cache or rewrite. So when the system resolver is such a
// relay, the detected ISP's own resolvers are measured as well, and both are reported.
import { isIP } from 'node:net';
import { Networks } from '../ip.js';
import type { GreekIsp } from './greek-isps.js';

const relayNets = Networks.parse([
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8', '100.64.0.0/10',
  'fc00::/7', 'fe80::/10', '::1/128',
]).networks;

/** A private, link-local, loopback or CGNAT resolver address: a relay (router, local stub), not the ISP's resolver. */
export function isRelayAddress(address: string): boolean {
  return relayNets.contains(address.replace(/%.*$/, ''));
}

/** `nameserver` addresses of a resolv.conf text, in order. */
export function parseResolvConf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/[#;].*$/, '').trim().split(/\s+/))
    .filter((w) => w[0] === 'nameserver' && w[1] !== undefined && isIP(w[1].replace(/%.*$/, '')) !== 0)
    .map((w) => w[1] ?? '');
}

export interface ResolverToMeasure {
  address: string;
  /** `system`: what the machine uses (maybe a relay); `isp`: the detected ISP's own resolver. */
  role: 'system' | 'isp';
  relay: boolean;
  /** For `isp`: reported publicly but not yet seen answering. */
  verified: boolean;
  source: string;
}

export interface ResolverPlan {
  /** The relay's address when the system resolver is one, else null. */
  relayedBy: string | null;
  resolvers: ResolverToMeasure[];
}

/**
 * The system resolver first, then the ISP's own resolvers (IPv4 only unless `ipv6`) when the system
 * resolver is a relay or is not one of them. Without a known ISP only the system resolver is left.
 */
export function resolversToMeasure(systemResolver: string, isp: GreekIsp | null, options: { ipv6?: boolean } = {}): ResolverPlan {
  const relay = isRelayAddress(systemResolver);
  const resolvers: ResolverToMeasure[] = [
    { address: systemResolver, role: 'system', relay, verified: true, source: relay ? 'system resolver (a relay: router or local stub)' : 'system resolver' },
  ];
  for (const r of isp?.resolvers ?? []) {
    if (r.address === systemResolver) continue;
    if (isIP(r.address) === 6 && options.ipv6 !== true) continue;
    resolvers.push({ address: r.address, role: 'isp', relay: false, verified: r.verified, source: r.source });
  }
  return { relayedBy: relay ? systemResolver : null, resolvers };
}
