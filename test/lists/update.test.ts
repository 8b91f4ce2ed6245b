import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseListText } from '../../src/lists/load.js';
import { EEEP_REFERER } from '../../src/lists/update.js';
import { registerListsUpdate } from '../../src/commands/lists.js';

const fixtures = fileURLToPath(new URL('../fixtures/lists/', import.meta.url));
const GUARD = '127.0.0.0/8';

let server: Server;
let base = '';
const seen: IncomingMessage['headers'][] = [];

async function tinyXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('BLACK LIST');
  ws.addRow(['BLACK LIST - 01/08/2026']);
  ws.addRow(['A/A', 'A/M', 'WEBSITE', 'DOMAIN NAME']);
  ws.addRow([1, '1001', 'www.10bet.com', '10bet.com']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

beforeAll(async () => {
  const xlsx = await readFile(`${fixtures}eeep-published.xlsx`);
  const tiny = await tinyXlsx();
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  server = createServer((req, res) => {
    seen.push(req.headers);
    // Like hgc.gov.gr's firewall: no browser User-Agent or wrong Referer, no list.
    if (!/^Mozilla\/5\.0 /.test(req.headers['user-agent'] ?? '') || req.headers.referer !== EEEP_REFERER) {
      res.writeHead(403, { 'content-type': 'text/html' }).end('<html><body>Request blocked</body></html>');
      return;
    }
    switch (req.url) {
      case '/wp-content/uploads/blacklist.xlsx':
        res.writeHead(200, { 'content-type': XLSX, 'last-modified': 'Wed, 29 Jul 2026 10:00:00 GMT' }).end(xlsx);
        return;
      case '/moved':
        res.writeHead(302, { location: '/wp-content/uploads/blacklist.xlsx' }).end();
        return;
      case '/away':
        res.writeHead(302, { location: 'http://192.0.2.1/blacklist.xlsx' }).end();
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>');
        return;
      case '/tiny.xlsx':
        res.writeHead(200, { 'content-type': XLSX }).end(tiny);
        return;
      case '/slow':
        return; // never answers
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function run(...args: string[]): Promise<{ out: string[]; err: string[]; error: unknown }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const error = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void err.push(String(s)));
  const program = new Command('censorprobe').exitOverride();
  registerListsUpdate(program.command('lists'));
  try {
    await program.parseAsync(['node', 'censorprobe', 'lists', 'update', 'eeep', ...args]);
    return { out, err, error: null };
  } catch (e) {
    return { out, err, error: e };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** A previous list: the fixture's entries less two, plus one the new edition no longer has, dated earlier. */
async function previousList(dir: string): Promise<string> {
  const expected = (await readFile(`${fixtures}eeep-published.xlsx.expected.csv`, 'utf8')).split('\n').filter(Boolean);
  const rows = expected.slice(1).filter((l) => !l.startsWith('tatts.com/nswlotteries') && !l.startsWith('https://1xbet'));
  const old = [expected[0], ...rows.map((l) => l.replace(',2026-07-29,', ',2025-04-21,')), 'gone-casino.example,GMB,Gambling,2025-04-21,old edition,'];
  const file = join(dir, 'eeep.csv');
  await writeFile(file, `${old.join('\n')}\n`);
  return file;
}

describe('censorprobe lists update eeep', () => {
  it('downloads with browser headers, imports, and prints what was added and removed with the edition date', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-update-'));
    const out = await previousList(dir);
    seen.length = 0;
    const r = await run('--url', `${base}/moved`, '--out', out, '--only-nets', GUARD);
    expect(r.error).toBeNull();
    expect(seen.at(-1)?.['user-agent']).toMatch(/^Mozilla\/5\.0 .*Firefox/);
    expect(seen.at(-1)?.referer).toBe('https://hgc.gov.gr/');
    expect(r.out[0]).toBe(`${out}: edition of 2026-07-29 (date from title row 1), 11 entries, from ${base}/wp-content/uploads/blacklist.xlsx`);
    expect(r.out).toContain('2 added, 1 removed since the previous version');
    expect(r.out).toContain('+ tatts.com/nswlotteries');
    expect(r.out).toContain('+ https://1xbet.在线/');
    expect(r.out).toContain('- gone-casino.example');
    const list = parseListText(await readFile(out, 'utf8'), out);
    expect(list.problems).toEqual([]);
    const date = (input: string) => list.entries.find((e) => e.input === input)?.extra['date_added'];
    expect(date('www.10bet.com')).toBe('2025-04-21'); // kept from the previous version
    expect(date('tatts.com/nswlotteries')).toBe('2026-07-29'); // new in this edition
    const expected = `${fixtures}eeep-published.xlsx.expected.csv`;
    expect(list.entries.map((e) => e.input)).toEqual(parseListText(await readFile(expected, 'utf8'), expected).entries.map((e) => e.input));
  });

  it('writes a new list when there is none, saying all entries are new', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-update-'));
    const out = join(dir, 'eeep.csv');
    const r = await run('--url', `${base}/wp-content/uploads/blacklist.xlsx`, '--out', out, '--only-nets', GUARD);
    expect(r.error).toBeNull();
    expect(r.out).toContain(`no previous list at ${out}: all 11 entries are new`);
    expect(parseListText(await readFile(out, 'utf8'), out).entries).toHaveLength(12); // 11 entries and one duplicate row, kept and marked
  });

  for (const [route, code, why] of [
    ['/html', 'CP_LIST_SUSPICIOUS', /HTML page instead of the XLSX/],
    ['/tiny.xlsx', 'CP_LIST_SUSPICIOUS', /shrank by more than half, from 10 to 1 entries/],
    ['/nothing-here', 'CP_DOWNLOAD', /HTTP 404/],
  ] as const) {
    it(`changes nothing and says why: ${route}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cp-update-'));
      const out = await previousList(dir);
      const before = await readFile(out, 'utf8');
      const r = await run('--url', `${base}${route}`, '--out', out, '--only-nets', GUARD);
      expect(r.error).toMatchObject({ code, message: expect.stringMatching(why) });
      expect(await readFile(out, 'utf8')).toBe(before);
    });
  }

  it('has a fixture server as strict as the firewall, so the header check can fail', async () => {
    const { request } = await import('undici');
    const res = await request(`${base}/wp-content/uploads/blacklist.xlsx`);
    expect(res.statusCode).toBe(403);
    await res.body.dump();
  });

  it('gives up after --timeout and on a body over --max-bytes, keeping the old list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-update-'));
    const out = await previousList(dir);
    const before = await readFile(out, 'utf8');
    const slow = await run('--url', `${base}/slow`, '--out', out, '--only-nets', GUARD, '--timeout', '300');
    expect(slow.error).toMatchObject({ code: 'CP_DOWNLOAD', message: expect.stringContaining('no answer within 300 ms') });
    const big = await run('--url', `${base}/wp-content/uploads/blacklist.xlsx`, '--out', out, '--only-nets', GUARD, '--max-bytes', '1000');
    expect(big.error).toMatchObject({ code: 'CP_DOWNLOAD', message: expect.stringContaining('1000-byte cap') });
    expect(await readFile(out, 'utf8')).toBe(before);
  });

  it('never contacts the default URL or an address outside --only-nets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-update-'));
    const out = join(dir, 'eeep.csv');
    await copyFile(`${fixtures}eeep-published.xlsx.expected.csv`, out);
    const byName = await run('--out', out, '--only-nets', GUARD); // default https://hgc.gov.gr/...
    expect(byName.error).toMatchObject({ code: 'CP_GUARD', message: expect.stringContaining('hgc.gov.gr') });
    const byIp = await run('--url', 'http://192.0.2.1/blacklist.xlsx', '--out', out, '--only-nets', GUARD);
    expect(byIp.error).toMatchObject({ code: 'CP_GUARD', message: expect.stringContaining('192.0.2.1') });
    const redirected = await run('--url', `${base}/away`, '--out', out, '--only-nets', GUARD);
    expect(redirected.error).toMatchObject({ code: 'CP_GUARD', message: expect.stringContaining('192.0.2.1') });
    const elsewhere = await run('--url', `${base}/html`, '--out', out, '--only-nets', '127.0.0.2/32');
    expect(elsewhere.error).toMatchObject({ code: 'CP_GUARD' });
  });
});
