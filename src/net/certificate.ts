// Certificate judging done by us rather than by Node's reject, so that an untrusted blockpage
// certificate is recorded instead of just failing the handshake.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { CertificateSummary } from '../observations.js';

export type CaOption = string | Buffer | ReadonlyArray<string | Buffer>;

let extraCaCache: string | null | undefined;

function extraCaCerts(): string | null {
  if (extraCaCache !== undefined) return extraCaCache;
  const file = process.env.NODE_EXTRA_CA_CERTS;
  try {
    extraCaCache = file ? readFileSync(file, 'utf8') : null;
  } catch {
    // Node itself only warns about an unreadable file; do the same by ignoring it.
    extraCaCache = null;
  }
  return extraCaCache;
}

/**
 * The CA list for tls.connect: undefined keeps Node's default store (Mozilla's + NODE_EXTRA_CA_CERTS).
 * An explicit `ca` would replace that store, so it is added to the default roots instead.
 */
export function trustStore(ca: CaOption | undefined): Array<string | Buffer> | undefined {
  if (ca === undefined) return undefined;
  const extra = extraCaCerts();
  const own = typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : [...ca];
  return [...tls.rootCertificates, ...(extra ? [extra] : []), ...own];
}

function distinguishedName(dn: Record<string, string | string[]> | undefined): string {
  if (!dn) return '';
  return Object.entries(dn)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function isoDate(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/** Names from subjectAltName (DNS and IP entries), else the subject CN. */
export function certificateNames(cert: tls.PeerCertificate): string[] {
  const names: string[] = [];
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const entry = part.trim();
    if (entry.startsWith('DNS:')) names.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) names.push(entry.slice(11));
  }
  if (names.length === 0) {
    const cn = cert.subject?.CN as string | string[] | undefined;
    if (typeof cn === 'string') names.push(cn);
    else if (Array.isArray(cn)) names.push(...cn);
  }
  return names;
}

export function summarizeCertificate(cert: tls.PeerCertificate): CertificateSummary | null {
  if (!cert || Object.keys(cert).length === 0) return null;
  return {
    subject: distinguishedName(cert.subject as unknown as Record<string, string | string[]>),
    issuer: distinguishedName(cert.issuer as unknown as Record<string, string | string[]>),
    names: certificateNames(cert),
    valid_from: isoDate(cert.valid_from),
    valid_to: isoDate(cert.valid_to),
    fingerprint256: cert.fingerprint256,
  };
}

/** Whether the leaf is valid for `serverName` (DNS name or IP literal), as a browser would judge. */
export function validForName(serverName: string, cert: tls.PeerCertificate): boolean {
  if (!cert || Object.keys(cert).length === 0) return false;
  return tls.checkServerIdentity(serverName, cert) === undefined;
}
