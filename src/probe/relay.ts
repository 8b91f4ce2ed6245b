// A home router usually relays DNS (192.168.1.1) and a local stub sits on 127.0.0.53: what answers
// there is the ISP's resolver seen through a relay. Then the detected ISP's own resolvers are
// measured too, and both are reported.
import { parseResolverSpec, type ResolverSpec } from '../dns/index.js';
import { ispById, resolversToMeasure, type IspMatch } from '../isp/index.js';
import type { Guard } from '../net/guard.js';

export interface RelayPlan {
  /** The relay's address when the system resolver is one, else null. */
  relayedBy: string | null;
  direct: ResolverSpec[];
  /** The ISP's resolvers left out because the guard refuses them. */
  refused: string[];
}

export function relayPlan(isp: ResolverSpec, match: IspMatch | null, guard: Guard, ipv6: boolean): RelayPlan {
  if (isp.transport === 'doh' || isp.ip === undefined) return { relayedBy: null, direct: [], refused: [] };
  const plan = resolversToMeasure(isp.ip, match ? ispById(match.id) ?? null : null, { ipv6 });
  if (plan.relayedBy === null) return { relayedBy: null, direct: [], refused: [] };
  const own = plan.resolvers.filter((r) => r.role === 'isp');
  return {
    relayedBy: plan.relayedBy,
    direct: own.filter((r) => guard.allows(r.address)).map((r) => parseResolverSpec(r.address.includes(':') ? `udp://[${r.address}]:53` : `udp://${r.address}:53`)),
    refused: own.filter((r) => !guard.allows(r.address)).map((r) => r.address),
  };
}
