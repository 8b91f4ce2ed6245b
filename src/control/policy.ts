// Which addresses the control helper may contact. The helper fetches URLs for anyone who can reach
// it, so by default it refuses every address that is not public unicast: otherwise it would be a
// proxy into its own network (RFC 1918, loopback, link-local, the cloud metadata service).
// `--allow-nets` re-allows chosen networks (the lab's 198.18.0.0/15); nothing re-allows metadata.
import { BlockList, isIP } from 'node:net';
import { GuardError, UsageError } from '../errors.js';

/** The failure string for an address the policy refused (never contacted). */
export const REFUSED_ADDRESS = 'control_refused_address';

const REFUSED_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified / this network'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];

const REFUSED_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** Cloud metadata services: refused even inside --allow-nets. */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254']);

/** 16 bytes of an IPv6 address (as accepted by net.isIP), or null. */
export function ipv6Bytes(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (isIP(maybeV4) === 4) {
    tail.push(...maybeV4.split('.').map(Number));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (groups.length !== 8) return null;
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one that the network would reach:
 * v4-mapped (::ffff:a.b.c.d), v4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIPv4(ip: string): string | null {
  const b = ipv6Bytes(ip);
  if (!b) return null;
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number): string => b.slice(at, at + 4).join('.');
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  // :: and ::1 are IPv6's own unspecified and loopback addresses, judged by the IPv6 table.
  if (zeros(0, 12) && !(zeros(12, 15) && (b[15] ?? 0) <= 1)) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return null;
}

function subnetList(entries: ReadonlyArray<[string, number, string]>, type: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [addr, prefix] of entries) list.addSubnet(addr, prefix, type);
  return list;
}

const refusedV4 = subnetList(REFUSED_V4, 'ipv4');
const refusedV6 = subnetList(REFUSED_V6, 'ipv6');

function family(ip: string): 'ipv4' | 'ipv6' | null {
  const f = isIP(ip);
  return f === 4 ? 'ipv4' : f === 6 ? 'ipv6' : null;
}

function reasonFor(ip: string, type: 'ipv4' | 'ipv6'): string | null {
  const table = type === 'ipv4' ? REFUSED_V4 : REFUSED_V6;
  for (const [addr, prefix, why] of table) {
    const one = new BlockList();
    one.addSubnet(addr, prefix, type);
    if (one.check(ip, type)) return why;
  }
  return null;
}

/** The helper's address policy. It is also a Guard, so the network steps enforce it once more. */
export class AddressPolicy {
  readonly cidrs: readonly string[];
  private readonly allowed = new BlockList();

  constructor(allowNets: readonly string[] = []) {
    this.cidrs = allowNets;
    for (const cidr of allowNets) {
      const [addr, bits, extra] = cidr.trim().split('/');
      const type = addr === undefined ? null : family(addr);
      const max = type === 'ipv6' ? 128 : 32;
      const prefix = bits === undefined ? max : Number(bits);
      if (!addr || type === null || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new UsageError(`--allow-nets: "${cidr}" is not a network in CIDR form`, {
          hint: 'write networks like 198.18.0.0/15,2001:db8::/32',
        });
      }
      this.allowed.addSubnet(addr, prefix, type);
    }
  }

  static parse(value: string): AddressPolicy {
    return new AddressPolicy(value.split(',').map((s) => s.trim()).filter(Boolean));
  }

  /** Why `ip` is refused, or null when it may be contacted. */
  refusal(ip: string): string | null {
    if (ip.includes('%')) return 'scoped address';
    const type = family(ip);
    if (type === null) return 'not an IP address';
    if (METADATA.has(ip.toLowerCase())) return 'cloud metadata';
    if (type === 'ipv6') {
      // Judge an embedded IPv4 address by the IPv4 rules: ::ffff:10.0.0.1 is 10.0.0.1.
      const v4 = embeddedIPv4(ip);
      if (v4 !== null) return this.refusal(v4);
      if (ipv6Bytes(ip)?.join(',') === ipv6Bytes('fd00:ec2::254')?.join(',')) return 'cloud metadata';
    }
    if (this.allowed.check(ip, type)) return null;
    return reasonFor(ip, type);
  }

  allows(ip: string): boolean {
    return this.refusal(ip) === null;
  }

  check(ip: string, what: string): void {
    const why = this.refusal(ip);
    if (why !== null) throw new GuardError(`control helper refused to contact ${ip} (${what}): ${why}`);
  }
}
