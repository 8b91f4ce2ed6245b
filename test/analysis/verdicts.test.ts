// Verdicts that hold on real lines: pages nobody fingerprinted, sites that refuse Greece
// themselves, sites broken everywhere, malformed DNS, and every reason sentence word for word.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { comparePages, judgePage, type PageView } from '../../src/analysis/pages.js';
import type { ControlResponse, HttpRequest, TestKeys } from '../../src/observations.js';
import { HOST, TRUE_IP, context, control, dnsReply, http, keys, target, tcp, tlsStep, truth } from './build.js';

const okIsp = () => dnsReply('isp', { addrs: [TRUE_IP] });
const SITE_BODY = `<html><head><title>Site</title></head><body>${'casino '.repeat(200)}</body></html>`;
const ISP_BODY = '<html><head><title>Access restricted</title></head><body>This site is not available.</body></html>';

function withBody(r: HttpRequest, body: string, title: string, headers: Record<string, string> = {}): HttpRequest {
  r.response = { ...r.response!, body, body_length: body.length, body_sha256: `sha-${body.length}-${title}`, title, headers: { ...r.response!.headers, ...headers } };
  return r;
}

const siteControl = (over: Partial<ControlResponse['http_request']> = {}) =>
  control({ http_request: { failure: null, status_code: 200, title: 'Site', body_length: SITE_BODY.length, body_sha256: 'c', headers: { 'x-site': '1' }, final_url: `http://${HOST}/`, ...over } });

/** The swap test's steps on both ports, with the pages given for the real name. */
function steps(o: { http80?: HttpRequest | null; https443?: HttpRequest | null; path?: HttpRequest; cert?: { trusted?: boolean; valid?: boolean }; tlsFailure?: string | null }): Partial<TestKeys> {
  const requests: HttpRequest[] = [http(TRUE_IP, 'www.example.com', { code: 404, title: 'Not found' }, ['swap-innocuous'])];
  if (o.http80 !== null) requests.push(o.http80 ?? withBody(http(TRUE_IP, HOST, {}, ['direct']), SITE_BODY, 'Site', { 'x-site': '1' }));
  if (o.https443 !== null) requests.push(o.https443 ?? withBody(http(TRUE_IP, HOST, { scheme: 'https' }, ['direct']), SITE_BODY, 'Site', { 'x-site': '1' }));
  if (o.path) requests.push(o.path);
  return {
    tcp_connect: [tcp(TRUE_IP, 80, null, ['swap-innocuous']), tcp(TRUE_IP, 80, null, ['direct']), tcp(TRUE_IP, 443, null, ['swap-innocuous']), tcp(TRUE_IP, 443, null, ['direct'])],
    tls_handshakes: [tlsStep(TRUE_IP, 'www.example.com', null, ['swap-innocuous'], { valid: false }), tlsStep(TRUE_IP, HOST, o.tlsFailure ?? null, ['direct'], o.cert ?? {})],
    requests,
  };
}

const judge = (k: Partial<TestKeys>, t = target()) => analyze({ target: t, test_keys: keys({ queries: [okIsp(), truth()], ...k }), context });

describe('page comparison (OONI http-diff rules)', () => {
  const page = (o: Partial<PageView>): PageView => ({ code: 200, title: 'Site', body_length: 1000, body_sha256: null, headers: {}, url: `http://${HOST}/`, ...o });
  it('another status class is another page', () => {
    expect(comparePages(page({ code: 403 }), page({})).same).toBe(false);
  });
  it('one of title, body length (> 0.7) or distinctive headers agreeing makes the same page', () => {
    expect(comparePages(page({ title: 'Other', body_length: 900 }), page({})).same).toBe(true);
    expect(comparePages(page({ body_length: 10 }), page({})).same).toBe(true);
    expect(comparePages(page({ title: 'Other', body_length: 10, headers: { 'x-site': '1' } }), page({ headers: { 'x-site': '2' } })).same).toBe(true);
    expect(comparePages(page({ title: 'Other', body_length: 10, headers: { server: 'nginx' } }), page({ headers: { server: 'nginx' } })).same).toBe(false);
  });
  it('a redirect to the same site is the site', () => {
    const r = http(TRUE_IP, HOST, { code: 301, location: `https://www.${HOST}/` }, ['direct']);
    expect(judgePage(r, HOST, `http://${HOST}/`, keys()).kind).toBe('site');
  });
  it('a page differing from the only reference is unproven, not foreign', () => {
    const r = withBody(http(TRUE_IP, HOST, {}, ['direct']), ISP_BODY, 'Access restricted');
    const j = judgePage(r, HOST, `http://${HOST}/`, keys({ control: siteControl() }));
    expect(j.kind).toBe('differs');
  });
});

describe('unknown blockpages on plain HTTP', () => {
  for (const code of [200, 403]) {
    it(`a Host-triggered unknown page (${code}) that differs from the control's and the HTTPS page → dpi/host`, () => {
      const r = judge({ ...steps({ http80: withBody(http(TRUE_IP, HOST, { code }, ['direct']), ISP_BODY, 'Access restricted') }), control: siteControl() });
      expect(r.verdict).toBe('dpi');
      expect(r.layers.dpi?.kind).toBe('host');
      expect(r.layers.dpi?.fingerprint).toBeUndefined();
      expect(r.reason).toBe(
        `an HTTP request to ${TRUE_IP}:80 with Host: ${HOST} got a page that is not the site's (status ${code}): the site's HTTPS page from the same address (certificate valid for the name) differs (status ${code} vs 200, title "Access restricted" vs "Site", ${ISP_BODY.length} vs ${SITE_BODY.length} bytes); the page the control gets abroad differs (status ${code} vs 200, title "Access restricted" vs "Site", ${ISP_BODY.length} vs ${SITE_BODY.length} bytes)`,
      );
    });
  }

  it('a path-only unknown page while the front page is the site → url/path', () => {
    const t = target({ url: `http://${HOST}/casino/live`, path: '/casino/live' });
    const path = withBody(http(TRUE_IP, HOST, { path: '/casino/live' }, ['path']), ISP_BODY, 'Access restricted');
    const r = judge({ ...steps({ path }), control: siteControl({ final_url: `http://${HOST}/casino/live` }) }, t);
    expect(r.verdict).toBe('url');
    expect(r.reason).toMatch(/^requesting the listed path \/casino\/live from 198\.18\.16\.10:80 got a page that is not the site's \(status 200\): the page the control gets abroad differs/);
  });

  it('the same unknown page without a control is inconclusive, and says the control was not asked', () => {
    const r = judge(steps({ http80: withBody(http(TRUE_IP, HOST, {}, ['direct']), ISP_BODY, 'Access restricted') }));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe(
      `http://${HOST}/ over HTTP from ${TRUE_IP}:80 answers 200 ("Access restricted"), and the site's HTTPS page from the same address (certificate valid for the name) differs (status 200 vs 200, title "Access restricted" vs "Site", ${ISP_BODY.length} vs ${SITE_BODY.length} bytes): whose page it is cannot be proven over plain HTTP, and the control was not asked, so a broken site cannot be told from interference`,
    );
  });
});

describe('geoblock: the site refuses this network itself', () => {
  const refusal = (code: number, title: string, extra: { location?: string } = {}) => {
    const body = `<html><head><title>${title}</title></head><body>Not available in your country.</body></html>`;
    return {
      http80: withBody(http(TRUE_IP, HOST, { code, ...extra }, ['direct']), body, title, { 'x-site': '1' }),
      https443: withBody(http(TRUE_IP, HOST, { code, scheme: 'https', ...extra }, ['direct']), body, title, { 'x-site': '1' }),
    };
  };
  for (const [code, title] of [[403, 'Forbidden'], [451, 'Unavailable For Legal Reasons']] as const) {
    it(`${code} over HTTPS with a valid certificate while the control gets the site → geoblock`, () => {
      const r = judge({ ...steps(refusal(code, title)), control: siteControl() });
      expect(r.verdict).toBe('geoblock');
      expect(r.layers).toEqual({ dns: null, ip: null, dpi: null, url: null });
      expect(r.geoblock?.kind).toBe('status');
      expect(r.reason).toBe(
        `over HTTPS from the site's own address ${TRUE_IP}:443, with a certificate valid for ${HOST}, the site answers ${code} ("${title}") while the control abroad gets the page (status 200, title "Site")`,
      );
    });
  }

  it('a redirect to its own "restricted" page, where the control is not redirected → geoblock', () => {
    const t = target({ url: `https://${HOST}/`, scheme: 'https' });
    const r = judge({ ...steps(refusal(302, '', { location: `https://${HOST}/restricted` })), control: siteControl({ final_url: `https://${HOST}/` }) }, t);
    expect(r.verdict).toBe('geoblock');
    expect(r.reason).toBe(
      `over HTTPS from the site's own address ${TRUE_IP}:443, with a certificate valid for ${HOST}, the site redirects to https://${HOST}/restricted while the control abroad gets the page (status 200, title "Site") at the listed URL without a redirect`,
    );
  });

  it('a redirect the control follows too is the site working, not a refusal', () => {
    const t = target({ url: `https://${HOST}/`, scheme: 'https' });
    const r = judge({ ...steps(refusal(302, '', { location: `https://${HOST}/en/` })), control: siteControl({ final_url: `https://${HOST}/en/` }) }, t);
    expect(r.verdict).toBe('ok');
  });

  it('a refusal with an untrusted certificate proves nothing: not geoblock', () => {
    const r = judge({ ...steps({ ...refusal(403, 'Forbidden'), cert: { trusted: false } }), control: siteControl() });
    expect(r.verdict).not.toBe('geoblock');
  });

  it('a refusal seen over plain HTTP only (no HTTPS) is inconclusive', () => {
    const body = '<html><head><title>Forbidden</title></head><body>Not available in your country.</body></html>';
    const k = steps({ http80: withBody(http(TRUE_IP, HOST, { code: 403 }, ['direct']), body, 'Forbidden'), https443: null, tlsFailure: 'connection_refused' });
    k.tcp_connect = k.tcp_connect!.filter((c) => c.port === 80);
    k.tls_handshakes = [];
    const r = judge({ ...k, control: siteControl() });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe(
      `http://${HOST}/ over HTTP from ${TRUE_IP}:80 answers 403 ("Forbidden"), and the page the control gets abroad differs (status 403 vs 200, title "Forbidden" vs "Site", ${body.length} vs ${SITE_BODY.length} bytes): whose page it is cannot be proven over plain HTTP; the control abroad gets status 200`,
    );
  });
});

describe('ok only when a user here gets the site', () => {
  const https = target({ url: `https://${HOST}/`, scheme: 'https' });
  const broken = (failure: string) => ({ failure, status_code: -1, title: '', body_length: -1, body_sha256: '', headers: {} });

  it('ok names the fetch that counted', () => {
    const r = judge(steps({}));
    expect(r.verdict).toBe('ok');
    expect(r.reason).toBe(`http://${HOST}/ answers 200 over HTTP from ${TRUE_IP}:80: the same page as the site's HTTPS page from the same address (certificate valid for the name)`);
    const s = judge(steps({}), https);
    expect(s.reason).toBe(`https://${HOST}/ answers 200 over HTTPS from ${TRUE_IP}:443 with a certificate valid for ${HOST}`);
  });

  it('garbage instead of HTTP, where the control fails too → down', () => {
    const k = steps({ https443: http(TRUE_IP, HOST, { scheme: 'https', failure: 'unknown_failure: HPE_INVALID_CONSTANT' }, ['direct']) });
    const r = judge({ ...k, control: control({ http_request: broken('unknown_failure: HPE_INVALID_CONSTANT') }) }, https);
    expect(r.verdict).toBe('down');
    expect(r.reason).toBe(`fetching https://${HOST}/ over HTTPS from ${TRUE_IP}:443 failed (unknown_failure: HPE_INVALID_CONSTANT); the control's fetch of https://${HOST}/ fails abroad too (unknown_failure: HPE_INVALID_CONSTANT)`);
  });

  it('a stall, where the control times out too → down', () => {
    const k = steps({ https443: http(TRUE_IP, HOST, { scheme: 'https', failure: 'generic_timeout_error' }, ['direct']) });
    const r = judge({ ...k, control: control({ http_request: broken('generic_timeout_error') }) }, https);
    expect(r.verdict).toBe('down');
    expect(r.reason).toMatch(/got no answer \(timed out\); the control's fetch .* fails abroad too \(generic_timeout_error\)$/);
  });

  it('a broken chunked body → down, never ok', () => {
    const bad = http(TRUE_IP, HOST, { scheme: 'https' }, ['direct']);
    bad.failure = 'unknown_failure: invalid chunked body';
    const r = judge({ ...steps({ https443: bad }), control: control({ http_request: broken('unknown_failure: invalid chunked body') }) }, https);
    expect(r.verdict).toBe('down');
    expect(r.reason).toMatch(/^the answer to https:\/\/bet365\.com\/ over HTTPS from 198\.18\.16\.10:443 broke off \(unknown_failure: invalid chunked body\) after status 200/);
  });

  it('a redirect loop the control never gets out of → down', () => {
    const loop = http(TRUE_IP, HOST, { scheme: 'https', code: 302, location: `https://${HOST}/a` }, ['direct']);
    const r = judge({ ...steps({ https443: loop }), control: control({ http_request: { failure: null, status_code: 302, title: '', body_length: 0, body_sha256: '', headers: { location: `https://${HOST}/` } } }) }, https);
    expect(r.verdict).toBe('down');
    expect(r.reason).toBe(`https://${HOST}/ over HTTPS from ${TRUE_IP}:443 redirects to https://${HOST}/a, and the control abroad, following the redirects, never reaches a page; the control's fetch of https://${HOST}/ answers 302 abroad too`);
  });

  for (const [what, cert, controlFailure, words] of [
    ['expired', { trusted: false }, 'ssl_invalid_certificate', 'not trusted'],
    ['self-signed', { trusted: false }, 'ssl_unknown_authority', 'not trusted'],
    ['wrong-name', { valid: false }, 'ssl_invalid_hostname', `not valid for ${HOST}`],
  ] as const) {
    it(`an ${what} certificate here and at the control → down`, () => {
      const c = control({ http_request: broken(controlFailure) });
      c.tls_handshake[`${TRUE_IP}:443`] = { server_name: HOST, status: false, failure: controlFailure };
      const r = judge({ ...steps({ cert }), control: c }, https);
      expect(r.verdict).toBe('down');
      expect(r.reason).toContain(words);
      expect(r.reason).toContain(`fails abroad too (${controlFailure})`);
    });
  }

  it('a bad certificate here with no control is inconclusive, never ok', () => {
    const r = judge(steps({ cert: { trusted: false } }), https);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe(`${TRUE_IP}:443 shows a certificate that is not trusted (unknown reason), and the control was not asked, so a broken site cannot be told from interference`);
  });

  it('failing here while the control gets the page, with no layer found, is inconclusive', () => {
    const k = steps({ https443: http(TRUE_IP, HOST, { scheme: 'https', failure: 'unknown_failure: HPE_INVALID_CONSTANT' }, ['direct']) });
    const r = judge({ ...k, control: siteControl({ final_url: `https://${HOST}/` }) }, https);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe(`fetching https://${HOST}/ over HTTPS from ${TRUE_IP}:443 failed (unknown_failure: HPE_INVALID_CONSTANT), while the control abroad gets the page (status 200); no layer of interference was found to explain it`);
  });
});

describe('DNS-layer failures and the other reason sentences', () => {
  it('a malformed reply from the ISP while abroad answers → dns/malformed', () => {
    const r = analyze({ target: target(), test_keys: keys({ queries: [dnsReply('isp', { failure: 'dns_reply_parse_error', rcode: null }), truth()], ...steps({}) }), context });
    expect(r.verdict).toBe('dns');
    expect(r.layers.dns?.kind).toBe('malformed');
    expect(r.reason).toBe(`the ISP's resolver sent a reply that cannot be decoded (malformed) for ${HOST}`);
  });

  it('an unexpected error code → dns/misbehaving', () => {
    const r = analyze({ target: target(), test_keys: keys({ queries: [dnsReply('isp', { failure: 'dns_server_misbehaving', rcode: 'FORMERR' }), truth()], ...steps({}) }), context });
    expect(r.layers.dns?.kind).toBe('misbehaving');
    expect(r.reason).toBe(`the ISP's resolver answered with an unexpected error code for ${HOST}`);
  });

  it('nothing abroad resolves, no control: the negation is kept', () => {
    const r = analyze({ target: target(), test_keys: keys({ queries: [dnsReply('isp', { failure: 'dns_nxdomain_error' }), dnsReply('foreign', { failure: 'generic_timeout_error' })] }), context });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe(`no resolver abroad (and the control was not asked) could resolve ${HOST}; the ISP's resolver said the name does not exist (NXDOMAIN)`);
  });

  it('nothing abroad nor the control resolves', () => {
    const r = analyze({
      target: target(),
      test_keys: keys({ queries: [dnsReply('foreign', { failure: 'generic_timeout_error' })], control: control({ dns: { failure: 'generic_timeout_error', addrs: [] } }) }),
      context,
    });
    expect(r.reason).toBe(`neither the resolvers abroad nor the control could resolve ${HOST}`);
  });

  it('a name that exists nowhere', () => {
    const r = analyze({ target: target(), test_keys: keys({ queries: [dnsReply('foreign', { failure: 'dns_nxdomain_error' })] }), context });
    expect(r.verdict).toBe('down');
    expect(r.reason).toBe(`the name ${HOST} exists nowhere: every resolver abroad that answered says it does not exist`);
  });

  it('no connection tried', () => {
    const r = analyze({ target: target(), test_keys: keys({ queries: [okIsp(), truth()] }), context });
    expect(r.reason).toBe(`no connection to ${HOST}'s addresses (${TRUE_IP}) could be tried from here`);
  });

  it('unreachable with no control; unreachable here and abroad', () => {
    const k = { queries: [okIsp(), truth()], tcp_connect: [tcp(TRUE_IP, 80, 'generic_timeout_error', ['direct']), tcp(TRUE_IP, 443, 'generic_timeout_error', ['direct'])], requests: [http(TRUE_IP, HOST, { failure: 'generic_timeout_error' }, ['direct'])] };
    expect(analyze({ target: target(), test_keys: keys(k), context }).reason).toBe(`${TRUE_IP}:80, ${TRUE_IP}:443 cannot be reached from here and no control was available, so an outage cannot be told from a block`);
    const down = analyze({ target: target(), test_keys: keys({ ...k, control: control({ tcp: { [`${TRUE_IP}:80`]: false, [`${TRUE_IP}:443`]: false } }) }), context });
    expect(down.verdict).toBe('down');
    expect(down.reason).toBe(`the site (${TRUE_IP}:80, ${TRUE_IP}:443) cannot be reached from here nor from the control abroad`);
  });
});
