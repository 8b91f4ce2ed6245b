// IP addresses as bytes: the ASN table is searched by byte order, and IPv6 has several spellings
// (compressed, expanded, with an embedded IPv4 tail) that must compare equal.
import { isIP } from 'node:net';

/** 4 bytes for IPv4, 16 for IPv6, or null when `text` is not an address. A zone (`%eth0`) is ignored. */
export function ipBytes(text: string): Uint8Array | null {
  const address = text.trim().replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return Uint8Array.from(address.split('.').map(Number));
  if (family !== 6) return null;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) becomes two hex groups, then all is hex.
  let hexText = address;
  const tail = address.slice(address.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const v4 = tail.split('.').map(Number);
    const w = (a = 0, b = 0) => ((a << 8) | b).toString(16);
    hexText = `${address.slice(0, address.length - tail.length)}${w(v4[0], v4[1])}:${w(v4[2], v4[3])}`;
  }
  const [left = '', right] = hexText.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const words = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** Compares two byte strings of the same length as unsigned big-endian numbers. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The canonical text of an address (RFC 5952 for IPv6: lower case, longest zero run as `::`). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let best = -1;
  let bestLen = 1; // a single zero word is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}
