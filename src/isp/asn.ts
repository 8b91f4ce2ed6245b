// Offline ASN lookup: which network an address belongs to, from data shipped with the package
// (data/asn.bin.gz, compacted from @ip-location-db/asn by scripts/build-asn.ts) or from a
// MaxMind-format file given with `--asn-db`. Never asks the network: the volunteer's address and
// the addresses the ISP's resolver gave must not leave the machine for a lookup.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { AsnDataError } from './errors.js';
import { ipBytes } from '../ip.js';
import type { AsnDataInfo, AsnDb, AsnInfo } from './asn-db.js';
import { openMmdbAsn } from './mmdb.js';

export const defaultAsnTable = fileURLToPath(new URL('../../data/asn.bin.gz', import.meta.url));
const MAGIC = 'CPASN001';
const NO_AS = 0xffffffff;

/** Index of the last start <= key (starts sorted ascending), -1 when key is before all. */
function lastAtOrBefore(count: number, cmp: (i: number) => number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(mid) <= 0) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Reads the compacted table written by scripts/build-asn.ts. */
export function openAsnTable(file: string = defaultAsnTable): AsnDb {
  let raw: Buffer;
  try {
    raw = gunzipSync(readFileSync(file));
  } catch (err) {
    throw new AsnDataError(`${file}: cannot read the ASN table (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      hint: 'rebuild it with `node --import tsx scripts/build-asn.ts`, or give a MaxMind ASN database with --asn-db',
      cause: err,
    });
  }
  if (raw.subarray(0, 8).toString('ascii') !== MAGIC) throw new AsnDataError(`${file}: not a censorprobe ASN table`);
  let pos = 8;
  const u32 = () => {
    const v = raw.readUInt32BE(pos);
    pos += 4;
    return v;
  };
  const headerLen = u32();
  const header = JSON.parse(raw.subarray(pos, pos + headerLen).toString('utf8')) as { dataset: string; version: string; licence: string };
  pos += headerLen;
  const orgCount = u32();
  const orgs: AsnInfo[] = new Array(orgCount);
  for (let i = 0; i < orgCount; i++) {
    const asn = u32();
    const len = raw.readUInt16BE(pos);
    pos += 2;
    orgs[i] = { asn, org: raw.subarray(pos, pos + len).toString('utf8') };
    pos += len;
  }
  const table = (width: number) => {
    const n = u32();
    const starts = raw.subarray(pos, pos + n * width);
    pos += n * width;
    const idx = raw.subarray(pos, pos + n * 4);
    pos += n * 4;
    return { n, starts, idx };
  };
  const v4 = table(4);
  const v6 = table(16);
  if (pos !== raw.length) throw new AsnDataError(`${file}: ASN table has ${raw.length - pos} unexpected trailing bytes`);

  const find = (t: { n: number; starts: Buffer; idx: Buffer }, key: Uint8Array): AsnInfo | null => {
    const w = key.length;
    const i = lastAtOrBefore(t.n, (j) => Buffer.compare(t.starts.subarray(j * w, j * w + w), key));
    if (i < 0) return null;
    const o = t.idx.readUInt32BE(i * 4);
    return o === NO_AS ? null : (orgs[o] ?? null);
  };
  return {
    info: { format: 'censorprobe-asn', dataset: header.dataset, version: header.version, licence: header.licence, file },
    lookup(ip: string): AsnInfo | null {
      const key = ipBytes(ip);
      if (key === null) return null;
      if (key.length === 4) return find(v4, key);
      // IPv4-mapped IPv6 (::ffff:a.b.c.d) is an IPv4 address.
      if (key.subarray(0, 10).every((b) => b === 0) && key[10] === 0xff && key[11] === 0xff) return find(v4, key.subarray(12));
      return find(v6, key);
    },
  };
}

/** The shipped table, or a MaxMind-format database when `asnDb` names one. */
export function openAsnDb(options: { asnDb?: string } = {}): AsnDb {
  return options.asnDb === undefined ? openAsnTable() : openMmdbAsn(options.asnDb);
}

let shipped: AsnDb | null = null;
const defaultDb = () => (shipped ??= openAsnTable());

/** ASN of an address from the shipped data (loaded on first use), or null when none is known. */
export function asnOf(ip: string): AsnInfo | null {
  return defaultDb().lookup(ip);
}

/** The shipped data set's name, version and licence, for the report. */
export function asnDataInfo(): AsnDataInfo {
  return defaultDb().info;
}
