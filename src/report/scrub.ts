// The volunteer's public address is learned only to find the ISP; it must never reach an output
// file. A scrubber replaces every spelling of the given addresses: IPv4 (also zero-padded, dashed as
// in reverse-DNS host names, in-addr.arpa), IPv6 (compressed or not, any case, leading zeros,
// bracketed in URLs, `%3A`-encoded, with an IPv4 tail, ip6.arpa nibbles). A different address that
// merely contains the volunteer's digits (194.66.57.123 for 94.66.57.12) is left alone.
import { CensorprobeError } from '../errors.js';
import { ipBytes } from '../ip.js';

export const SCRUBBED = '[scrubbed]';

/** An address given to scrub that is not an IP address (scrubbing nothing would leak it). */
export class ScrubError extends CensorprobeError {
  override readonly code = 'CP_SCRUB';
}

const octet = (n: number) => `0{0,${3 - String(n).length}}${n}`;

function ipv4Patterns(b: Uint8Array): string[] {
  const o = [...b];
  return [
    // 1.2.3.4 (not inside 11.2.3.45 or 9.1.2.3.4), and host-name forms 1-2-3-4 / 1_2_3_4.
    `(?<![0-9]|[0-9][.\\-_])${o.map(octet).join('[.\\-_]')}(?![0-9]|[.\\-_][0-9])`,
    // Reverse lookup name.
    `(?<![0-9]|[0-9][.])${[...o].reverse().join('\\.')}\\.in-addr\\.arpa`,
  ];
}

function hexGroup(w: number): string {
  if (w === 0) return '0{1,4}';
  const h = w.toString(16);
  return `0{0,${4 - h.length}}${h}`;
}

function ipv6Patterns(b: Uint8Array): string[] {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  const sep = '(?::|%3a)';
  const v4 = [b[12], b[13], b[14], b[15]].map((x) => octet(x ?? 0)).join('\\.');
  // Either all 8 groups, or a `::` in place of any run of zero groups; the last 32 bits may be
  // written as dotted IPv4 (then 6 groups precede it).
  const forms: string[] = [];
  for (const n of [8, 6]) {
    const ws = words.slice(0, n);
    const g = ws.map(hexGroup);
    const tail = n === 8 ? [] : [v4];
    forms.push([...g, ...tail].join(sep));
    for (let i = 0; i < n; i++) {
      if (ws[i] !== 0) continue;
      for (let j = i; j < n && ws[j] === 0; j++) {
        forms.push(`${g.slice(0, i).join(sep)}${sep}${sep}${[...g.slice(j + 1), ...tail].join(sep)}`);
      }
    }
  }
  const nibbles = [...b].flatMap((x) => [x >> 4, x & 15]).reverse().map((x) => x.toString(16)).join('\\.');
  return [`(?<![0-9a-f:]|%3a)(?:${forms.join('|')})(?![0-9a-f]|[.:][0-9a-f])`, `${nibbles}\\.ip6\\.arpa`];
}

/** The pattern matching every spelling of `ips`; throws ScrubError on something not an address. */
export function scrubPattern(ips: readonly string[]): RegExp | null {
  const parts: string[] = [];
  for (const ip of ips) {
    const b = ipBytes(ip);
    if (b === null) throw new ScrubError(`cannot scrub "${ip}": not an IP address`);
    parts.push(...(b.length === 4 ? ipv4Patterns(b) : ipv6Patterns(b)));
    // An IPv4-mapped IPv6 address is the IPv4 address too.
    if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) parts.push(...ipv4Patterns(b.subarray(12)));
    if (b.length === 4) parts.push(...ipv6Patterns(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b])));
  }
  return parts.length === 0 ? null : new RegExp(parts.join('|'), 'gi');
}

/** A function replacing every occurrence of `ips` in a string with `[scrubbed]`. */
export function scrubber(ips: readonly string[]): (text: string) => string {
  const re = scrubPattern(ips);
  if (re === null) return (text) => text;
  return (text) => text.replace(re, SCRUBBED);
}
