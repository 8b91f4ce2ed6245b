import { describe, expect, it } from 'vitest';
import { normaliseUrl } from '../../src/lists/normalise.js';

function ok(input: string) {
  const r = normaliseUrl(input);
  if (!r.ok) throw new Error(`expected ${input} to be valid, got: ${r.reason}`);
  return r.value;
}
function reason(input: string): string {
  const r = normaliseUrl(input);
  if (r.ok) throw new Error(`expected ${input} to be rejected, got ${r.value.url}`);
  return r.reason;
}

describe('normaliseUrl', () => {
  it('adds http:// to a bare domain', () => {
    expect(ok('casino.com')).toEqual({
      url: 'http://casino.com/', scheme: 'http', host: 'casino.com', host_unicode: 'casino.com', port: null, path: '/', is_ip: false,
    });
  });

  it('converts IDNs to punycode and keeps the Unicode form', () => {
    expect(ok('22bet.ελ')).toMatchObject({ url: 'http://22bet.xn--qxam/', host: '22bet.xn--qxam', host_unicode: '22bet.ελ' });
    expect(ok('1xbet.在线')).toMatchObject({ host: '1xbet.xn--3ds443g', host_unicode: '1xbet.在线' });
    expect(ok('https://ΚΑΖΙΝΟ.ελ/')).toMatchObject({ host: 'xn--mxakjbsm.xn--qxam', host_unicode: 'καζινο.ελ', scheme: 'https' });
  });

  it('keeps an explicit port, even the default one', () => {
    expect(ok('lobby.slotocash.im:2572')).toMatchObject({ url: 'http://lobby.slotocash.im:2572/', port: 2572 });
    expect(ok('http://a.example.com:80/')).toMatchObject({ port: 80, url: 'http://a.example.com:80/' });
  });

  it('keeps path and query, drops the fragment, lower-cases scheme and host only', () => {
    expect(ok('HTTP://WWW.BetVictor.com/En/Sport?x=1#top')).toMatchObject({
      url: 'http://www.betvictor.com/En/Sport?x=1', path: '/En/Sport?x=1', host: 'www.betvictor.com',
    });
    expect(ok('tatts.com/goldencasket').path).toBe('/goldencasket');
  });

  it('reads IP literals as IP targets, IPv6 without brackets in host', () => {
    expect(ok('184.168.126.69')).toMatchObject({ host: '184.168.126.69', is_ip: true, url: 'http://184.168.126.69/' });
    expect(ok('http://[2001:db8::1]:8080/x')).toMatchObject({ host: '2001:db8::1', is_ip: true, port: 8080, url: 'http://[2001:db8::1]:8080/x' });
  });

  it('strips surrounding whitespace and BOMs', () => {
    expect(ok('\uFEFF casino.com \t').url).toBe('http://casino.com/');
  });

  it.each([
    ['', 'empty URL'],
    ['ftp://casino.com/', 'unsupported scheme "ftp"'],
    ['javascript:alert(1)', 'unsupported scheme "javascript"'],
    ['http:/casino.com', 'bad URL: scheme not followed by //'],
    ['http:///path', 'empty host'],
    ['http://bad host.com/', 'bad URL: whitespace inside'],
    ['casino.com:99999', 'bad port "99999"'],
    ['casino.com:', 'bad port ""'],
    ['http://user@casino.com/', 'bad URL: user name or password in the URL'],
    ['a..b.com', 'empty label in host "a..b.com"'],
    ['foo,com', 'bad character in host "foo,com"'],
    ['*.casino.com', 'bad character in host "*.casino.com"'],
    ['localhost', 'host "localhost" is not a domain name (no dot)'],
    ['1.2.3', 'bad URL: "1.2.3" is not a dotted-quad IPv4 address'],
  ])('rejects %j', (input, why) => {
    expect(reason(input)).toBe(why);
  });

  it('rejects labels over 63 octets and names over 253, counting punycode octets', () => {
    expect(ok(`${'a'.repeat(63)}.com`).host).toHaveLength(67);
    expect(reason(`${'a'.repeat(64)}.com`)).toMatch(/^over-long label \(64 octets, max 63\)/);
    // 30 Greek letters become a punycode label longer than 63 octets.
    expect(reason(`${'α'.repeat(60)}.com`)).toMatch(/^over-long label/);
    const long = Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.');
    expect(reason(`${long}.com`)).toMatch(/^host name longer than 253 octets/);
  });
});
