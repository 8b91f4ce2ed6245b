import { describe, expect, it } from 'vitest';
import { FAILURE, certificateFailure, classifyError } from '../../src/net/failure.js';
import { StepTimeoutError } from '../../src/net/errors.js';

function sysErr(code: string, syscall?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${syscall ?? ''} ${code}`);
  e.code = code;
  if (syscall) e.syscall = syscall;
  return e;
}

describe('classifyError', () => {
  it('maps socket errno codes to OONI strings', () => {
    expect(classifyError(sysErr('ECONNREFUSED', 'connect'))).toBe('connection_refused');
    expect(classifyError(sysErr('EHOSTUNREACH', 'connect'))).toBe('host_unreachable');
    expect(classifyError(sysErr('ENETUNREACH', 'connect'))).toBe('network_unreachable');
    expect(classifyError(sysErr('ETIMEDOUT', 'connect'))).toBe('generic_timeout_error');
  });

  it('tells a reset mid-stream from a silent close', () => {
    expect(classifyError(sysErr('ECONNRESET', 'read'))).toBe('connection_reset');
    // Node's "socket disconnected before secure TLS connection was established" has no syscall.
    expect(classifyError(sysErr('ECONNRESET'))).toBe('eof_error');
  });

  it('maps our timer and undici timeouts to generic_timeout_error', () => {
    expect(classifyError(new StepTimeoutError('t'))).toBe(FAILURE.timeout);
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(FAILURE.timeout);
  });

  it('maps certificate codes', () => {
    expect(certificateFailure('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('ssl_invalid_hostname');
    for (const c of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
      expect(certificateFailure(c)).toBe('ssl_unknown_authority');
    }
    expect(certificateFailure('CERT_HAS_EXPIRED')).toBe('ssl_invalid_certificate');
    expect(classifyError(Object.assign(new Error('x'), { code: 'CERT_NOT_YET_VALID' }))).toBe('ssl_invalid_certificate');
  });

  it('keeps llhttp codes and falls back to unknown_failure with the message', () => {
    expect(classifyError(Object.assign(new Error('bad'), { code: 'HPE_INVALID_CONSTANT' }))).toBe(
      'unknown_failure: malformed HTTP response (HPE_INVALID_CONSTANT)',
    );
    const undiciStyle = Object.assign(new Error('Response does not match the HTTP/1.1 protocol (Invalid status code)'), {
      name: 'HTTPParserError',
    });
    expect(classifyError(undiciStyle)).toBe('unknown_failure: malformed HTTP response (Invalid status code)');
    expect(classifyError(new Error('something odd'))).toBe('unknown_failure: something odd');
    expect(classifyError('plain string')).toBe('unknown_failure: plain string');
  });

  it('looks into undici socket errors for the cause', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: sysErr('ECONNRESET', 'read') });
    expect(classifyError(reset)).toBe('connection_reset');
    expect(classifyError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe('eof_error');
  });
});
