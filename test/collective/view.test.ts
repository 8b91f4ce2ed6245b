// The public view in Debian's Chromium, served by a real collective with runs uploaded by two
// members on two ISPs: no request leaves the server, no script error, Greek and English, readable
// on a phone; every table also as CSV (BOM, formulas neutralised) and JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type BrowserContext } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCollective } from '../../src/collective/serve.js';
import { uploadRun } from '../../src/collective/upload-client.js';
import { openGuard } from '../../src/net/guard.js';
import { CHROMIUM } from '../report/browser.js';
import { scenario } from '../report/runs.js';
import { loopbackSafeEntries, runFolder, testCollective, type TestCollective } from './fixtures.js';

let c: TestCollective;
let context: BrowserContext;
let profile: string;
const leaks: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  c = await testCollective();
  const maria = await c.token('maria');
  const nikos = await c.token('nikos');
  const base = loopbackSafeEntries();
  await uploadRun(runFolder({ runId: 'cosmote-1', start: new Date('2026-11-20T10:00:00Z') }, base), { url: c.url, token: maria, guard: openGuard });
  await uploadRun(runFolder({ runId: 'cosmote-2', start: new Date('2026-11-21T10:00:00Z') }, scenario({ 'bet365.com': 'ok' }, [], base)), { url: c.url, token: maria, guard: openGuard });
  await uploadRun(runFolder({ runId: 'cosmote-3', start: new Date('2026-11-22T10:00:00Z') }, scenario({ 'bet365.com': 'ok', 'dropped.io': 'ok' }, [], base)), { url: c.url, token: maria, guard: openGuard });
  await uploadRun(runFolder({ runId: 'vodafone-1', isp: { name: 'Vodafone', asn: 'AS3329' }, start: new Date('2026-11-21T11:00:00Z') }, scenario({ 'bet365.com': 'dpi:sni' }, [], base)), { url: c.url, token: nikos, guard: openGuard });
  profile = mkdtempSync(join(tmpdir(), 'cp-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, offline: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 375, height: 740 }, isMobile: true,
  });
  await context.route('**', (route) => {
    const u = route.request().url();
    if (u.startsWith(`${c.url}/`)) return route.continue();
    leaks.push(u);
    return route.abort();
  });
  context.on('weberror', (e) => errors.push(e.error().message));
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await c?.close();
});

async function open(path: string) {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const res = await page.goto(`${c.url}${path}`, { waitUntil: 'load' });
  expect(res?.status()).toBe(200);
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  return { page, overflow };
}

describe('the public view', () => {
  it('shows each ISP: blocked by kind, latest run, volunteers and runs, latency penalty', async () => {
    const { page, overflow } = await open('/?lang=en');
    const text = await page.locator('main').innerText();
    expect(text).toContain('Cosmote');
    expect(text).toContain('Vodafone');
    const rows = await page.locator('tbody tr').allInnerTexts();
    const cosmote = rows.find((r) => r.startsWith('Cosmote'))!;
    // Cosmote: 2 runs from 1 volunteer, latest 21 Nov.
    expect(cosmote).toMatch(/2026-11-22T10:00:00Z\s+3\s+1\s+/);
    expect(await page.locator('th', { hasText: 'dns:nxdomain' }).count()).toBe(1);
    // The page is as wide as the phone: only the table scrolls inside its box.
    expect(overflow).toBeLessThanOrEqual(1);
    await page.close();
  });

  it("a site's page: its timeline per ISP and the latest evidence", async () => {
    const { page, overflow } = await open('/site?u=bet365.com&lang=en');
    const rows = await page.locator('table').first().locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(3); // Cosmote: DNS block, then reachable; Vodafone: DPI
    expect(rows[0]).toMatch(/Cosmote.*DNS block/s);
    expect(rows[1]).toMatch(/Cosmote.*reachable/s);
    expect(rows[2]).toMatch(/Vodafone.*DPI block/s);
    const evidence = await page.locator('table').nth(1).innerText();
    expect(evidence).toContain('cosmote-3');
    expect(overflow).toBeLessThanOrEqual(1);
    await page.close();
  });

  it('changes: confirmed ones only (held for --confirm runs), newest first, also as Atom', async () => {
    const { page, overflow } = await open('/changes?lang=en');
    const rows = await page.locator('tbody tr').allInnerTexts();
    // bet365.com unblocked at cosmote-2 and held in cosmote-3: confirmed. dropped.io changed only in
    // the last run: not yet. Vodafone has one run: nothing to compare.
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/2026-11-21T10:00:00Z\s+cosmote-2\s+Cosmote \(AS6799\)\s+bet365.com\s+unblocked\s+dns:nxdomain\s+ok\s+2/);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.close();
    const atom = await (await request(`${c.url}/changes.atom`)).body.text();
    expect(atom).toMatch(/^<\?xml/);
    expect(atom.match(/<entry>/g)).toHaveLength(1);
    expect(atom).toContain('Cosmote (AS6799): bet365.com: dns:nxdomain → ok');
  });

  it('is in Greek by default and switches language by a link', async () => {
    const { page } = await open('/');
    expect(await page.locator('html').getAttribute('lang')).toBe('el');
    expect(await page.locator('h1').innerText()).toContain('Λογοκρισία');
    await page.locator('a.lang').click();
    await page.waitForLoadState('load');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    // The search form works without any script.
    await page.locator('input[name=u]').fill('bet365.com');
    await page.locator('form button').click();
    await page.waitForURL(/\/site\?/);
    expect(await page.locator('h2').first().innerText()).toContain('bet365.com');
    await page.close();
  });

  it('loads nothing from elsewhere and has no script errors', () => {
    expect(leaks).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('every view as CSV (BOM, formulas neutralised) and JSON', async () => {
    const get = async (p: string) => {
      const r = await request(`${c.url}${p}`);
      const bytes = Buffer.from(await r.body.arrayBuffer());
      return { type: String(r.headers['content-type']), bytes, text: bytes.toString('utf8') };
    };
    for (const p of ['/', '/site?u=bet365.com', '/changes']) {
      const csv = await get(`${p}${p.includes('?') ? '&' : '?'}format=csv`);
      expect(csv.type).toContain('text/csv');
      expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const json = await get(`${p}${p.includes('?') ? '&' : '?'}format=json`);
      expect(json.type).toContain('application/json');
      expect(() => JSON.parse(json.text)).not.toThrow();
    }
    const site = await get('/site?u=' + encodeURIComponent("=cmd|'/C calc'!A0") + '&format=csv');
    expect(site.text).toContain("'=cmd|");
    expect(site.text).not.toMatch(/(^|,)=cmd/m);
  });

  it('a restarted server answers the changes page with the list saved by the last one', async () => {
    const changes = async (base: string) => (JSON.parse(await (await request(`${base}/changes?format=json`)).body.text()) as { changes: Array<{ input: string }> }).changes;
    expect((await changes(c.url)).map((x) => x.input)).toEqual(['bet365.com']);
    const saved = await c.sql<{ runs_key: string }>('SELECT runs_key FROM collective_view_cache');
    expect(saved).toHaveLength(1);
    // Mark the saved list (same runs): a second server must answer with it, not compute its own first.
    await c.sql(`UPDATE collective_view_cache SET body = jsonb_set(body, '{0,input}', '"marked.example"')`);
    const again = await serveCollective({ host: '127.0.0.1', port: 0, store: c.store, onlyNets: '127.0.0.0/8', resolver: '127.0.0.1', changesWaitMs: 0 });
    try {
      expect((await changes(again.url)).map((x) => x.input)).toEqual(['marked.example']);
    } finally {
      await again.close();
    }
  });

  it("a store's very first changes list, while computed, is answered at once with 503 'being computed', then served", async () => {
    await c.sql('DELETE FROM collective_view_cache');
    // Hold the measurements so that the first list (its worker reads them) cannot be computed until the test lets it.
    const holder = new pg.Client({ connectionString: c.store });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE measurements IN ACCESS EXCLUSIVE MODE');
    const again = await serveCollective({ host: '127.0.0.1', port: 0, store: c.store, onlyNets: '127.0.0.0/8', resolver: '127.0.0.1', changesWaitMs: 200 });
    try {
      const t0 = performance.now();
      const busy = await request(`${again.url}/changes?format=json`);
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBe('15');
      expect(JSON.parse(await busy.body.text())).toEqual({ state: 'computing', changes: [], retry_after: 15 });
      const html = await request(`${again.url}/changes?lang=en`);
      expect(html.statusCode).toBe(503);
      expect(await html.body.text()).toContain('being computed for the first time');
      expect((await request(`${again.url}/changes.atom`)).statusCode).toBe(503);
      // Answered after the wait, not after the computation.
      expect(performance.now() - t0).toBeLessThan(10_000);
      await holder.query('COMMIT');
      let ready: { state: string; total: number; window_runs: number; changes: Array<{ input: string }> } | null = null;
      for (let i = 0; i < 120 && !ready; i++) {
        const r = await request(`${again.url}/changes?format=json`);
        if (r.statusCode === 200) ready = JSON.parse(await r.body.text()) as typeof ready;
        else await new Promise((res) => setTimeout(res, 500));
      }
      expect(ready).toMatchObject({ state: 'ready', total: 1, window_runs: 60 });
      expect(ready!.changes.map((x) => x.input)).toEqual(['bet365.com']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await again.close();
    }
  });
});
