import { describe, expect, it } from 'vitest';
import { ControlRequestError } from '../../src/control/errors.js';
import { isControlResponse, parseControlBatch, parseControlRequest } from '../../src/control/protocol.js';

describe('parseControlRequest', () => {
  it('normalises the URL, drops credentials and duplicate addresses', () => {
    expect(parseControlRequest({ url: 'http://user:pw@Site.Test/a?b', addrs: ['1.2.3.4', '1.2.3.4', '::1'] })).toEqual({
      url: 'http://site.test/a?b',
      addrs: ['1.2.3.4', '::1'],
    });
    expect(parseControlRequest({ url: 'https://x.test' })).toEqual({ url: 'https://x.test/', addrs: [] });
  });

  it.each([
    ['not an object', 'x'],
    ['no url', { addrs: [] }],
    ['bad url', { url: 'not a url' }],
    ['ftp', { url: 'ftp://x.test/' }],
    ['file', { url: 'file:///etc/passwd' }],
    ['addrs not IPs', { url: 'http://x.test/', addrs: ['x.test'] }],
    ['scoped addr', { url: 'http://x.test/', addrs: ['fe80::1%eth0'] }],
    ['17 addrs', { url: 'http://x.test/', addrs: Array.from({ length: 17 }, (_, i) => `1.1.1.${i}`) }],
  ])('rejects %s with a 400', (_name, value) => {
    let error: unknown;
    try {
      parseControlRequest(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ControlRequestError);
    expect((error as ControlRequestError).status).toBe(400);
  });

  it('bounds batches to 1..32 requests', () => {
    const one = { url: 'http://x.test/', addrs: [] };
    expect(parseControlBatch({ requests: Array.from({ length: 32 }, () => one) })).toHaveLength(32);
    expect(() => parseControlBatch({ requests: Array.from({ length: 33 }, () => one) })).toThrow(ControlRequestError);
    expect(() => parseControlBatch({ requests: [] })).toThrow(ControlRequestError);
    expect(() => parseControlBatch([one])).toThrow(ControlRequestError);
  });
});

describe('isControlResponse', () => {
  const good = {
    dns: { failure: null, addrs: ['1.2.3.4'] },
    tcp_connect: { '1.2.3.4:443': { status: true, failure: null } },
    tls_handshake: { '1.2.3.4:443': { server_name: 'x.test', status: true, failure: null } },
    http_request: { failure: null, status_code: 200, title: 't', body_length: 3, body_sha256: 'ab', headers: { a: 'b' } },
  };

  it('accepts the documented shape and rejects others', () => {
    expect(isControlResponse(good)).toBe(true);
    expect(isControlResponse({ ...good, dns: { failure: 3, addrs: [] } })).toBe(false);
    expect(isControlResponse({ ...good, tcp_connect: { x: { status: 'yes', failure: null } } })).toBe(false);
    expect(isControlResponse({ ...good, http_request: { ...good.http_request, headers: { a: 1 } } })).toBe(false);
    expect(isControlResponse(null)).toBe(false);
  });
});
