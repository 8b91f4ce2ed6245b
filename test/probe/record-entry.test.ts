import { describe, expect, it } from 'vitest';
import type { TlsHandshake } from '../../src/observations.js';
import { compactCertificates } from '../../src/probe/record-entry.js';

function handshake(name: string, leaf: string, tags: TlsHandshake['tags']): TlsHandshake {
  return {
    address: '198.18.9.9:443', server_name: name, t0: 0.1, t: 0.2, failure: null, tls_version: 'TLSv1.3', negotiated_protocol: 'http/1.1',
    trusted: true, valid_for_name: true, verify_error: null,
    peer_certificate: { subject: 'CN=x', issuer: 'CN=ca', names: ['x'], valid_from: '2026-01-01T00:00:00.000Z', valid_to: '2027-01-01T00:00:00.000Z', fingerprint256: leaf },
    peer_certificates: [`${leaf}1`, `${leaf}2`], tags,
  };
}

describe('compactCertificates', () => {
  it('keeps a certificate chain once per entry in measurements.jsonl', () => {
    const keys = { queries: [], tcp_connect: [], tls_handshakes: [handshake('a', 'X', ['direct']), handshake('b', 'X', ['swap-innocuous']), handshake('c', 'Y', ['direct'])], requests: [], control: null, control_failure: null };
    const shared = keys.tls_handshakes[1]!;
    compactCertificates(keys);
    expect(keys.tls_handshakes.map((h) => h.peer_certificates ?? null)).toEqual([['X1', 'X2'], null, ['Y1', 'Y2']]);
    // Observations shared with other entries are never changed in place.
    expect(shared.peer_certificates).toEqual(['X1', 'X2']);
  });

  it('leaves a handshake without a leaf fingerprint alone', () => {
    const bare = { ...handshake('a', 'X', ['direct']), peer_certificate: null };
    const keys = { queries: [], tcp_connect: [], tls_handshakes: [bare, { ...bare }], requests: [], control: null, control_failure: null };
    compactCertificates(keys);
    expect(keys.tls_handshakes.map((h) => h.peer_certificates)).toEqual([['X1', 'X2'], ['X1', 'X2']]);
  });
});
