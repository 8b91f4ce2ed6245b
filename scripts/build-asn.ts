// Compacts @ip-location-db/asn (CSV ranges, ~60 MB) into data/asn.bin.gz (a few MB), read by
// src/isp/asn.ts. Run at build time: `node --import tsx scripts/build-asn.ts [--from DIR] [--out FILE]`.
// Adjacent ranges of the same AS are merged and holes become explicit "no AS" rows, so a lookup is
// one binary search over the range starts. Format (all big-endian), gzip'd:
//   "CPASN001" | u32 n + JSON header | u32 n + n × (u32 asn, u16 len, org UTF-8)
//   | u32 n + n × u32 IPv4 start + n × u32 org index | u32 n + n × 16-byte IPv6 start + n × u32 org index
// An org index of 0xFFFFFFFF marks a hole.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { compareBytes, ipBytes } from '../src/ip.js';

export const ASN_MAGIC = 'CPASN001';
export const NO_AS = 0xffffffff;

interface Range {
  start: Uint8Array;
  end: Uint8Array;
  asn: number;
  org: string;
}

function increment(bytes: Uint8Array): Uint8Array | null {
  const out = Uint8Array.from(bytes);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i] = (out[i] ?? 0) + 1;
      return out;
    }
    out[i] = 0;
  }
  return null; // wrapped past the last address
}

function readRanges(file: string): Range[] {
  const rows = parse(readFileSync(file, 'utf8'), { relax_column_count: true }) as string[][];
  return rows.map(([start = '', end = '', asn = '', org = ''], i) => {
    const s = ipBytes(start);
    const e = ipBytes(end);
    if (s === null || e === null || !/^\d+$/.test(asn)) throw new Error(`${file}:${i + 1}: not a range row: ${start},${end},${asn}`);
    return { start: s, end: e, asn: Number(asn), org };
  });
}

/** Merged, hole-filled rows: `starts[i]` begins a run that lasts until `starts[i + 1]`. */
export function compactRanges(ranges: Range[], orgIndex: (asn: number, org: string) => number): { starts: Uint8Array[]; idx: number[] } {
  const starts: Uint8Array[] = [];
  const idx: number[] = [];
  let next: Uint8Array | null = null; // first address after the previous range
  for (const raw of ranges) {
    let r = raw;
    // The data set has a few overlapping rows (its README admits bugs): the earlier row keeps the
    // overlap, the later one starts after it; a row wholly inside the earlier one is dropped.
    if (next !== null && compareBytes(r.start, next) < 0) {
      if (compareBytes(r.end, next) < 0) continue;
      r = { ...r, start: next };
    }
    if (next !== null && compareBytes(r.start, next) > 0) {
      starts.push(next);
      idx.push(NO_AS);
    } else if (next === null && r.start.some((b) => b !== 0)) {
      starts.push(new Uint8Array(r.start.length));
      idx.push(NO_AS);
    }
    const i = orgIndex(r.asn, r.org);
    if (idx.at(-1) !== i || starts.length === 0) {
      starts.push(r.start);
      idx.push(i);
    }
    next = increment(r.end);
    if (next === null) break;
  }
  if (next !== null) {
    starts.push(next);
    idx.push(NO_AS);
  }
  return { starts, idx };
}

export function buildAsnTable(v4: Range[], v6: Range[], header: Record<string, unknown>): Buffer {
  const orgs: { asn: number; org: string }[] = [];
  const byKey = new Map<string, number>();
  const orgIndex = (asn: number, org: string) => {
    const key = `${asn}\u0000${org}`;
    let i = byKey.get(key);
    if (i === undefined) {
      i = orgs.length;
      orgs.push({ asn, org });
      byKey.set(key, i);
    }
    return i;
  };
  const t4 = compactRanges(v4, orgIndex);
  const t6 = compactRanges(v6, orgIndex);
  const parts: Buffer[] = [Buffer.from(ASN_MAGIC, 'ascii')];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  parts.push(u32(json.length), json, u32(orgs.length));
  for (const o of orgs) {
    const name = Buffer.from(o.org, 'utf8').subarray(0, 0xffff);
    const h = Buffer.alloc(6);
    h.writeUInt32BE(o.asn);
    h.writeUInt16BE(name.length, 4);
    parts.push(h, name);
  }
  for (const t of [t4, t6]) {
    parts.push(u32(t.starts.length), Buffer.concat(t.starts.map((s) => Buffer.from(s))));
    const idx = Buffer.alloc(4 * t.idx.length);
    t.idx.forEach((v, i) => idx.writeUInt32BE(v, i * 4));
    parts.push(idx);
  }
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const from = opt('--from') ?? join(root, 'node_modules', '@ip-location-db', 'asn');
  const out = opt('--out') ?? join(root, 'data', 'asn.bin.gz');
  const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as { name: string; version: string };
  const header = {
    dataset: pkg.name,
    version: pkg.version,
    licence: 'CC BY 4.0: RouteViews (routeviews.org), NRO (nro.net), DB-IP (db-ip.com); see data/ASN-LICENCE.md',
  };
  const table = buildAsnTable(readRanges(join(from, 'asn-ipv4.csv')), readRanges(join(from, 'asn-ipv6.csv')), header);
  writeFileSync(out, table);
  console.log(`wrote ${out}: ${(table.length / 1e6).toFixed(1)} MB from ${pkg.name}@${pkg.version}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
