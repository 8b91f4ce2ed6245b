// Opens report pages in Debian's Chromium (playwright-core, no browser download) with the network
// flags that keep Chromium from phoning home, and counts every request other than the page itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface OpenedPage {
  page: Page;
  /** Requests that were not the report file itself (all aborted). */
  leaks: string[];
  /** Console errors and page errors (a CSP violation shows here). */
  errors: string[];
  dialogs: string[];
  /** Time from navigation to the load event, scripts run and first page of rows drawn. */
  loadMs: number;
  close: () => Promise<void>;
}

export async function openReport(file: string, o: { javaScript?: boolean } = {}): Promise<OpenedPage> {
  const profile = mkdtempSync(join(tmpdir(), 'cp-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    offline: true,
    javaScriptEnabled: o.javaScript ?? true,
  });
  const url = pathToFileURL(file).href;
  const leaks: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  await context.route('**', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    leaks.push(u);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (req) => {
    if (req.url() !== url && !leaks.includes(req.url())) leaks.push(req.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  const loadMs = performance.now() - t0;
  return {
    page,
    leaks,
    errors,
    dialogs,
    loadMs,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
