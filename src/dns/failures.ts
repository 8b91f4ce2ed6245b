// OONI failure strings (df-007-errors, probe-cli netxlite) produced by the DNS client, and the
// mapping of socket errors to them. Strings, not classes: failures are measurements, not exceptions.
import { classifyError } from '../net/failure.js';
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

/**
 * Maps a thrown socket/TLS/undici error to an OONI failure string: the one classifier the network
 * steps use (src/net/failure.ts), plus the DNS client's own timer and cancellation signals.
 */
export function failureFromError(err: unknown): Failure {
  for (let e: unknown = err, depth = 0; depth < 4 && e instanceof Error; depth++, e = e.cause) {
    if (e.name === 'TimeoutError') return DNS_FAILURE.timeout;
    if (e.name === 'AbortError') return DNS_FAILURE.interrupted;
  }
  return classifyError(err);
}
