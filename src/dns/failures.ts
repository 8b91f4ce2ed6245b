// OONI failure strings (df-007-errors, probe-cli netxlite) produced by the DNS client, and the
// mapping of socket errors to them. Strings, not classes: failures are measurements, not exceptions.
import type { Failure } from '../observations.js';

export const DNS_FAILURE = {
  nxdomain: 'dns_nxdomain_error',
  refused: 'dns_refused_error',
  servfail: 'dns_servfail_error',
  noAnswer: 'dns_no_answer',
  /** Any other error rcode (FORMERR, NOTIMP, ...): netxlite's name for it. */
  misbehaving: 'dns_server_misbehaving',
  /** A reply that does not decode (truncated, compression loop, garbage). */
  parse: 'dns_reply_parse_error',
  /** A reply that is not ours: another ID or another question. It never decides the result. */
  wrongId: 'dns_reply_with_wrong_query_id',
  timeout: 'generic_timeout_error',
  eof: 'eof_error',
  interrupted: 'interrupted',
  /** DoH: the HTTP status was not 200 (OONI's string for an HTTP request that got an error status). */
  httpStatus: 'http_request_failed',
} as const;

const ERRNO_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_aborted',
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'network_unreachable',
  ETIMEDOUT: 'generic_timeout_error',
  EADDRNOTAVAIL: 'address_not_available',
  // undici's own codes
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CONNECT_TIMEOUT: 'generic_timeout_error',
  UND_ERR_HEADERS_TIMEOUT: 'generic_timeout_error',
  UND_ERR_BODY_TIMEOUT: 'generic_timeout_error',
  // TLS verification (Node's codes), as OONI names them
  DEPTH_ZERO_SELF_SIGNED_CERT: 'ssl_unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'ssl_unknown_authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'ssl_unknown_authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'ssl_invalid_hostname',
  CERT_HAS_EXPIRED: 'ssl_invalid_certificate',
  CERT_NOT_YET_VALID: 'ssl_invalid_certificate',
};

/** Maps a thrown socket/TLS/undici error to an OONI failure string, `unknown_failure: ...` otherwise. */
export function failureFromError(err: unknown): Failure {
  // undici wraps the socket error as `cause`; the innermost code is the informative one.
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in ERRNO_FAILURES) return ERRNO_FAILURES[code] ?? null;
    if (e.name === 'TimeoutError') return DNS_FAILURE.timeout;
    if (e.name === 'AbortError') return DNS_FAILURE.interrupted;
    e = e.cause;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `unknown_failure: ${message}`;
}
