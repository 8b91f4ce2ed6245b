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
export const REFUSED_SAMPLES: Record<string, string> = {
  '10.1.2.3': 'private (RFC 1918)',
  '172.16.5.4': 'private (RFC 1918)',
  '192.168.1.1': 'private (RFC 1918)',
  '127.0.0.1': 'loopback',
  '169.254.10.10': 'link-local',
  '100.64.0.1': 'carrier-grade NAT',
  '224.0.0.251': 'multicast',
  '0.0.0.0': 'unspecified / this network',
  '255.255.255.255': 'reserved / broadcast',
  '198.18.0.1': 'benchmarking',
  '192.0.2.10': 'documentation',
  '198.51.100.7': 'documentation',
  '203.0.113.9': 'documentation',
  '169.254.169.254': 'cloud metadata',
  '::1': 'loopback',
  '::': 'unspecified',
  'fc00::1': 'unique local',
  'fd12:3456::1': 'unique local',
  'fe80::1': 'link-local',
  'ff02::1': 'multicast',
  '2001:db8::1': 'documentation',
  'fd00:ec2::254': 'cloud metadata',
  '::ffff:10.0.0.1': 'private (RFC 1918)',
  '::ffff:169.254.169.254': 'cloud metadata',
  '::ffff:127.0.0.1': 'loopback',
  '64:ff9b::a00:1': 'private (RFC 1918)',
  '2002:c0a8:101::1': 'private (RFC 1918)',
};
