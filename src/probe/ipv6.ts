import { networkInterfaces } from 'node:os';

/**
 * Whether this line has a global IPv6 address (2000::/3). Without one, IPv6 paths are not judged:
 * an unrouted IPv6 gave OONI false IP-block verdicts (ooni/probe#2456, #2284).
 */
export function hasGlobalIpv6(): boolean {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv6' && !a.internal && /^[23]/.test(a.address)) return true;
    }
  }
  return false;
}
