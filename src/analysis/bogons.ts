// Addresses no public site can have: every block of the special-purpose table (src/special-addresses.ts,
// from the IANA registries) not marked globally reachable, multicast included. A lying resolver's
// favourites (0.0.0.0, 127.0.0.1) and private ranges. A bogon answer is flagged, and only called
// interference when the truth abroad resolves the name elsewhere (misconfigured sites exist).
import { Networks, parseIp } from '../ip.js';
import { isLoopbackOrUnspecified, nonPublicBlock } from '../special-addresses.js';

/** Builds a predicate; `routable` networks (the guard's, e.g. the lab's 198.18.0.0/15) are never bogons. */
export function bogonCheck(routable: readonly string[]): (ip: string) => boolean {
  // Networks that are not CIDR (a hand-edited record) are skipped: they make nothing routable.
  const { networks: allowed } = Networks.parse(routable);
  return (ip: string) => {
    const address = parseIp(ip);
    if (address === null) return false;
    // Loopback and unspecified stay bogons even inside a routable net: no site lives there.
    if (isLoopbackOrUnspecified(address)) return true;
    if (allowed.contains(address)) return false;
    return nonPublicBlock(address) !== null;
  };
}
