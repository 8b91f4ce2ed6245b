// `--asn-db FILE`: a MaxMind-format (MMDB) ASN database, e.g. GeoLite2-ASN or ip-location-db's
// asn-mmdb. Both name the fields as GeoLite2-ASN does.
import { readFileSync } from 'node:fs';
import { Reader, type AsnResponse } from 'mmdb-lib';
import type { AsnDb, AsnInfo } from './asn-db.js';
import { AsnDataError } from './errors.js';

// Fields may be missing in databases other than MaxMind's own.
type AsnRecord = Partial<AsnResponse>;

export function openMmdbAsn(file: string): AsnDb {
  let reader: Reader<AsnRecord>;
  try {
    reader = new Reader<AsnRecord>(readFileSync(file));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new AsnDataError(`--asn-db ${file}: not a readable MaxMind database (${why})`, { cause: err });
  }
  const m = reader.metadata;
  return {
    info: {
      format: 'mmdb',
      dataset: m.databaseType,
      version: m.buildEpoch.toISOString().slice(0, 10),
      licence: 'see the licence of the --asn-db file (GeoLite2: MaxMind GeoLite2 EULA)',
      file,
    },
    lookup(ip: string): AsnInfo | null {
      let rec: AsnRecord | null;
      try {
        rec = reader.get(ip);
      } catch {
        return null; // not an address, or IPv6 asked of an IPv4-only database
      }
      if (rec === null || typeof rec.autonomous_system_number !== 'number') return null;
      return { asn: rec.autonomous_system_number, org: rec.autonomous_system_organization ?? '' };
    },
  };
}
