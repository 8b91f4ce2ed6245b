// The report explains itself: a one-sentence headline in the reader's language, the lists measured,
// a verdict chart with its text alternative, methodology and glossary in both languages, category
// names, each entry's measurement time; without JavaScript the findings and every blocked entry
// still show, and print gives every blocked entry with its reason instead of 100 table rows.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../src/report/html/index.js';
import { headlineSentence } from '../../src/report/html/explainer.js';
import { UI } from '../../src/report/html/i18n.js';
import { CHROMIUM, openReport, type OpenedPage } from './browser.js';
import { ARTIFACTS } from './html-checks.js';
import { standardEntries, writeRun } from './runs.js';

const BLOCKED = ['dns', 'ip', 'dpi', 'url'];
const entries = standardEntries();
const blockedInputs = entries.filter((e) => BLOCKED.includes(e.outcome.split(':')[0]!)).map((e) => e.input);

describe('headlineSentence', () => {
  const meta = { isp: { name: 'Cosmote' } };
  const rows = (n: number) => Array.from({ length: n }) as never[];
  it('says how many are blocked, by whom and mostly how, in English and Greek', () => {
    const d = { rows: rows(14934), counts: { dns: 14000, ip: 102, dpi: 0, url: 0, ok: 700, down: 132, inconclusive: 0 } as never, meta };
    expect(headlineSentence(d, 'en')).toBe('Of 14,934 listed sites, 14,102 are blocked by this ISP (Cosmote), almost all by lying DNS.');
    expect(headlineSentence(d, 'el')).toBe('Από τις 14.934 διευθύνσεις της λίστας, ο πάροχος Cosmote μπλοκάρει τις 14.102, σχεδόν όλες με ψευδείς απαντήσεις DNS.');
  });
  it('names a mix, and says so when nothing is blocked', () => {
    const mix = { rows: rows(100), counts: { dns: 30, ip: 30, dpi: 20, url: 0, ok: 20 } as never, meta: null };
    expect(headlineSentence(mix, 'en')).toBe('Of 100 listed sites, 80 are blocked by this ISP, by several methods, most often lying DNS.');
    const none = { rows: rows(46), counts: { ok: 40, down: 6 } as never, meta };
    expect(headlineSentence(none, 'en')).toBe('Of 46 listed sites, none is blocked by this ISP (Cosmote); 6 do not work from anywhere.');
    expect(headlineSentence(none, 'el')).toMatch(/^Από τις 46 διευθύνσεις της λίστας, ο πάροχος Cosmote δεν μπλοκάρει καμία/);
  });
});

describe('report.html explains itself', () => {
  let dir = '';
  let js: OpenedPage;
  let nojs: OpenedPage;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    dir = writeRun(entries, { isp: { name: 'Cosmote', asn: 'AS6799' } });
    await writeHtmlReport(dir);
    js = await openReport(join(dir, 'report.html'));
    nojs = await openReport(join(dir, 'report.html'), { javaScript: false });
  });
  afterAll(async () => {
    await js?.close();
    await nojs?.close();
  });

  it('opens with a one-sentence headline in the reader\'s language', async () => {
    const { page } = js;
    await page.click('#lang-en');
    const n = blockedInputs.length;
    expect(await page.locator('#summary-sentence').innerText()).toBe(`Of ${entries.length} listed sites, ${n} are blocked by this ISP (Cosmote), mostly by lying DNS.`);
    await page.click('#lang-el');
    expect(await page.locator('#summary-sentence').innerText()).toBe(`Από τις ${entries.length} διευθύνσεις της λίστας, ο πάροχος Cosmote μπλοκάρει τις ${n}, κυρίως με ψευδείς απαντήσεις DNS.`);
    await page.click('#lang-en');
  });

  it('has a methodology and a glossary of every term, in both languages', async () => {
    const { page } = js;
    const terms = ['DNS', 'IP block', 'DPI / SNI', 'URL filtering', 'Control helper', 'Geoblock', 'Latency penalty'];
    const en = await page.locator('#glossary dt:visible').allInnerTexts();
    expect(en.length).toBe(terms.length);
    for (const term of terms) expect(en.some((t) => t.startsWith(term)), term).toBe(true);
    expect(await page.locator('#method').innerText()).toContain('docs/analysis.md');
    await page.click('#lang-el');
    const el = await page.locator('#glossary dt:visible').allInnerTexts();
    expect(el).toEqual(expect.arrayContaining(['Μπλοκάρισμα IP', 'Φιλτράρισμα URL', 'Βοηθός ελέγχου', 'Επιβάρυνση καθυστέρησης']));
    expect(el.length).toBe(terms.length);
    await page.click('#lang-en');
  });

  it('names categories, lists the lists with edition and hash, and gives each entry its measurement time', async () => {
    const { page } = js;
    await page.fill('#cp-search', 'bet365');
    const cells = await page.locator('#cp-rows tr[data-row] td').allInnerTexts();
    expect(cells, cells.join(' | ')).toContain('Gambling (GMB)');
    await page.click('#cp-rows tr[data-row] button.why');
    expect(await page.locator('#cp-rows tr.detail .measured').innerText()).toMatch(/^Measured: 2026-11-20 \d{2}:\d{2}:\d{2} UTC$/);
    await page.click('#lang-el');
    expect(await page.locator('#cp-rows tr[data-row] td').allInnerTexts()).toContain('Τυχερά παιχνίδια (GMB)');
    await page.click('#lang-en');
    await page.fill('#cp-search', '');
    const lists = await page.locator('#lists tbody tr').allInnerTexts();
    expect(lists[0]).toMatch(/eeep\.csv\s+2026-07-29\s+\d+\s+a{64}/);
  });

  it('draws a chart of verdicts with a text alternative', async () => {
    const { page } = js;
    const desc = await page.locator('#verdict-chart desc').textContent();
    expect(desc).toContain(`${UI.en.v_dns}: ${entries.filter((e) => e.outcome.startsWith('dns')).length}`);
    expect(desc).toContain(`${UI.el.v_ip}: ${entries.filter((e) => e.outcome.startsWith('ip')).length}`);
    expect(await page.getAttribute('#verdict-chart svg', 'role')).toBe('img');
    expect(await page.locator('#verdict-chart figcaption').innerText()).toContain(`${UI.en.v_ok}: `);
  });

  it('without JavaScript still shows the findings and every blocked entry', async () => {
    const { page } = nojs;
    expect(await page.locator('#summary-sentence').innerText()).toMatch(/^Of \d+ listed sites, \d+ are blocked/);
    expect(await page.locator('#headline .cards').innerText()).toMatch(/\d/);
    const shown = await page.locator('#blocked-static li .entry').allInnerTexts();
    expect(shown.sort()).toEqual([...blockedInputs].sort());
    const reasons = await page.locator('#blocked-static li .why').allInnerTexts();
    for (const r of reasons) expect(r).toMatch(/(DNS|IP|DPI|URL): /);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#blocked-static').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'report-nojs.png'), fullPage: true });
    expect(nojs.errors).toEqual([]);
  });

  it('prints the findings and every blocked entry with its reason, not the 100-row table', async () => {
    const { page } = js;
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#summary-sentence').isVisible()).toBe(true);
    expect(await page.locator('#entries').isVisible()).toBe(false);
    expect(await page.locator('#blocked-print').isVisible()).toBe(true);
    await page.locator('#cp-print li').first().waitFor();
    const printed = await page.locator('#cp-print li .entry').allInnerTexts();
    expect(printed.sort()).toEqual([...blockedInputs].sort());
    const reasons = await page.locator('#cp-print li .why').allInnerTexts();
    expect(reasons.length).toBe(blockedInputs.length);
    for (const r of reasons) expect(r.length).toBeGreaterThan(10);
    expect(await page.locator('#cp-print-count').innerText()).toBe(String(blockedInputs.length));
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await page.emulateMedia({ media: 'screen' });
    expect(js.errors).toEqual([]);
    expect(js.leaks).toEqual([]);
  });
});
