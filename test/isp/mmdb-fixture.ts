// A minimal MMDB writer (MaxMind DB format 2.0, IPv4 tree, 24-bit records) so the `--asn-db`
// reader is tested on a real file without downloading a database.
import { ipBytes } from '../../src/ip.js';

type Value = string | number | Record<string, string | number>;

function ctrl(type: number, size: number): Buffer {
  if (size >= 29 + 256) throw new Error('fixture values must be short');
  // Sizes 29..284 take one extra byte after the control (and extended-type) bytes.
  const [small, extra] = size < 29 ? [size, []] : [29, [size - 29]];
  return Buffer.from(type <= 7 ? [(type << 5) | small, ...extra] : [small, type - 7, ...extra]);
}

function uint(type: number, n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.concat([ctrl(type, bytes.length), Buffer.from(bytes)]);
}

function encode(v: Value): Buffer {
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([ctrl(2, s.length), s]);
  }
  if (typeof v === 'number') return uint(6, v); // uint32
  const parts = Object.entries(v).map(([k, x]) => Buffer.concat([encode(k), encode(x)]));
  return Buffer.concat([ctrl(7, parts.length), ...parts]);
}

interface Node {
  kids: [Node | number | null, Node | number | null]; // child node, data offset, or nothing
}

/** An IPv4 ASN database holding `networks` (CIDR → record). */
export function buildMmdb(networks: Record<string, Record<string, string | number>>, databaseType = 'GeoLite2-ASN'): Buffer {
  const root: Node = { kids: [null, null] };
  const data: Buffer[] = [];
  let dataLen = 0;
  for (const [cidr, record] of Object.entries(networks)) {
    const [addr = '', bits = '32'] = cidr.split('/');
    const ip = ipBytes(addr);
    if (ip === null || ip.length !== 4) throw new Error(`fixture: ${cidr}`);
    const offset = dataLen;
    const enc = encode(record);
    data.push(enc);
    dataLen += enc.length;
    let node = root;
    const prefix = Number(bits);
    for (let depth = 0; depth < prefix; depth++) {
      const bit = ((ip[depth >> 3] ?? 0) >> (7 - (depth & 7))) & 1;
      if (depth === prefix - 1) node.kids[bit] = offset;
      else {
        const next = node.kids[bit];
        if (typeof next === 'object' && next !== null) node = next;
        else node = node.kids[bit] = { kids: [null, null] };
      }
    }
  }
  const nodes: Node[] = [];
  const number = new Map<Node, number>();
  const visit = (n: Node) => {
    number.set(n, nodes.length);
    nodes.push(n);
    for (const k of n.kids) if (typeof k === 'object' && k !== null) visit(k);
  };
  visit(root);
  const count = nodes.length;
  const tree = Buffer.alloc(count * 6);
  nodes.forEach((n, i) => {
    n.kids.forEach((k, side) => {
      const value = k === null ? count : typeof k === 'number' ? count + 16 + k : (number.get(k) ?? 0);
      tree.writeUIntBE(value, i * 6 + side * 3, 3);
    });
  });
  const metadata = Buffer.concat([
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from('MaxMind.com', 'ascii'),
    Buffer.concat([
      ctrl(7, 9),
      encode('node_count'), uint(6, count),
      encode('record_size'), uint(5, 24),
      encode('ip_version'), uint(5, 4),
      encode('database_type'), encode(databaseType),
      encode('languages'), ctrl(11, 0),
      encode('binary_format_major_version'), uint(5, 2),
      encode('binary_format_minor_version'), uint(5, 0),
      encode('build_epoch'), uint(9, Date.UTC(2026, 6, 29) / 1000),
      encode('description'), encode({ en: 'censorprobe test fixture' }),
    ]),
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...data, metadata]);
}
