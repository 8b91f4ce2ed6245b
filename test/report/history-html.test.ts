// The history page in Debian's Chromium: nothing requested, no script error, a chart per ISP, each
// entry's timeline and its "why" panel, hostile inputs shown as text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerHistory } from '../../src/commands/history.js';
import { openStore } from '../../src/store/open.js';
import { recordFolder } from '../../src/store/record-folder.js';
import { scratchSqlite, type ScratchStore } from '../store/backends.js';
import { openReport, type OpenedPage } from './browser.js';
import { networkReferences } from './html-checks.js';
import { scenario, writeRun } from './runs.js';

const OTE = { name: 'OTE', asn: 'AS6799' };
const NOVA = { name: 'Nova', asn: 'AS3329' };

describe('the history page', () => {
  let s: ScratchStore;
  let file: string;
  let opened: OpenedPage;
  beforeAll(async () => {
    s = await scratchSqlite();
    const store = await openStore(s.spec);
    const days = [scenario({}), scenario({ 'open-site.org': 'dns:nxdomain' }), scenario({ 'open-site.org': 'dns:nxdomain', 'bet365.com': 'ok' })];
    for (const [i, entries] of days.entries()) {
      await recordFolder(store, writeRun(entries, { isp: OTE, start: new Date(`2026-11-0${i + 1}T03:00:00Z`) }));
      await recordFolder(store, writeRun(scenario({}), { isp: NOVA, start: new Date(`2026-11-0${i + 1}T04:00:00Z`) }));
    }
    await store.close();
    file = join(s.spec, '..', 'history.html');
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const p = new Command('censorprobe').exitOverride();
    registerHistory(p);
    await p.parseAsync(['node', 'censorprobe', 'history', 'html', '--store', s.spec, '--out', file]);
    vi.restoreAllMocks();
    opened = await openReport(file);
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await s?.close();
  });

  it('is one file that reaches nothing: no URL in scripts or markup, no request, no error, no dialog', () => {
    expect(networkReferences(readFileSync(file, 'utf8'))).toEqual([]);
    expect(opened.leaks).toEqual([]);
    expect(opened.errors).toEqual([]);
    expect(opened.dialogs).toEqual([]);
  });

  it('draws a chart of blocked entries per method for each ISP', async () => {
    const { page } = opened;
    expect(await page.locator('#cp-charts figcaption').allTextContents()).toEqual(['OTE (AS6799)', 'Nova (AS3329)']);
    const drawn = (await page.evaluate(`[0, 1].map((i) => {
      const c = document.getElementById('cp-chart-' + i);
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let k = 3; k < px.length; k += 4) if (px[k] > 0) ink++;
      return ink;
    })`)) as number[];
    for (const ink of drawn) expect(ink).toBeGreaterThan(1000);
  });

  it("shows each entry's timeline per ISP, and its spans behind the why button", async () => {
    const { page } = opened;
    await page.fill('#cp-search', 'open-site');
    const row = page.locator('#cp-rows tr[data-row]');
    expect(await row.count()).toBe(1);
    expect(await row.locator('.tl').first().locator('span').count()).toBe(2); // ok, then dns:nxdomain at OTE
    await row.locator('button.why').click();
    const detail = await page.locator('#cp-rows tr.detail').textContent();
    expect(detail).toContain('ok 2026-11-01 .. 2026-11-01, 1 run(s)');
    expect(detail).toContain('dns:nxdomain 2026-11-02 .. 2026-11-03, 2 run(s)');
    expect(detail).toContain('Nova (AS3329)');
  });

  it('shows hostile inputs as text', async () => {
    const { page } = opened;
    await page.fill('#cp-search', 'onerror');
    expect(await page.locator('#cp-rows td.entry').allTextContents()).toEqual(['<img src=x onerror=alert(1)>.com']);
    expect(await page.locator('#cp-rows img').count()).toBe(0);
    expect(opened.dialogs).toEqual([]);
  });
});
