// Control-helper test fixtures: a tiny authoritative DNS server and a recording guard, all on
// loopback. The DNS server is the helper's --resolver, so no test ever asks a real resolver.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Guard } from '../../src/net/guard.js';
import { NetGuard } from '../../src/net/guard.js';

export type Zone = Record<string, { A?: string[]; AAAA?: string[]; rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED'; silent?: boolean }>;

const RCODES = { NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 } as const;

export interface DnsServer {
  /** `127.0.0.1:PORT`, for --resolver. */
  address: string;
  /** Names asked, in order, as `TYPE name`. */
  asked: string[];
  close(): Promise<void>;
}

export async function startDns(zone: Zone): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    if (!q) return;
    asked.push(`${q.type} ${q.name}`);
    const entry = zone[q.name.toLowerCase()];
    if (entry?.silent) return;
    const answers: dnsPacket.Answer[] = [];
    if (q.type === 'A') for (const ip of entry?.A ?? []) answers.push({ type: 'A', name: q.name, ttl: 60, data: ip });
    if (q.type === 'AAAA') for (const ip of entry?.AAAA ?? []) answers.push({ type: 'AAAA', name: q.name, ttl: 60, data: ip });
    const rcode = entry === undefined ? RCODES.NXDOMAIN : entry.rcode ? RCODES[entry.rcode] : 0;
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: query.questions ?? [],
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A loopback-only guard that records every address a network step was about to contact. */
export function recordingGuard(): Guard & { checked: string[] } {
  const inner = new NetGuard(['127.0.0.0/8', '::1/128']);
  const checked: string[] = [];
  return {
    cidrs: inner.cidrs,
    checked,
    allows: (ip) => inner.allows(ip),
    check: (ip, what) => {
      checked.push(ip);
      inner.check(ip, what);
    },
  };
}

// One address per refused class (judged only: nothing here is contacted).
/** Addresses the helper refuses by default, with the reason it gives (the special-purpose table's block). */
export const REFUSED_SAMPLES: Record<string, string> = {
  '10.1.2.3': 'Private-Use (10.0.0.0/8, RFC 1918)',
  '172.16.5.4': 'Private-Use (172.16.0.0/12, RFC 1918)',
  '192.168.1.1': 'Private-Use (192.168.0.0/16, RFC 1918)',
  '127.0.0.1': 'Loopback (127.0.0.0/8, RFC 1122)',
  '169.254.10.10': 'Link Local (169.254.0.0/16, RFC 3927)',
  '100.64.0.1': 'Shared Address Space (100.64.0.0/10, RFC 6598)',
  '224.0.0.251': 'Multicast (224.0.0.0/4, RFC 5771)',
  '0.0.0.0': 'This host on this network (0.0.0.0/32, RFC 1122)',
  '255.255.255.255': 'Limited Broadcast (255.255.255.255/32, RFC 919)',
  '198.18.0.1': 'Benchmarking (198.18.0.0/15, RFC 2544)',
  '192.0.2.10': 'Documentation (TEST-NET-1) (192.0.2.0/24, RFC 5737)',
  '198.51.100.7': 'Documentation (TEST-NET-2) (198.51.100.0/24, RFC 5737)',
  '203.0.113.9': 'Documentation (TEST-NET-3) (203.0.113.0/24, RFC 5737)',
  '192.0.0.9': 'IETF Protocol Assignments (192.0.0.0/24, RFC 6890)',
  '192.88.99.1': 'Deprecated (6to4 Relay Anycast) (192.88.99.0/24, RFC 7526)',
  '169.254.169.254': 'cloud metadata',
  '::1': 'Loopback Address (::1/128, RFC 4291)',
  '::': 'Unspecified Address (::/128, RFC 4291)',
  'fc00::1': 'Unique-Local (fc00::/7, RFC 4193)',
  'fd12:3456::1': 'Unique-Local (fc00::/7, RFC 4193)',
  'fe80::1': 'Link-Local Unicast (fe80::/10, RFC 4291)',
  'fec0::1': 'Site-Local (deprecated) (fec0::/10, RFC 3879)',
  'ff02::1': 'Multicast (ff00::/8, RFC 4291)',
  '2001:db8::1': 'Documentation (2001:db8::/32, RFC 3849)',
  '3fff::1': 'Documentation (3fff::/20, RFC 9637)',
  '64:ff9b:1::1': 'IPv4-IPv6 Translation (local use) (64:ff9b:1::/48, RFC 8215)',
  '100::1': 'Discard-Only Address Block (100::/64, RFC 6666)',
  '2001::1': 'TEREDO (2001::/32, RFC 4380)',
  '5f00::1': 'Segment Routing (SRv6) SIDs (5f00::/16, RFC 9602)',
  'fd00:ec2::254': 'cloud metadata',
  '::ffff:10.0.0.1': 'Private-Use (10.0.0.0/8, RFC 1918)',
  '::ffff:169.254.169.254': 'cloud metadata',
  '::ffff:127.0.0.1': 'Loopback (127.0.0.0/8, RFC 1122)',
  '64:ff9b::a00:1': 'Private-Use (10.0.0.0/8, RFC 1918)',
  '2002:c0a8:101::1': 'Private-Use (192.168.0.0/16, RFC 1918)',
};
