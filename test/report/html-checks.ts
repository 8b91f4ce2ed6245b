// The checks of a run's HTML report, reusable on any run folder: the generated runs of this folder's
// tests, or a lab run (the integrator passes its folder). Kept out of *.test.ts so importing it does
// not register another file's tests.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecords } from './runs.js';
import { writeHtmlReport } from '../../src/report/html/index.js';
import { REPORT_HTML } from '../../src/report/run-folder/index.js';
import { CHROMIUM, openReport, type OpenedPage } from './browser.js';

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** Where a page could reach the network: URLs in scripts or tag attributes, src/href, CSS url(). */
export function networkReferences(html: string): string[] {
  const found: string[] = [];
  const snippet = (m: RegExpExecArray) => m[0].slice(0, 160);
  // Scripts other than the JSON data block (whose entries are shown as text) may hold no URL.
  for (const m of html.matchAll(/<script(?![^>]*application\/json)[^>]*>([\s\S]*?)<\/script>/gi)) {
    const u = /.{0,40}https?:\/\/.{0,40}/i.exec(m[1] ?? '');
    if (u) found.push(`script: ${snippet(u)}`);
  }
  const markup = html.replace(/<script[^>]*>[\s\S]*?<\/script>/gi, '<script></script>');
  for (const re of [/<[^>]*https?:\/\/[^>]*>/gi, /<[^>]*\s(src|href|srcset|action|poster|background|ping)\s*=[^>]*>/gi, /url\(|@import/gi]) {
    for (const m of markup.matchAll(re)) found.push(`markup: ${m[0].slice(0, 160)}`);
  }
  return found;
}

/** Every entry shown by the table, walking its pages. */
async function allShownEntries(page: OpenedPage['page']): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    seen.push(...(await page.locator('#cp-rows tr[data-row] td.entry').allTextContents()));
    if (await page.locator('#cp-next').isDisabled()) break;
    await page.click('#cp-next');
  }
  return seen;
}

/**
 * The checks of a run's HTML report, for any run folder: the generated one below, or a lab run
 * (the integrator passes its folder).
 */
export function describeHtmlReport(name: string, makeDir: () => string | Promise<string>, search: { query: string; expect: string }) {
  describe(`report.html of ${name}`, () => {
    let dir = '';
    let html = '';
    let opened: OpenedPage;
    let inputs: string[] = [];
    beforeAll(async () => {
      // Never skipped: CI installs Debian's chromium (.ci/debian-packages.txt).
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
      dir = await makeDir();
      await writeHtmlReport(dir);
      html = readFileSync(join(dir, REPORT_HTML), 'utf8');
      inputs = (await loadRecords(dir, () => undefined)).map((r) => r.input);
      opened = await openReport(join(dir, REPORT_HTML));
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('references nothing outside the file: no src/href, no URL outside the data shown as text', () => {
      expect(networkReferences(html)).toEqual([]);
      expect(/default-src (&#39;|')none/.test(html)).toBe(true);
    });

    it('shows every entry in the table, on its pages', async () => {
      const shown = await allShownEntries(opened.page);
      expect(shown.length).toBe(inputs.length);
      expect(new Set(shown)).toEqual(new Set(inputs));
      await opened.page.click('#lang-en');
    });

    it('filters by search, in Greek too', async () => {
      const { page } = opened;
      await page.fill('#cp-search', search.query);
      const rows = await page.locator('#cp-rows tr[data-row] td.entry').allTextContents();
      expect(rows).toContain(search.expect);
      expect(rows).toEqual(expect.arrayContaining(inputs.filter((i) => i.toLowerCase().includes(search.query.toLowerCase())).slice(0, 100)));
      expect(rows.length).toBeLessThan(inputs.length);
      await page.fill('#cp-search', '');
      expect(await page.evaluate<number>('window.censorprobeReport.shown')).toBe(inputs.length);
    });

    it('switches language: labels, verdicts and explanations', async () => {
      const { page } = opened;
      await page.click('#lang-el');
      expect(await page.getAttribute('html', 'lang')).toBe('el');
      expect(await page.textContent('h1')).toBe('Αναφορά λογοκρισίας');
      await page.click('#cp-rows tr[data-row] button.why');
      const detail = await page.locator('#cp-rows tr.detail').first().textContent();
      expect(detail).toMatch(/[α-ω]{3,}/);
      await page.screenshot({ path: join(ARTIFACTS, `report-${name.replace(/\W+/g, '-')}-el.png`), fullPage: true });
      await page.click('#lang-en');
      expect(await page.textContent('h1')).toBe('Censorship report');
      expect(await page.locator('#cp-rows tr.detail').first().textContent()).not.toMatch(/[α-ω]{5,} [α-ω]{5,}/);
    });

    it('draws the RTT chart with the bundled Chart.js', async () => {
      // Evaluated in the page (this project's TypeScript has no DOM types).
      const drawn = await opened.page.evaluate<number>(`(() => {
        const c = document.getElementById('cp-rtt');
        if (!c || !window.Chart) return -1;
        const chart = window.Chart.getChart(c);
        return chart ? chart.data.datasets.length : 0;
      })()`);
      expect(drawn).toBeGreaterThanOrEqual(2);
    });

    it('made no request, ran no injected script, logged no error', async () => {
      await opened.page.screenshot({ path: join(ARTIFACTS, `report-${name.replace(/\W+/g, '-')}.png`), fullPage: true });
      expect(opened.leaks).toEqual([]);
      expect(opened.dialogs).toEqual([]);
      expect(opened.errors).toEqual([]);
    });
  });
}

