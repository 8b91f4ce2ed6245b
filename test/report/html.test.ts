import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../src/report/html/index.js';
import { REPORT_HTML } from '../../src/report/run-folder/index.js';
import { jsonForScript } from '../../src/report/html/assets.js';
import { CHROMIUM, openReport } from './browser.js';
import { ARTIFACTS, describeHtmlReport, networkReferences } from './html-checks.js';
import { bulkEntries, standardEntries, writeRun } from './runs.js';

describe('jsonForScript', () => {
  it('cannot close the script or open a comment, and parses back to the same value', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!-- x', c: 'line\u2028sep' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<\/script|<!--|\u2028/i);
    expect(JSON.parse(text)).toEqual(value);
  });
});

// A lab run later: describeHtmlReport('lab run', () => '<run folder>', { query: ..., expect: ... }).
describeHtmlReport('generated run', () => writeRun(standardEntries(), { isp: { name: 'Cosmote (lab)', asn: 'AS6799' } }), { query: 'ελ', expect: '22bet.ελ' });

describe('report.html of the generated run, hostile entries', () => {
  it('shows HTML-looking entries as text and sorts by entry', async () => {
    const dir = writeRun(standardEntries(), { isp: { name: '<img src=x onerror=alert(3)>', asn: 'AS1' } });
    await writeHtmlReport(dir);
    expect(networkReferences(readFileSync(join(dir, REPORT_HTML), 'utf8'))).toEqual([]);
    const o = await openReport(join(dir, REPORT_HTML));
    try {
      expect(await o.page.textContent('#when-where')).toContain('<img src=x onerror=alert(3)>');
      expect(await o.page.textContent('#penalty')).toMatch(/^A lookup through a resolver abroad takes \d+\.\d times as long as through the ISP's/);
      await o.page.fill('#cp-search', 'onerror');
      expect(await o.page.locator('#cp-rows td.entry').allTextContents()).toEqual(['<img src=x onerror=alert(1)>.com']);
      expect(await o.page.locator('#cp-rows img').count()).toBe(0);
      await o.page.fill('#cp-search', '');
      await o.page.click('th[data-col="i"]');
      const first = await o.page.locator('#cp-rows td.entry').allTextContents();
      const sorted = [...first].sort(new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare);
      expect(first).toEqual(sorted);
      await o.page.selectOption('#cp-verdict', 'dpi');
      expect(await o.page.locator('#cp-rows td.entry').allTextContents()).toEqual(['https://sni-blocked.com/', 'http://host-blocked.com/'].sort(new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare));
      expect(o.dialogs).toEqual([]);
      expect(o.leaks).toEqual([]);
    } finally {
      await o.close();
    }
  });

  it('reports an interrupted run: torn last line skipped with a warning, no report.json', async () => {
    const dir = writeRun(standardEntries(), { tornTail: true, noReportJson: true });
    const warnings: string[] = [];
    const r = await writeHtmlReport(dir, { warn: (m) => warnings.push(m) });
    expect(r.entries).toBe(standardEntries().length);
    expect(warnings.some((w) => /last line, cut short/.test(w))).toBe(true);
    expect(warnings.some((w) => /report\.json is missing/.test(w))).toBe(true);
    expect(readFileSync(r.path, 'utf8')).toContain('data-i18n="incomplete"');
  });
});

describe('report.html of a 15,000-entry run', () => {
  it('stays reasonable in size and filters without freezing', async () => {
    const dir = writeRun([...standardEntries(), ...bulkEntries(15_000 - standardEntries().length)], { runId: 'big' });
    const t0 = performance.now();
    const r = await writeHtmlReport(dir);
    const buildMs = performance.now() - t0;
    console.log(`15,000-entry report.html: ${(r.bytes / 1e6).toFixed(2)} MB, built in ${buildMs.toFixed(0)} ms`);
    expect(r.entries).toBe(15_000);
    expect(r.bytes).toBeLessThan(15e6);
    const o = await openReport(r.path);
    try {
      // Timed inside the page: handlers filter, sort and render synchronously.
      const timed = (script: string) => o.page.evaluate<number>(`(() => { const t = performance.now(); ${script}; return performance.now() - t; })()`);
      const search = (q: string) => `const b = document.getElementById('cp-search'); b.value = ${JSON.stringify(q)}; b.dispatchEvent(new Event('input'))`;
      const sortMs = await timed(`document.querySelector('th[data-col="i"]').click()`);
      const broadMs = await timed(search('dns'));
      const filterMs = await timed(search('casino1234'));
      const shown = await o.page.locator('#cp-rows td.entry').allTextContents();
      console.log(`15,000 rows in Chromium: opened in ${o.loadMs.toFixed(0)} ms, sort ${sortMs.toFixed(1)} ms, search matching most rows ${broadMs.toFixed(1)} ms, narrow search ${filterMs.toFixed(1)} ms`);
      expect(shown).toContain('casino1234.com');
      expect(filterMs).toBeLessThan(2000);
      expect(sortMs).toBeLessThan(2000);
      expect(broadMs).toBeLessThan(2000);
      expect(o.leaks).toEqual([]);
      writeFileSync(join(ARTIFACTS, 'report-15000.txt'), `bytes ${r.bytes}\nload_ms ${o.loadMs.toFixed(0)}\nsort_ms ${sortMs.toFixed(1)}\nbroad_search_ms ${broadMs.toFixed(1)}\nnarrow_search_ms ${filterMs.toFixed(1)}\n`);
    } finally {
      await o.close();
    }
  }, 120_000);
});
