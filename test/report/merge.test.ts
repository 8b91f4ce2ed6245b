import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { agreementOf, mergeRuns, writeMerge } from '../../src/report/merge.js';
import { CHROMIUM, openReport } from './browser.js';
import { networkReferences } from './html-checks.js';
import { scenario, standardEntries, writeRun } from './runs.js';

/** Two ISPs measured under different scenarios: OTE-like (DNS) and Vodafone-like (URL proxy, DPI). */
export function twoIspRuns(): { ote: string; voda: string; votaLater: string } {
  const ote = writeRun(standardEntries(), { isp: { name: 'OTE', asn: 'AS6799' }, start: new Date('2026-11-20T10:00:00Z') });
  const vodaScenario = scenario({ 'bet365.com': 'url:path', 'casinoin.ελ': 'ok', 'hijacked.net': 'dpi:host', 'open-site.org': 'ok' });
  const voda = writeRun(vodaScenario, { isp: { name: 'Vodafone', asn: 'AS12361' }, start: new Date('2026-11-19T10:00:00Z') });
  // A later Vodafone run: its verdicts replace the earlier run's.
  const votaLater = writeRun(scenario({ 'bet365.com': 'ok' }, [], vodaScenario), { isp: { name: 'Vodafone', asn: 'AS12361' }, start: new Date('2026-11-21T10:00:00Z') });
  return { ote, voda, votaLater };
}

describe('report merge', () => {
  it('builds the entry × ISP matrix with totals, agreement and one-sided blocks', async () => {
    const { ote, voda, votaLater } = twoIspRuns();
    const m = await mergeRuns([votaLater, ote, voda], () => undefined);
    expect(m.isps).toEqual(['Vodafone (AS12361)', 'OTE (AS6799)']);
    expect(m.runs.map((r) => r.isp)).toEqual(['Vodafone (AS12361)', 'OTE (AS6799)', 'Vodafone (AS12361)']);
    expect(m.rows).toHaveLength(standardEntries().length);
    const row = (input: string) => m.rows.find((r) => r.input === input)!;
    // The later Vodafone run wins: bet365.com is open there now, blocked by DNS at OTE.
    expect(row('bet365.com').cells).toEqual([{ verdict: 'ok', kinds: [] }, { verdict: 'dns', kinds: ['dns:nxdomain'] }]);
    expect(agreementOf(row('bet365.com').cells)).toBe('some');
    expect(row('hijacked.net').cells.map((c) => c?.kinds)).toEqual([['dpi:host'], ['dns:hijack']]);
    expect(agreementOf(row('hijacked.net').cells)).toBe('all');
    expect(agreementOf(row('open-site.org').cells)).toBe('none');
    const ote6799 = m.totals.find((t) => t.isp === 'OTE (AS6799)')!;
    expect(ote6799.blocked).toBe(20);
    expect(ote6799.measured).toBe(standardEntries().length);
    expect(m.totals.find((t) => t.isp === 'Vodafone (AS12361)')!.runs).toBe(2);
    expect(m.pairs.find((p) => p.blocked === 'OTE (AS6799)' && p.open === 'Vodafone (AS12361)')!.entries).toBe(2);
    expect(m.pairs.find((p) => p.blocked === 'Vodafone (AS12361)' && p.open === 'OTE (AS6799)')!.entries).toBe(0);
    expect(m.agreement).toEqual({ all: 18, some: 2, none: 7 });

    const out = mkdtempSync(join(tmpdir(), 'cp-merge-'));
    const files = writeMerge(m, out);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['merge.csv', 'merge-totals.csv', 'merge-pairs.csv', 'merge.html']);
    const matrix = parse(readFileSync(join(out, 'merge.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(matrix.find((r) => r.input === 'casinoin.ελ')).toMatchObject({ agreement: 'some', 'OTE (AS6799): verdict': 'dns', 'OTE (AS6799): method': 'dns:refused', 'Vodafone (AS12361): verdict': 'ok' });
    expect(matrix.some((r) => r.input === "'=cmd|'/C calc'!A0")).toBe(true);
    expect(matrix.every((r) => !/^[=+\-@]/.test(r.input!))).toBe(true);
    const html = readFileSync(join(out, 'merge.html'), 'utf8');
    expect(networkReferences(html)).toEqual([]);
  });

  it('opens merge.html offline, filters disagreements and switches language', async () => {
    const { ote, voda } = twoIspRuns();
    const out = mkdtempSync(join(tmpdir(), 'cp-merge-'));
    writeMerge(await mergeRuns([ote, voda], () => undefined), out);
    const o = await openReport(join(out, 'merge.html'));
    try {
      expect(await o.page.locator('#cp-rows tr').count()).toBe(standardEntries().length);
      await o.page.selectOption('#cp-only', 'disagree');
      // bet365.com is blocked at both (DNS at OTE, URL at Vodafone): only casinoin.ελ differs.
      expect(await o.page.locator('#cp-rows td.entry').allTextContents()).toEqual(['casinoin.ελ']);
      await o.page.click('#lang-el');
      expect(await o.page.textContent('h1')).toBe('Λογοκρισία ανά πάροχο');
      expect(await o.page.locator('#cp-rows .badge').allTextContents()).toEqual(['χωρίς αποκλεισμό', 'αποκλεισμός μέσω DNS']);
      await o.page.screenshot({ path: join(import.meta.dirname, '..', 'artifacts', 'merge.png'), fullPage: true });
      expect(o.leaks).toEqual([]);
      expect(o.errors).toEqual([]);
      expect(o.dialogs).toEqual([]);
    } finally {
      await o.close();
    }
  });
});
