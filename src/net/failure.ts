// Node and undici errors → OONI failure strings (ooni/spec data-formats/df-007-errors.md, and
// probe-cli's netxlite classifier). The analysis matches on these strings, so they must be stable.
import type { Failure } from '../observations.js';

export const FAILURE = {
  connectionRefused: 'connection_refused',
  connectionReset: 'connection_reset',
  connectionAborted: 'connection_aborted',
  timeout: 'generic_timeout_error',
  hostUnreachable: 'host_unreachable',
  networkUnreachable: 'network_unreachable',
  networkDown: 'network_down',
  eof: 'eof_error',
  sslInvalidHostname: 'ssl_invalid_hostname',
  sslUnknownAuthority: 'ssl_unknown_authority',
  sslInvalidCertificate: 'ssl_invalid_certificate',
  sslFailedHandshake: 'ssl_failed_handshake',
  dnsNxdomain: 'dns_nxdomain_error',
  dnsNoAnswer: 'dns_no_answer',
  dnsServfail: 'dns_servfail_error',
  dnsRefused: 'dns_refused_error',
} as const;

// Certificate chain problems where the issuer is not known to us: a blockpage's self-signed
// certificate lands here, which is why it gets its own string.
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

// Every other certificate verification code Node reports (tls docs, "X509 certificate error codes").
const INVALID_CERTIFICATE = new Set([
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'OUT_OF_MEM',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** The OONI string for a certificate verification code (Node's `authorizationError`). */
export function certificateFailure(code: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return FAILURE.sslInvalidHostname;
  if (UNKNOWN_AUTHORITY.has(code)) return FAILURE.sslUnknownAuthority;
  if (INVALID_CERTIFICATE.has(code)) return FAILURE.sslInvalidCertificate;
  return FAILURE.sslInvalidCertificate;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  cause?: unknown;
  library?: unknown;
}

function fields(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : {};
}

function messageOf(err: unknown): string {
  const m = fields(err).message;
  return typeof m === 'string' && m !== '' ? m : String(err);
}

/** Maps any error a step can meet to an OONI failure string (never null). */
export function classifyError(err: unknown): string {
  const { code, syscall, cause, library } = fields(err);
  const c = typeof code === 'string' ? code : '';
  switch (c) {
    case 'CP_NET_TIMEOUT':
    case 'ETIMEDOUT':
    case 'ETIMEOUT': // node:dns spelling
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ABORT_ERR':
      return FAILURE.timeout;
    case 'CP_NET_EOF':
      return FAILURE.eof;
    case 'ECONNREFUSED':
      return FAILURE.connectionRefused;
    case 'ECONNRESET':
      // A real RST arrives through a syscall (read/write). Node raises a syscall-less ECONNRESET
      // ("socket disconnected before secure TLS connection", "socket hang up") on a plain close.
      return typeof syscall === 'string' ? FAILURE.connectionReset : FAILURE.eof;
    case 'EPIPE':
      return FAILURE.connectionReset;
    case 'ECONNABORTED':
      return FAILURE.connectionAborted;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return FAILURE.hostUnreachable;
    case 'ENETUNREACH':
      return FAILURE.networkUnreachable;
    case 'ENETDOWN':
      return FAILURE.networkDown;
    case 'ENOTFOUND':
      return FAILURE.dnsNxdomain;
    case 'ENODATA':
      return FAILURE.dnsNoAnswer;
    case 'ESERVFAIL':
      return FAILURE.dnsServfail;
    case 'EREFUSED':
      return FAILURE.dnsRefused;
    case 'UND_ERR_SOCKET':
      // undici's "other side closed": the peer's close is in the cause when it was a reset.
      if (cause !== undefined && cause !== null && fields(cause).code !== undefined) return classifyError(cause);
      return FAILURE.eof;
    case 'UND_ERR_HEADERS_OVERFLOW':
      return 'unknown_failure: HTTP response headers too large';
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return FAILURE.eof;
  }
  if (c.startsWith('HPE_') || fields(err).name === 'HTTPParserError') {
    // llhttp refused the response (garbage status line, bad header...): keep the parser's reason,
    // since an injected or mangled response is itself evidence. undici 7 loses the HPE_ code, so
    // the reason comes from the message's parenthesis then.
    const reason = c || /\(([^()]*)\)$/.exec(messageOf(err))?.[1] || messageOf(err);
    return `unknown_failure: malformed HTTP response (${reason})`;
  }
  if (c === 'ERR_TLS_CERT_ALTNAME_INVALID' || UNKNOWN_AUTHORITY.has(c) || INVALID_CERTIFICATE.has(c)) {
    return certificateFailure(c);
  }
  if (c.startsWith('ERR_SSL_') || library === 'SSL routines') return FAILURE.sslFailedHandshake;
  return `unknown_failure: ${messageOf(err)}`;
}

