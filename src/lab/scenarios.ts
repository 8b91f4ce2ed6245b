// The scenario file: one row per list entry saying what the world serves and what the ISP does.
// From it come the lab's configs, its OONI-format list and the ground truth the probe is judged by.
import { readFileSync } from 'node:fs';
import { domainToUnicode } from 'node:url';
import { parse } from 'csv-parse/sync';
import { ScenarioError } from './errors.js';
import { GONE_NET, SITE_BASE, intToIp, ipToInt } from './topology.js';

export const WORLD_KINDS = [
  'site', 'slow', 'https_redirect', 'closed', 'gone', 'nowhere',
  // The site itself refuses the client's network (the lab's "Greece", 198.18.0.0/24), not the control's.
  'geo_403', 'geo_451', 'geo_redirect', 'geo_cdn', 'geo_http_only',
  // Broken everywhere (src/lab/services/hostile-site.ts): the control sees the same failure.
  'garbage', 'redirect_loop', 'stall', 'huge_header', 'broken_chunked', 'cert_expired', 'cert_self_signed', 'cert_wrong_name',
] as const;
/** Worlds where nginx serves the site (with or without a refusal for the client's network). */
export const GEO_KINDS = ['geo_403', 'geo_451', 'geo_redirect', 'geo_cdn', 'geo_http_only'] as const;
export const HOSTILE_KINDS = ['garbage', 'redirect_loop', 'stall', 'huge_header', 'broken_chunked', 'cert_expired', 'cert_self_signed', 'cert_wrong_name'] as const;
/** A sized page holds at least its head and title; at most what the control helper reads (1 MiB). */
export const MIN_PAGE_BYTES = 1024;
export const MAX_PAGE_BYTES = 1024 * 1024;
export type GeoKind = (typeof GEO_KINDS)[number];
export type HostileKind = (typeof HOSTILE_KINDS)[number];
export const isGeo = (w: string): w is GeoKind => (GEO_KINDS as readonly string[]).includes(w);
export const isHostile = (w: string): w is HostileKind => (HOSTILE_KINDS as readonly string[]).includes(w);
export const DNS_KINDS = [
  'truth', 'cdn', 'nxdomain', 'refused', 'servfail', 'timeout', 'no_answer', '0.0.0.0', '127.0.0.1',
  'blockpage', 'blockpage_additional',
  // The ISP resolver's front answers listed names with replies that do not decode.
  'malformed_loop', 'malformed_truncated', 'malformed_label',
] as const;
export const IP_KINDS = ['drop', 'reset', 'unreachable'] as const;
// proxy_page_*: the transparent proxy answers its own page, which no fingerprint knows.
export const DPI_KINDS = ['sni_reset', 'sni_drop', 'host_reset', 'proxy_blockpage', 'proxy_redirect', 'proxy_page_200', 'proxy_page_403'] as const;
export const URL_KINDS = ['path_reset', 'path_redirect', 'path_page_200', 'path_page_403'] as const;

export type WorldKind = (typeof WORLD_KINDS)[number];
export type IspDns = (typeof DNS_KINDS)[number];
export type IspIp = (typeof IP_KINDS)[number];
export type IspDpi = (typeof DPI_KINDS)[number];
export type IspUrl = (typeof URL_KINDS)[number];

export type Verdict = 'ok' | 'dns' | 'ip' | 'dpi' | 'url' | 'geoblock' | 'down' | 'inconclusive';
export type DnsLayer = 'nxdomain' | 'refused' | 'servfail' | 'timeout' | 'no_answer' | 'bogon' | 'blockpage' | 'malformed';
export interface Layers {
  dns: DnsLayer | null;
  ip: IspIp | null;
  dpi: 'sni' | 'host' | null;
  url: 'path' | null;
}

export interface GroundTruth {
  input: string;
  host: string;
  kind: string;
  verdict: Verdict;
  layers: Layers;
  notes: string;
}

export interface Scenario {
  input: string;
  category_code: string;
  scheme: 'http' | 'https';
  /** ASCII (punycode) host, as sent on the wire. */
  host: string;
  host_unicode: string;
  /** Path and query, '/' when none. */
  path: string;
  world: WorldKind;
  dns: IspDns;
  ip: IspIp | null;
  dpi: IspDpi | null;
  url: IspUrl | null;
  share: string | null;
  notes: string;
  /** The site's true address (null when the name exists nowhere). */
  siteIp: string | null;
  /** The other CDN address the ISP returns (dns=cdn). */
  cdnIp: string | null;
  /** Blocked only because it shares an IP-blocked address (its row names no block). */
  collateral?: boolean;
  /**
   * The size in bytes of the site's page (column `page_bytes`), for a benchmark with pages of real
   * sites' sizes; null: the lab's own short page naming the host.
   */
  pageBytes: number | null;
  kind: string;
}

function oneOf<T extends string>(values: readonly T[], raw: string, column: string, row: number, empty: T | null): T | null {
  const v = raw.trim();
  if (v === '') return empty;
  if ((values as readonly string[]).includes(v)) return v as T;
  throw new ScenarioError(`scenario row ${row}: ${column} "${v}" is not one of ${values.join(', ')}`);
}

export function kindLabel(s: Pick<Scenario, 'world' | 'dns' | 'ip' | 'dpi' | 'url'>): string {
  const parts: string[] = [];
  if (s.dns === 'cdn') parts.push('cdn');
  else if (s.dns !== 'truth') parts.push(`dns-${s.dns}`);
  if (s.ip) parts.push(`ip-${s.ip}`);
  if (s.dpi) parts.push(`dpi-${s.dpi}`);
  if (s.url) parts.push(`url-${s.url}`);
  if (s.world !== 'site') parts.push(`world-${s.world}`);
  return parts.length ? parts.join('+') : 'ok';
}

export function layersOf(s: Pick<Scenario, 'dns' | 'ip' | 'dpi' | 'url'>): Layers {
  const dns: DnsLayer | null =
    s.dns === 'truth' || s.dns === 'cdn'
      ? null
      : s.dns === '0.0.0.0' || s.dns === '127.0.0.1'
        ? 'bogon'
        : s.dns === 'blockpage_additional'
          ? 'blockpage'
          : s.dns.startsWith('malformed_')
            ? 'malformed'
            : (s.dns as DnsLayer);
  const dpi = s.dpi === null ? null : s.dpi.startsWith('sni_') ? 'sni' : 'host';
  return { dns, ip: s.ip, dpi, url: s.url ? 'path' : null };
}

export function verdictOf(s: Pick<Scenario, 'world' | 'dns' | 'ip' | 'dpi' | 'url'>): Verdict {
  const l = layersOf(s);
  if (l.dns) return 'dns';
  if (l.ip) return 'ip';
  if (l.dpi) return 'dpi';
  if (l.url) return 'url';
  if (s.world === 'closed' || s.world === 'gone' || s.world === 'nowhere' || isHostile(s.world)) return 'down';
  // A refusal over plain HTTP only cannot be told from an ISP's page: inconclusive, never a block.
  if (s.world === 'geo_http_only') return 'inconclusive';
  return isGeo(s.world) ? 'geoblock' : 'ok';
}

export function groundTruth(s: Scenario): GroundTruth {
  return { input: s.input, host: s.host, kind: s.kind, verdict: verdictOf(s), layers: layersOf(s), notes: s.notes };
}

function parseTarget(input: string, row: number): { scheme: 'http' | 'https'; host: string; path: string } {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(input) ? input : `http://${input}`);
  } catch {
    throw new ScenarioError(`scenario row ${row}: "${input}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ScenarioError(`scenario row ${row}: "${input}" is neither http nor https`);
  }
  if (url.port !== '') throw new ScenarioError(`scenario row ${row}: "${input}": the lab serves default ports only`);
  return { scheme: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, path: `${url.pathname}${url.search}` || '/' };
}

/** Checks a row's combination is one the lab can build and whose ground truth is unambiguous. */
function validate(s: Scenario, row: number): void {
  const fail = (why: string) => {
    throw new ScenarioError(`scenario row ${row} (${s.input}): ${why}`);
  };
  const served = s.world === 'site' || s.world === 'https_redirect' || s.world === 'slow';
  if ((isGeo(s.world) || isHostile(s.world)) && (s.dns !== 'truth' || s.ip || s.dpi || s.url || s.share)) fail('refusing and broken sites are not blocked here and have an address of their own');
  if (s.world === 'geo_http_only' && s.scheme !== 'http') fail('an HTTP-only site needs an http:// input');
  if (s.world.startsWith('cert_') && s.scheme !== 'https') fail('a certificate case needs an https:// input');
  if (s.pageBytes !== null) {
    if (!Number.isSafeInteger(s.pageBytes) || s.pageBytes < MIN_PAGE_BYTES || s.pageBytes > MAX_PAGE_BYTES) fail(`page_bytes must be a whole number from ${MIN_PAGE_BYTES} to ${MAX_PAGE_BYTES}`);
    if (s.world !== 'site') fail('page_bytes sizes a plain site\'s page only');
  }
  if (s.world === 'nowhere' && (s.dns !== 'truth' || s.ip || s.dpi || s.url)) fail('a name that exists nowhere cannot be blocked');
  if (!served && (s.dpi || s.url)) fail('DPI and URL blocks need a site that answers');
  if (s.url && (s.scheme !== 'http' || s.path === '/')) fail('a URL block needs an http:// input with a path');
  // The path goes verbatim into an iptables --hex-string pattern.
  if (s.url && /[|"\s]/.test(s.path)) fail('a URL-blocked path cannot hold |, " or spaces');
  if (s.dpi && s.dpi !== 'sni_reset' && s.dpi !== 'sni_drop' && s.scheme !== 'http') fail('Host DPI needs an http:// input');
  if (s.share && s.world !== 'site') fail('only plain sites can share an IP');
  if (s.dns === 'cdn' && s.world !== 'site') fail('the CDN case needs a plain site');
  if ((s.dpi?.startsWith('proxy_') || s.url === 'path_redirect' || s.url?.startsWith('path_page_')) && s.ip) fail('a proxied IP cannot also be IP-blocked');
}

export function parseScenarios(text: string): Scenario[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#' }) as Record<string, string>[];
  const out: Scenario[] = [];
  const seen = new Set<string>();
  const shareIp = new Map<string, string>();
  let nextSite = ipToInt(SITE_BASE) + 1;
  let nextGone = ipToInt(GONE_NET.split('/')[0] ?? '') + 1;
  const takeSite = () => {
    const ip = intToIp(nextSite++);
    if (ipToInt(ip) >= ipToInt(GONE_NET.split('/')[0] ?? '')) throw new ScenarioError('too many scenario sites for 198.18.16.0/20');
    return ip;
  };
  rows.forEach((r, i) => {
    const row = i + 2;
    const input = (r.input ?? '').trim();
    if (!input) throw new ScenarioError(`scenario row ${row}: empty input`);
    const t = parseTarget(input, row);
    if (seen.has(t.host)) throw new ScenarioError(`scenario row ${row}: host ${t.host} appears twice`);
    seen.add(t.host);
    const base = {
      world: oneOf(WORLD_KINDS, r.world ?? '', 'world', row, 'site') as WorldKind,
      dns: oneOf(DNS_KINDS, r.isp_dns ?? '', 'isp_dns', row, 'truth') as IspDns,
      ip: oneOf(IP_KINDS, r.isp_ip ?? '', 'isp_ip', row, null),
      dpi: oneOf(DPI_KINDS, r.isp_dpi ?? '', 'isp_dpi', row, null),
      url: oneOf(URL_KINDS, r.isp_url ?? '', 'isp_url', row, null),
    };
    const share = (r.share ?? '').trim() || null;
    const rawBytes = (r.page_bytes ?? '').trim();
    const pageBytes = rawBytes === '' ? null : Number(rawBytes);
    const s: Scenario = {
      input,
      category_code: (r.category_code ?? '').trim() || 'MISC',
      ...t,
      host_unicode: domainToUnicode(t.host) || t.host,
      ...base,
      share,
      notes: (r.notes ?? '').trim(),
      siteIp: null,
      cdnIp: null,
      kind: kindLabel(base),
      pageBytes,
    };
    validate(s, row);
    if (s.world === 'gone') s.siteIp = intToIp(nextGone++);
    else if (s.world !== 'nowhere') {
      if (share) {
        const ip = shareIp.get(share) ?? takeSite();
        shareIp.set(share, ip);
        s.siteIp = ip;
      } else s.siteIp = takeSite();
    }
    if (s.dns === 'cdn') s.cdnIp = takeSite();
    out.push(s);
  });
  if (out.length === 0) throw new ScenarioError('the scenario file has no rows');
  // An IP block takes every site on the address with it: a bystander in the same share group is
  // blocked by IP too (collateral damage), and its ground truth says so.
  for (const s of out) {
    if (s.ip || !s.share) continue;
    const blocked = out.find((o) => o.share === s.share && o.ip);
    if (blocked) {
      s.ip = blocked.ip;
      s.collateral = true;
      s.kind = kindLabel(s);
    }
  }
  return out;
}

export function loadScenarios(file: string): Scenario[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario file ${file}`, { cause: err });
  }
  return parseScenarios(text);
}

/** Every address the world namespace must own (sites and CDN copies; gone hosts are elsewhere). */
export function worldSiteIps(scenarios: readonly Scenario[]): string[] {
  const ips = new Set<string>();
  for (const s of scenarios) {
    if (s.siteIp && s.world !== 'gone') ips.add(s.siteIp);
    if (s.cdnIp) ips.add(s.cdnIp);
  }
  return [...ips];
}

const CATEGORY: Record<string, string> = {
  GMB: 'Gambling', NEWS: 'News Media', CULTR: 'Culture', HUMR: 'Human Rights Issues', FILE: 'File-sharing',
  CTRL: 'Control content', MISC: 'Miscellaneous content',
};

/** The lab's list in OONI test-list format, one row per scenario entry. */
export function listCsv(scenarios: readonly Scenario[], date: string): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['url,category_code,category_description,date_added,source,notes'];
  for (const s of scenarios) {
    lines.push([s.input, s.category_code, CATEGORY[s.category_code] ?? s.category_code, date, 'censorprobe-lab', s.kind].map(q).join(','));
  }
  return `${lines.join('\n')}\n`;
}
