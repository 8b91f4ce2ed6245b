import { readFileSync } from 'node:fs';
import path from 'node:path';
import { domainToUnicode } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DNS_KINDS, DPI_KINDS, IP_KINDS, URL_KINDS, groundTruth, listCsv, loadScenarios, parseScenarios, verdictOf } from '../../src/lab/scenarios.js';
import { defaultScenarios, repoRoot } from '../../src/lab/paths.js';
import { sizedSiteHtml, sizedSiteTitle } from '../../src/lab/web-config.js';

const HEAD = 'input,category_code,world,isp_dns,isp_ip,isp_dpi,isp_url,share,notes\n';
const scenarios = loadScenarios(defaultScenarios);
const count = (pred: (s: (typeof scenarios)[number]) => boolean) => scenarios.filter(pred).length;

describe('the default scenario file', () => {
  it('has at least two names for every DNS, IP, DPI and URL kind', () => {
    for (const k of DNS_KINDS.filter((k) => k !== 'truth')) expect(count((s) => s.dns === k), `dns ${k}`).toBeGreaterThanOrEqual(2);
    for (const k of IP_KINDS) expect(count((s) => s.ip === k), `ip ${k}`).toBeGreaterThanOrEqual(2);
    for (const k of DPI_KINDS) expect(count((s) => s.dpi === k), `dpi ${k}`).toBeGreaterThanOrEqual(2);
    for (const k of URL_KINDS) expect(count((s) => s.url === k), `url ${k}`).toBeGreaterThanOrEqual(2);
  });

  it('has stacked blocks and every not-censorship case, twice each', () => {
    const layers = (s: (typeof scenarios)[number]) => [s.dns !== 'truth' && s.dns !== 'cdn', !!s.ip, !!s.dpi, !!s.url].filter(Boolean).length;
    expect(count((s) => layers(s) >= 2)).toBeGreaterThanOrEqual(2);
    expect(count((s) => s.dns === 'nxdomain' && s.ip !== null)).toBeGreaterThanOrEqual(1);
    for (const w of ['slow', 'https_redirect', 'closed', 'gone', 'nowhere'] as const) expect(count((s) => s.world === w), w).toBeGreaterThanOrEqual(2);
    expect(count((s) => s.kind === 'ok')).toBeGreaterThanOrEqual(2);
  });

  it('uses realistic names from the shipped lists', () => {
    // The shipped lists: lists/eeep.csv holds the regulator's entries as written, lists/gr.csv OONI's.
    const firstColumn = (file: string) => readFileSync(path.join(repoRoot, 'lists', file), 'utf8').split('\n').slice(1).map((l) => l.split(',')[0]!.trim());
    const eeep = new Set(firstColumn('eeep.csv'));
    const tl = readFileSync(path.join(repoRoot, 'lists', 'gr.csv'), 'utf8');
    for (const s of scenarios) {
      const bare = domainToUnicode(s.host).replace(/^www\./, '');
      expect(eeep.has(bare) || tl.includes(`//${s.host}/`), s.input).toBe(true);
    }
  });

  it('gives DPI sites an IP shared with an accessible site', () => {
    for (const s of scenarios.filter((x) => x.dpi)) {
      if (s.dns !== 'truth') continue;
      expect(scenarios.some((o) => o !== s && o.siteIp === s.siteIp && o.kind === 'ok'), s.host).toBe(true);
    }
  });
});

describe('parseScenarios', () => {
  it('allocates addresses: shared groups share, gone hosts lead nowhere, CDN gets a second IP', () => {
    const s = parseScenarios(
      `${HEAD}https://a.com/,GMB,site,,,sni_reset,,g,\nhttps://b.com/,NEWS,site,,,,,g,\nhttps://c.com/,GMB,gone,,,,,,\nhttps://d.com/,NEWS,site,cdn,,,,,\nhttps://e.com/,GMB,nowhere,,,,,,\n`,
    );
    expect(s[0]?.siteIp).toBe(s[1]?.siteIp);
    expect(s[2]?.siteIp).toMatch(/^198\.18\.31\./);
    expect(s[3]?.cdnIp).not.toBe(s[3]?.siteIp);
    expect(s[3]?.cdnIp).toMatch(/^198\.18\.1[6-9]\./);
    expect(s[4]?.siteIp).toBeNull();
  });

  it('derives verdicts from the first blocking layer, then down/ok', () => {
    const s = parseScenarios(
      `${HEAD}https://a.com/,GMB,site,nxdomain,drop,,,,\nhttps://b.com/,GMB,site,,reset,,,,\nhttp://c.com/x,GMB,site,,,,path_reset,,\nhttps://d.com/,GMB,closed,,,,,,\nhttps://e.com/,NEWS,slow,,,,,,\nhttps://f.com/,NEWS,site,blockpage_additional,,,,,\nhttps://g.com/,NEWS,site,127.0.0.1,,,,,\nhttp://h.com/,GMB,site,,,proxy_redirect,,,\n`,
    );
    expect(s.map(verdictOf)).toEqual(['dns', 'ip', 'url', 'down', 'ok', 'dns', 'dns', 'dpi']);
    expect(groundTruth(s[0]!).layers).toEqual({ dns: 'nxdomain', ip: 'drop', dpi: null, url: null });
    expect(groundTruth(s[5]!).layers.dns).toBe('blockpage');
    expect(groundTruth(s[6]!).layers.dns).toBe('bogon');
    expect(groundTruth(s[7]!).layers.dpi).toBe('host');
    expect(s[0]?.kind).toBe('dns-nxdomain+ip-drop');
  });

  it('keeps IDNs as listed and sends punycode', () => {
    const [s] = parseScenarios(`${HEAD}https://22bet.ελ/,GMB,site,nxdomain,,,,,\n`);
    expect(s?.host).toBe('22bet.xn--qxam');
    expect(s?.host_unicode).toBe('22bet.ελ');
  });

  it('refuses rows it cannot build, with a stable code', () => {
    const bad = [
      `${HEAD}https://a.com/,GMB,nowhere,nxdomain,,,,,\n`,
      `${HEAD}https://a.com/,GMB,site,,,,path_reset,,\n`,
      `${HEAD}https://a.com/,GMB,site,,,host_reset,,,\n`,
      `${HEAD}https://a.com/,GMB,site,lies,,,,,\n`,
      `${HEAD}https://a.com/,GMB,site,,,,,,\nhttp://a.com/x,GMB,site,,,,,,\n`,
      `${HEAD}https://a.com/,GMB,gone,,,sni_reset,,,\n`,
    ];
    for (const text of bad) expect(() => parseScenarios(text), text).toThrow(expect.objectContaining({ code: 'CP_LAB_SCENARIO' }));
  });

  it('reads a page size for plain sites only (a benchmark\'s pages of real sizes)', () => {
    const head = 'input,category_code,world,isp_dns,isp_ip,isp_dpi,isp_url,share,page_bytes,notes\n';
    const [a, b] = parseScenarios(`${head}https://a.com/,GMB,site,blockpage,,,,,70000,\nhttps://b.com/,NEWS,site,,,,,,,\n`);
    expect(a?.pageBytes).toBe(70000);
    expect(b?.pageBytes).toBeNull();
    // The ordinary file has no such column: every page is the lab's short one naming its host.
    expect(scenarios.every((x) => x.pageBytes === null)).toBe(true);
    for (const bad of ['https://a.com/,GMB,gone,,,,,,70000,', 'https://a.com/,GMB,site,,,,,,12.5,', 'https://a.com/,GMB,site,,,,,,100,', 'https://a.com/,GMB,site,,,,,,9999999,']) {
      expect(() => parseScenarios(`${head}${bad}\n`), bad).toThrow(expect.objectContaining({ code: 'CP_LAB_SCENARIO' }));
    }
  });

  it('writes sized pages of exactly the asked bytes, title in the head, no tag cut', () => {
    for (const n of [1024, 8192, 70001, 262144]) {
      const html = sizedSiteHtml('GMB', n);
      expect(Buffer.byteLength(html)).toBe(n);
      expect(html.slice(0, 300)).toContain(`<title>${sizedSiteTitle('GMB')}</title>`);
      expect(html.endsWith('</body></html>\n')).toBe(true);
      // Every tag opened after the head is closed: the padding never cuts one.
      const body = html.slice(html.indexOf('<body>'));
      expect(body.split('<div').length).toBe(body.split('</div>').length);
      expect(body.split('<script>').length).toBe(body.split('</script>').length);
    }
  });

  it('writes the list in OONI test-list format, one row per entry', () => {
    const csv = listCsv(scenarios, '2026-07-29').trim().split('\n');
    expect(csv[0]).toBe('url,category_code,category_description,date_added,source,notes');
    expect(csv).toHaveLength(scenarios.length + 1);
    expect(csv[1]).toBe(`${scenarios[0]?.input},GMB,Gambling,2026-07-29,censorprobe-lab,${scenarios[0]?.kind}`);
  });
});
