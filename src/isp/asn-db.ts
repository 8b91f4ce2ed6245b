// What an ASN database answers, whichever file holds it (the shipped table in asn.ts, a MaxMind
// file in mmdb.ts): its own module, so that the two readers do not import each other.

export interface AsnInfo {
  asn: number;
  org: string;
}

/** What data answered: recorded in every report with its licence. */
export interface AsnDataInfo {
  format: 'censorprobe-asn' | 'mmdb';
  dataset: string;
  version: string;
  licence: string;
  file: string;
}

export interface AsnDb {
  readonly info: AsnDataInfo;
  lookup(ip: string): AsnInfo | null;
}
