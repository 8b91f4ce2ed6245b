// The one parser of IP addresses and networks, for every layer (guard, control helper, analysis, ISP
// tables, reports). ipaddr.js does the parsing and matching; node:net's isIP decides first what
// counts as an address, because it is what the sockets accept: ipaddr.js alone would also read
// `127.1`, `0x7f.0.0.1` or `2130706433` as 127.0.0.1, spellings no socket here is ever given.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type Network = [IpAddress, number];

/** The address `text` names, or null when it is not a plain IP literal. A zone (`%eth0`) is kept on the result. */
export function parseIp(text: string): IpAddress | null {
  const family = isIP(text);
  if (family === 0) return null;
  try {
    return family === 4 ? ipaddr.IPv4.parse(text) : ipaddr.IPv6.parse(hexTail(text));
  } catch {
    return null; // node:net took it, ipaddr.js did not: refuse rather than guess
  }
}

/**
 * An IPv6 text with its dotted IPv4 tail written as two hex groups. ipaddr.js 2.5.0 reads the
 * IPv4-compatible `::a.b.c.d` as the IPv4-mapped `::ffff:a.b.c.d` (a different address, and one a
 * guard would match against IPv4 networks) and refuses some valid tails (`ffff::1.2.3.4`); hex it
 * never gets wrong.
 */
function hexTail(text: string): string {
  const [addr = '', zone] = text.split('%');
  const at = addr.lastIndexOf(':');
  const tail = addr.slice(at + 1);
  if (!tail.includes('.')) return text;
  const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
  const hex = `${addr.slice(0, at + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return zone === undefined ? hex : `${hex}%${zone}`;
}

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), which is where a packet to it goes. */
export function unmapped(ip: IpAddress): IpAddress {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/** 4 bytes for IPv4, 16 for IPv6, or null when `text` is not an address. Blanks around it and a zone are ignored. */
export function ipBytes(text: string): Uint8Array | null {
  const ip = parseIp(text.trim().replace(/%.*$/, ''));
  return ip === null ? null : Uint8Array.from(ip.toByteArray());
}

/** Compares two byte strings of the same length as unsigned big-endian numbers. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The canonical text of 4 or 16 bytes (RFC 5952 for IPv6: lower case, longest zero run as `::`). */
export function formatIp(bytes: Uint8Array): string {
  return ipaddr.fromByteArray([...bytes]).toString();
}

/** `ADDRESS/BITS` (or a bare address, as /32 or /128), or null when it is not a network in CIDR form. */
export function parseNetwork(text: string): Network | null {
  const [addr, bits, extra] = text.trim().split('/');
  const ip = addr === undefined ? null : parseIp(addr);
  if (ip === null || ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).zoneId !== undefined || extra !== undefined) return null;
  const max = ip.kind() === 'ipv6' ? 128 : 32;
  // Digits only: Number('') is 0, so `10.0.0.0/` would otherwise read as 10.0.0.0/0, all of IPv4.
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return [ip, prefix];
}

/** Whether `ip` is inside `network`. Families must agree: an IPv4 address is never inside an IPv6 network. */
export function inNetwork(ip: IpAddress, [base, prefix]: Network): boolean {
  return ip.kind() === base.kind() && ip.match(base, prefix);
}

/**
 * A set of networks. An IPv4-mapped address is inside a network when its IPv4 address is (and an
 * IPv4 address inside a `::ffff:0:0/96`-style network), as with node:net's BlockList: the socket
 * sends a packet to ::ffff:198.18.0.1 to 198.18.0.1.
 */
export class Networks {
  constructor(readonly networks: readonly Network[]) {}

  /** Parses CIDR strings; returns the ones that are not networks in `bad`. */
  static parse(cidrs: readonly string[]): { networks: Networks; bad: string[] } {
    const good: Network[] = [];
    const bad: string[] = [];
    for (const cidr of cidrs) {
      const n = parseNetwork(cidr);
      if (n === null) bad.push(cidr);
      else good.push(n);
    }
    return { networks: new Networks(good), bad };
  }

  /** Whether the address (text or parsed) is inside one of the networks; text that is not an address never is. */
  contains(address: string | IpAddress): boolean {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (ip === null) return false;
    const forms = [ip, unmapped(ip)];
    if (ip.kind() === 'ipv4') forms.push((ip as ipaddr.IPv4).toIPv4MappedAddress());
    return this.networks.some((n) => forms.some((f) => inNetwork(f, n)));
  }
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one that the network would reach:
 * v4-mapped (::ffff:a.b.c.d), v4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIPv4(text: string): string | null {
  const ip = parseIp(text);
  if (ip === null || ip.kind() !== 'ipv6') return null;
  const b = ip.toByteArray();
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number): string => b.slice(at, at + 4).join('.');
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  // :: and ::1 are IPv6's own unspecified and loopback addresses, judged as IPv6.
  if (zeros(0, 12) && !(zeros(12, 15) && (b[15] ?? 0) <= 1)) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return null;
}
