// `censorprobe lists update eeep`: fetches the regulator's list as published, imports it with the
// importer, and replaces lists/eeep.csv only when the download is plausible: an XLSX (not the
// firewall's HTML page) that did not shrink by more than half. Otherwise nothing changes and the
// reason is printed. Entries already on the list keep their date_added; new ones get the edition's.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { CensorprobeError, GuardError, UsageError } from '../errors.js';
import { NetGuard, openGuard, type Guard } from '../net/guard.js';
import { parseCsv, csvLine } from './csv.js';
import { loadSheet, readEeepXlsx } from './import/xlsx.js';
import { publishedToCsv, type ImportResult } from './import/published.js';
import { entryKey, parseListText } from './load.js';
import { normaliseUrl } from './normalise.js';

import { EEEP_URL } from './sources.js';

export { EEEP_URL };
// hgc.gov.gr's firewall refuses clients that do not look like a browser coming from its site.
export const BROWSER_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
export const EEEP_REFERER = 'https://hgc.gov.gr/';
const MAX_REDIRECTS = 5;

/** The download failed: network, HTTP status, size cap or timeout. */
export class DownloadError extends CensorprobeError {
  override readonly code = 'CP_DOWNLOAD';
}

/** The download looks wrong (an HTML page, a list that shrank by more than half, no entries). */
export class SuspiciousListError extends CensorprobeError {
  override readonly code = 'CP_LIST_SUSPICIOUS';
}

export interface Downloaded {
  url: string;
  data: Buffer;
  contentType: string;
  lastModified: string | null;
}

function checkHost(url: URL, guard: Guard): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    guard.check(host, 'list download');
    return;
  }
  // Resolving a name is itself a packet to a resolver, so under a guard only literals are allowed.
  if (guard.cidrs.length > 0 && host !== 'localhost') {
    throw new GuardError(`refused to look up ${host} (list download): --only-nets allows only IP literals in --url`, {
      hint: 'give --url with an IP address inside --only-nets',
    });
  }
}

/** Fetches `url` with a browser's headers, a size cap and an overall timeout; follows redirects. */
export async function downloadList(url: string, o: { guard: Guard; timeoutMs: number; maxBytes: number }): Promise<Downloaded> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  // Names (no guard) are checked again after resolution, before the connection is made.
  const lookup = (hostname: string, options: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const bad = addresses.find((a) => !o.guard.allows(a.address));
      if (bad !== undefined) return cb(new GuardError(`refused to contact ${bad.address} (list download): outside --only-nets`), []);
      const all = (options as { all?: boolean }).all === true;
      const first = addresses[0];
      if (all || first === undefined) cb(null, addresses);
      else cb(null, first.address, first.family);
    });
  };
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connect: { timeout: o.timeoutMs, lookup }, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  try {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new UsageError(`--url: ${current.href} is not an http(s) URL`);
      checkHost(current, o.guard);
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(current, {
          dispatcher: agent,
          signal,
          headers: {
            'user-agent': BROWSER_USER_AGENT,
            referer: EEEP_REFERER,
            accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,*/*;q=0.8',
          },
        });
      } catch (err) {
        if (err instanceof CensorprobeError) throw err;
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof GuardError) throw cause;
        const what = signal.aborted ? `no answer within ${o.timeoutMs} ms` : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
        throw new DownloadError(`${current.href}: download failed (${what})`, { cause: err });
      }
      const header = (name: string) => {
        const v = res.headers[name];
        return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
      };
      if (res.statusCode >= 300 && res.statusCode < 400 && header('location') !== null) {
        await res.body.dump();
        if (hop >= MAX_REDIRECTS) throw new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`);
        current = new URL(header('location') ?? '', current);
        continue;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        const hint = res.statusCode === 403 ? 'the site\'s firewall may have refused the download' : undefined;
        throw new DownloadError(`${current.href}: HTTP ${res.statusCode}`, hint === undefined ? {} : { hint });
      }
      const length = Number(header('content-length') ?? NaN);
      if (length > o.maxBytes) {
        res.body.destroy();
        throw new DownloadError(`${current.href}: ${length} bytes is more than the ${o.maxBytes}-byte cap`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > o.maxBytes) {
            res.body.destroy();
            throw new DownloadError(`${current.href}: more than the ${o.maxBytes}-byte cap`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof CensorprobeError) throw err;
        throw new DownloadError(`${current.href}: download failed while reading (${signal.aborted ? `no answer within ${o.timeoutMs} ms` : (err as Error).message})`, { cause: err });
      }
      return { url: current.href, data: Buffer.concat(chunks), contentType: header('content-type') ?? '', lastModified: header('last-modified') };
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
}

const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32BE(0) === 0x504b0304;
const looksHtml = (d: Downloaded) => /html/i.test(d.contentType) || /^\s*(<!doctype|<html|<head|<body|<\?xml|<)/i.test(d.data.subarray(0, 512).toString('latin1'));

/** The edition's date: from the title rows ("... - 29/07/2026"), else Last-Modified, else today. */
export async function editionDate(data: Buffer, lastModified: string | null, today = new Date()): Promise<{ date: string; from: string }> {
  const { rows } = loadSheet(data, 'the downloaded list');
  // Title rows only: the data rows below the headers hold decision dates, not the edition's.
  const header = rows.findIndex((row) => row.some((c) => /^(WEBSITE|DOMAIN NAME)$/i.test(c.trim())));
  for (let r = 1; r <= Math.min(3, header < 0 ? rows.length : header); r++) {
    const text = (rows[r - 1] ?? []).join(' ');
    const dmy = /\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b/.exec(text);
    const iso = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(text);
    const [y, m, d] = dmy !== null ? [dmy[3], dmy[2], dmy[1]] : iso !== null ? [iso[1], iso[2], iso[3]] : [];
    if (y !== undefined && m !== undefined && d !== undefined) {
      const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
      if (!Number.isNaN(Date.parse(date))) return { date, from: `title row ${r}` };
    }
  }
  if (lastModified !== null && !Number.isNaN(Date.parse(lastModified))) {
    return { date: new Date(lastModified).toISOString().slice(0, 10), from: 'Last-Modified header' };
  }
  return { date: today.toISOString().slice(0, 10), from: 'today (no date in the file)' };
}

export interface UpdateResult {
  out: string;
  url: string;
  edition: { date: string; from: string };
  imported: ImportResult;
  /** Entries (as listed) new since the previous file, and gone from it; null without a previous file. */
  added: string[] | null;
  removed: string[] | null;
  total: number;
}

function keyOf(input: string): string | null {
  const n = normaliseUrl(input);
  return n.ok ? entryKey(n.value) : null;
}

/** Downloads, checks and imports the list, then replaces `out` (written whole, then renamed). */
export async function updateEeep(o: { url: string; out: string; guard: Guard; timeoutMs: number; maxBytes: number; date?: string }): Promise<UpdateResult> {
  const got = await downloadList(o.url, o);
  if (!isZip(got.data)) {
    if (looksHtml(got)) {
      throw new SuspiciousListError(`${got.url}: got an HTML page instead of the XLSX list; ${o.out} is unchanged`, {
        hint: "the site's firewall or an error page answered; try again later or download it with a browser and use `lists import eeep`",
      });
    }
    throw new SuspiciousListError(`${got.url}: not an XLSX file (${got.contentType || 'no content type'}); ${o.out} is unchanged`);
  }
  const entries = await readEeepXlsx(got.data, got.url);
  const edition = o.date !== undefined ? { date: o.date, from: '--date' } : await editionDate(got.data, got.lastModified);
  const imported = publishedToCsv(entries, { source: `HGC/EEEP blacklist ${edition.date} (${got.url})`, dateAdded: edition.date });
  if (imported.written === 0) throw new SuspiciousListError(`${got.url}: the list holds no usable entries; ${o.out} is unchanged`);

  let previous: string | null = null;
  try {
    previous = await readFile(o.out, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const before = new Map<string, { input: string; date: string }>();
  if (previous !== null) {
    for (const e of parseListText(previous, o.out).entries) before.set(entryKey(e), { input: e.input, date: e.extra['date_added'] ?? '' });
  }

  // Keep each known entry's date_added; collect what is new.
  const { records } = parseCsv(imported.csv);
  const lines: string[] = [];
  const after = new Set<string>();
  const added: string[] = [];
  for (const [i, rec] of records.entries()) {
    const fields = [...rec.fields];
    const key = i === 0 ? null : keyOf(fields[0] ?? '');
    if (key !== null) {
      const old = before.get(key);
      if (old !== undefined && old.date !== '') fields[3] = old.date;
      if (old === undefined && !after.has(key)) added.push(fields[0] ?? '');
      after.add(key);
    }
    lines.push(csvLine(fields));
  }
  const removed = [...before].filter(([k]) => !after.has(k)).map(([, v]) => v.input);
  if (previous !== null && after.size * 2 < before.size) {
    throw new SuspiciousListError(`${got.url}: the list shrank by more than half, from ${before.size} to ${after.size} entries; ${o.out} is unchanged`, {
      hint: 'a truncated or wrong file is likelier than the regulator dropping half its list; check it by hand and use `lists import eeep` if it is right',
    });
  }
  const tmp = `${o.out}.update-${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${lines.join('\n')}\n`);
    await rename(tmp, o.out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return {
    out: o.out,
    url: got.url,
    edition,
    imported,
    added: previous === null ? null : added,
    removed: previous === null ? null : removed,
    total: after.size,
  };
}

export function formatUpdate(r: UpdateResult): string[] {
  const lines = [`${r.out}: edition of ${r.edition.date} (date from ${r.edition.from}), ${r.total} entries, from ${r.url}`];
  if (r.added === null || r.removed === null) {
    lines.push(`no previous list at ${r.out}: all ${r.total} entries are new`);
    return lines;
  }
  lines.push(`${r.added.length} added, ${r.removed.length} removed since the previous version`);
  for (const a of r.added) lines.push(`+ ${a}`);
  for (const d of r.removed) lines.push(`- ${d}`);
  return lines;
}
