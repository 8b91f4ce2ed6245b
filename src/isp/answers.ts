// The AS of every address the resolvers gave: a blockpage answer sits in the ISP's own AS, a true
// answer in the site's hosting AS, which is how the analysis tells them apart beyond exact IPs.
import type { DnsQuery } from '../observations.js';
import type { AsnDb, AsnInfo } from './asn-db.js';

/** `address → AS` for every IPv4/IPv6 answer of `queries` (any section), null when unknown. */
export function answerAsns(queries: readonly DnsQuery[], db: AsnDb): Map<string, AsnInfo | null> {
  const out = new Map<string, AsnInfo | null>();
  for (const q of queries) {
    for (const a of q.answers) {
      const ip = a.ipv4 ?? a.ipv6;
      if (ip !== undefined && !out.has(ip)) out.set(ip, db.lookup(ip));
    }
  }
  return out;
}
