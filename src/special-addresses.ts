// The one table of special-purpose addresses, shared by the control helper (which refuses to contact
// them), the analysis (a resolver answering one is flagged as a bogon) and their tests.
//
// Source: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, RFC 8190), both last
// updated 2025-10-09:
//   https://www.iana.org/assignments/iana-ipv4-special-registry/
//   https://www.iana.org/assignments/iana-ipv6-special-registry/
// Every row of both, with its "Globally Reachable" column (null where the registry says N/A, as for
// terminated or deprecated blocks). Multicast and the deprecated IPv6 site-local block are not
// special-purpose registrations but are no unicast destination either; they come from the IPv4
// Multicast Address Space registry (https://www.iana.org/assignments/multicast-addresses/) and the
// IPv6 Address Space registry (https://www.iana.org/assignments/ipv6-address-space/).
import { inNetwork, parseIp, parseNetwork, unmapped, type IpAddress, type Network } from './ip.js';

export interface SpecialBlock {
  readonly cidr: string;
  /** The registry's name for the block. */
  readonly name: string;
  readonly rfc: string;
  /** The registry's "Globally Reachable": true, false, or null for N/A. */
  readonly globallyReachable: boolean | null;
  /** Which IANA registry lists it. */
  readonly registry: 'special-purpose' | 'address-space';
}

const row = (cidr: string, name: string, rfc: string, globallyReachable: boolean | null, registry: SpecialBlock['registry'] = 'special-purpose'): SpecialBlock => ({ cidr, name, rfc, globallyReachable, registry });

export const SPECIAL_IPV4: readonly SpecialBlock[] = [
  row('0.0.0.0/8', 'This network', 'RFC 791', false),
  row('0.0.0.0/32', 'This host on this network', 'RFC 1122', false),
  row('10.0.0.0/8', 'Private-Use', 'RFC 1918', false),
  row('100.64.0.0/10', 'Shared Address Space', 'RFC 6598', false),
  row('127.0.0.0/8', 'Loopback', 'RFC 1122', false),
  row('169.254.0.0/16', 'Link Local', 'RFC 3927', false),
  row('172.16.0.0/12', 'Private-Use', 'RFC 1918', false),
  row('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890', false),
  row('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335', false),
  row('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600', false),
  row('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', true),
  row('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true),
  row('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880', false),
  row('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880', false),
  row('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737', false),
  row('192.31.196.0/24', 'AS112-v4', 'RFC 7535', true),
  row('192.52.193.0/24', 'AMT', 'RFC 7450', true),
  row('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', null),
  row('192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751', false),
  row('192.168.0.0/16', 'Private-Use', 'RFC 1918', false),
  row('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', true),
  row('198.18.0.0/15', 'Benchmarking', 'RFC 2544', false),
  row('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737', false),
  row('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737', false),
  row('240.0.0.0/4', 'Reserved', 'RFC 1112', false),
  row('255.255.255.255/32', 'Limited Broadcast', 'RFC 919', false),
  row('224.0.0.0/4', 'Multicast', 'RFC 5771', false, 'address-space'),
];

export const SPECIAL_IPV6: readonly SpecialBlock[] = [
  row('::1/128', 'Loopback Address', 'RFC 4291', false),
  row('::/128', 'Unspecified Address', 'RFC 4291', false),
  row('::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', false),
  row('64:ff9b::/96', 'IPv4-IPv6 Translation', 'RFC 6052', true),
  row('64:ff9b:1::/48', 'IPv4-IPv6 Translation (local use)', 'RFC 8215', false),
  row('100::/64', 'Discard-Only Address Block', 'RFC 6666', false),
  row('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780', false),
  row('2001::/23', 'IETF Protocol Assignments', 'RFC 2928', false),
  row('2001::/32', 'TEREDO', 'RFC 4380', null),
  row('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', true),
  row('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true),
  row('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', true),
  row('2001:2::/48', 'Benchmarking', 'RFC 5180', false),
  row('2001:3::/32', 'AMT', 'RFC 7450', true),
  row('2001:4:112::/48', 'AS112-v6', 'RFC 7535', true),
  row('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843', null),
  row('2001:20::/28', 'ORCHIDv2', 'RFC 7343', true),
  row('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', true),
  row('2001:db8::/32', 'Documentation', 'RFC 3849', false),
  row('2002::/16', '6to4', 'RFC 3056', null),
  row('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', true),
  row('3fff::/20', 'Documentation', 'RFC 9637', false),
  row('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602', false),
  row('fc00::/7', 'Unique-Local', 'RFC 4193', false),
  row('fe80::/10', 'Link-Local Unicast', 'RFC 4291', false),
  row('fec0::/10', 'Site-Local (deprecated)', 'RFC 3879', false, 'address-space'),
  row('ff00::/8', 'Multicast', 'RFC 4291', false, 'address-space'),
];

const compiled: ReadonlyArray<{ block: SpecialBlock; network: Network }> = [...SPECIAL_IPV4, ...SPECIAL_IPV6].map((block) => {
  const network = parseNetwork(block.cidr);
  if (network === null) throw new Error(`special-addresses: ${block.cidr} is not a network`);
  return { block, network };
});

function address(ip: string | IpAddress): IpAddress | null {
  return typeof ip === 'string' ? parseIp(ip) : ip;
}

/** Every block of the table that holds `ip`, the widest first (by prefix length). */
export function specialBlocks(ip: string | IpAddress): SpecialBlock[] {
  const a = address(ip);
  if (a === null) return [];
  return compiled
    .filter((c) => inNetwork(a, c.network))
    .sort((x, y) => x.network[1] - y.network[1])
    .map((c) => c.block);
}

/**
 * The block that makes `ip` no public unicast destination, or null for a public address. Any block
 * holding it that the registry does not mark globally reachable counts (N/A included), even when a
 * narrower one inside it is marked reachable: 192.0.0.9 stays inside 192.0.0.0/24. The narrowest
 * such block is returned, as the most telling name. An IPv4-mapped address is judged by its IPv4.
 */
export function nonPublicBlock(ip: string | IpAddress): SpecialBlock | null {
  const a = address(ip);
  if (a === null) return null;
  const blocks = specialBlocks(unmapped(a)).filter((b) => b.globallyReachable !== true);
  return blocks.at(-1) ?? null;
}

/** A short reason for a refusal or a flag: the block's name, its network and its RFC. */
export function describeBlock(block: SpecialBlock): string {
  return `${block.name} (${block.cidr}, ${block.rfc})`;
}

const NOWHERE = new Set(['0.0.0.0/32', '127.0.0.0/8', '::/128', '::1/128']);

/** Loopback or the unspecified address: where no remote site can ever be, whatever networks are routable. */
export function isLoopbackOrUnspecified(ip: string | IpAddress): boolean {
  const a = address(ip);
  return a !== null && specialBlocks(unmapped(a)).some((b) => NOWHERE.has(b.cidr));
}
