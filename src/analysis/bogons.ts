import { BlockList, isIP } from 'node:net';

// Addresses no public site can have (IANA special-purpose registries, RFC 6890): a lying resolver's
// favourites (0.0.0.0, 127.0.0.1) and private ranges. A bogon answer is flagged, and only called
// interference when the truth abroad resolves the name elsewhere (misconfigured sites exist).
const V4 = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const;
const V6 = [
  // No ::ffff:0:0/96 here: BlockList matches IPv4 against IPv4-mapped subnets, so it would cover all of IPv4.
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32],
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const;

const bogons = new BlockList();
for (const [a, p] of V4) bogons.addSubnet(a, p, 'ipv4');
for (const [a, p] of V6) bogons.addSubnet(a, p, 'ipv6');

/** Builds a predicate; `routable` networks (the guard's, e.g. the lab's 198.18.0.0/15) are never bogons. */
export function bogonCheck(routable: readonly string[]): (ip: string) => boolean {
  const allowed = new BlockList();
  for (const cidr of routable) {
    const [a, p] = cidr.split('/');
    const fam = a ? isIP(a) : 0;
    if (!a || fam === 0) continue;
    allowed.addSubnet(a, p === undefined ? (fam === 6 ? 128 : 32) : Number(p), fam === 6 ? 'ipv6' : 'ipv4');
  }
  return (ip: string) => {
    const fam = isIP(ip);
    if (fam === 0) return false;
    const type = fam === 6 ? 'ipv6' : 'ipv4';
    // Loopback and unspecified stay bogons even inside a routable net: no site lives there.
    if (ip === '0.0.0.0' || ip === '::' || ip.startsWith('127.') || ip === '::1') return true;
    if (allowed.check(ip, type)) return false;
    return bogons.check(ip, type);
  };
}
