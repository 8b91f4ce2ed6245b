// What a handshake's peer certificate says, read from the socket once per distinct leaf. Node's
// getPeerCertificate(true) turns the whole chain into objects (three fingerprints, the public key,
// every name) and looks the chain's root up in the trust store: about 0.45 ms a call, against
// 0.1 ms for the leaf alone (Node's own call for its identity check is answered with the leaf too,
// see tls.ts). A whole-list run meets the same few CDN certificates thousands of times, so a leaf's
// chain is read in full once, and its summary and DER chain reused after that. The handshake itself stays real (no session is resumed) and everything that
// belongs to this handshake is still read from it: the leaf (hence the key), trust, the name check.
// The chain is taken as a function of the leaf, as the run's records already do (an entry keeps a
// leaf's chain once, the OONI export looks it up by the leaf's fingerprint).
import type tls from 'node:tls';
import type { CertificateSummary } from '../observations.js';
import { summarizeCertificate } from './certificate.js';

/** At most this many certificates of a chain are kept, each at most this big: a hostile peer's chain stays small. */
const MAX_CHAIN = 5;
const MAX_CERT_BYTES = 16 * 1024;
/** Distinct leaves kept per trust store; a hostile or huge list cannot grow the cache without bound. */
const MAX_LEAVES = 4096;

export interface PeerCertificates {
  /** The leaf as Node describes it (for the name check), or null when the peer sent none. */
  leaf: tls.PeerCertificate | null;
  summary: CertificateSummary | null;
  /** The chain as base64 DER, leaf first; empty without a certificate. */
  chain: string[];
}

interface Known {
  summary: CertificateSummary | null;
  chain: string[];
}

/** The peer's chain as base64 DER, leaf first (Node links each certificate to its issuer; a root links to itself). */
export function chainDer(leaf: tls.DetailedPeerCertificate): string[] {
  const out: string[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = leaf;
  const seen = new Set<tls.DetailedPeerCertificate>();
  while (cert && cert.raw && !seen.has(cert) && out.length < MAX_CHAIN) {
    seen.add(cert);
    if (cert.raw.length <= MAX_CERT_BYTES) out.push(cert.raw.toString('base64'));
    cert = cert.issuerCertificate;
  }
  return out;
}

/** Leaves already read in full, per trust store (the chain's root comes from the store). */
export class PeerCertificateCache {
  private readonly byStore = new WeakMap<object, Map<string, Known>>();
  /** Full reads of a chain (misses), for tests and profiles. */
  fullReads = 0;

  /**
   * `store`: the handshake's secure context, or any object standing for its trust store; `given`:
   * the leaf when the caller already read it from this socket.
   */
  read(socket: tls.TLSSocket, store: object, given?: tls.PeerCertificate): PeerCertificates {
    const leaf = given ?? socket.getPeerCertificate(false);
    if (!leaf || !leaf.raw) return { leaf: null, summary: null, chain: [] };
    let known = this.byStore.get(store);
    if (!known) {
      known = new Map();
      this.byStore.set(store, known);
    }
    const key = leaf.fingerprint256;
    let entry = known.get(key);
    if (!entry) {
      this.fullReads++;
      const full = socket.getPeerCertificate(true);
      entry = { summary: summarizeCertificate(full), chain: chainDer(full) };
      if (known.size >= MAX_LEAVES) known.clear();
      known.set(key, entry);
    }
    // Copies: observations are plain data a caller may change; the cache's own stay as read.
    return { leaf, summary: entry.summary && { ...entry.summary, names: [...entry.summary.names] }, chain: [...entry.chain] };
  }
}
