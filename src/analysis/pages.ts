// Is a fetched page the site? A plain-HTTP page can be anyone's (a transparent proxy answers for the
// site), so it is compared with pages whose origin is known: the control's fetch of the same URL
// from abroad, and the same site's page over HTTPS from the same address with a certificate valid
// for its name. The comparison follows OONI web_connectivity's http-diff (ts-017): the status class,
// then any of title, body length ratio (> 0.7) or distinctive header names agreeing means the same
// page; a redirect to the same site is the site's own. Fingerprints only name whose page it is.
import type { HttpRequest, TestKeys } from '../observations.js';
import { hasTag, responseReaction, splitAddress } from './steps.js';

/** The parts of a page the comparison reads, from a probe step or the control's answer. */
export interface PageView {
  code: number;
  title: string | null;
  /** The page's length: the bytes read, or the declared Content-Length when reading stopped at the cap. */
  body_length: number;
  /** Reading stopped at the cap and the page declared no length: it has at least body_length bytes. */
  body_length_is_lower_bound?: boolean;
  body_sha256: string | null;
  headers: Record<string, string>;
  /** The URL the page answers for, to resolve a relative Location. */
  url: string;
}

/** Header names every server sends or that say nothing about who answered (lower case). */
const COMMON_HEADERS = new Set([
  'date', 'content-type', 'content-length', 'content-encoding', 'content-language', 'transfer-encoding', 'connection',
  'keep-alive', 'server', 'cache-control', 'expires', 'last-modified', 'etag', 'vary', 'accept-ranges', 'age',
  'pragma', 'set-cookie', 'location', 'via', 'strict-transport-security', 'x-frame-options', 'x-content-type-options',
  'x-xss-protection', 'referrer-policy', 'content-security-policy', 'alt-svc', 'link', 'p3p',
]);

export const BODY_RATIO = 0.7;

export function pageOf(r: HttpRequest): PageView | null {
  const res = r.response;
  if (res === null) return null;
  // The probe reads only the first bytes of a page (src/net/http.ts): a body cut at that cap (not by
  // a failure) is as long as its Content-Length says, or at least as long as what was read.
  const capped = res.body_is_truncated && r.failure === null;
  const declared = capped ? Number(res.headers['content-length']) : NaN;
  const known = Number.isSafeInteger(declared) && declared >= res.body_length;
  return {
    code: res.code, title: res.title, body_length: known ? declared : res.body_length, body_sha256: res.body_sha256, headers: res.headers, url: r.request.url,
    ...(capped && !known ? { body_length_is_lower_bound: true } : {}),
  };
}

/**
 * OONI's body length ratio (> 0.7), where a length may be a lower bound: the lengths agree when
 * some lengths they allow would. A short page (a blockpage) never agrees with a long one cut at the cap.
 */
export function lengthsAgree(a: PageView, b: PageView): boolean {
  if (a.body_length_is_lower_bound && b.body_length_is_lower_bound) return true;
  const [cut, other] = a.body_length_is_lower_bound ? [a, b] : b.body_length_is_lower_bound ? [b, a] : [null, null];
  if (cut && other) return other.body_length >= cut.body_length || other.body_length / cut.body_length > BODY_RATIO;
  const max = Math.max(a.body_length, b.body_length);
  return max === 0 || Math.min(a.body_length, b.body_length) / max > BODY_RATIO;
}

/** The control's page of the listed URL, when it fetched one. */
export function controlPage(keys: TestKeys, url: string): PageView | null {
  const h = keys.control?.http_request;
  if (!h || h.failure !== null || h.status_code < 0) return null;
  return { code: h.status_code, title: h.title || null, body_length: h.body_length, body_sha256: null, headers: h.headers, url: h.final_url ?? url };
}

export function isRedirect(code: number): boolean {
  return code >= 300 && code < 400;
}

/** The Location of a redirect, resolved; null when absent or unparsable. */
export function locationOf(p: PageView): URL | null {
  const loc = p.headers['location'];
  if (!isRedirect(p.code) || !loc) return null;
  try {
    return new URL(loc, p.url);
  } catch {
    return null;
  }
}

/** Hosts of one site: the same name, or the name with or without a leading `www.`. */
export function sameSite(a: string, b: string): boolean {
  const strip = (h: string) => h.toLowerCase().replace(/\.$/, '').replace(/^www\./, '');
  return strip(a) === strip(b);
}

const normTitle = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim().toLocaleLowerCase('el');

function distinctive(h: Record<string, string>): Set<string> {
  return new Set(Object.keys(h).map((k) => k.toLowerCase()).filter((k) => !COMMON_HEADERS.has(k)));
}

export interface Comparison {
  same: boolean;
  /** What differs (or agrees), in words: `status 403 vs 200, title "X" vs "Y", 310 vs 4096 bytes`. */
  detail: string;
}

/** Whether page `a` is the page `ref` (OONI's http-diff rules, see the file's head). */
export function comparePages(a: PageView, ref: PageView): Comparison {
  const parts: string[] = [`status ${a.code} vs ${ref.code}`];
  const titleA = normTitle(a.title);
  const titleB = normTitle(ref.title);
  if (titleA || titleB) parts.push(`title "${a.title ?? ''}" vs "${ref.title ?? ''}"`);
  parts.push(`${a.body_length}${a.body_length_is_lower_bound ? '+' : ''} vs ${ref.body_length}${ref.body_length_is_lower_bound ? '+' : ''} bytes`);
  const detail = parts.join(', ');
  if (Math.floor(a.code / 100) !== Math.floor(ref.code / 100)) return { same: false, detail };
  if (a.body_sha256 !== null && a.body_sha256 === ref.body_sha256) return { same: true, detail: 'the same body' };
  if (isRedirect(a.code)) {
    const la = locationOf(a);
    const lb = locationOf(ref);
    return { same: la !== null && lb !== null && la.href === lb.href, detail: `redirect to ${la?.href ?? '?'} vs ${lb?.href ?? '?'}` };
  }
  const titleMatch = titleA !== '' && titleA === titleB;
  const bodyMatch = lengthsAgree(a, ref);
  const ha = distinctive(a.headers);
  const headerMatch = [...distinctive(ref.headers)].some((k) => ha.has(k));
  return { same: titleMatch || bodyMatch || headerMatch, detail };
}

/** How a plain-HTTP page the verdict relies on was judged. */
export type PageJudgement =
  | { kind: 'site'; evidence: string }
  /** Differs from every reference, and both the control and HTTPS were there to compare: not the site. */
  | { kind: 'foreign'; evidence: string }
  /** Differs from the only reference there was: not proven either way by itself. */
  | { kind: 'differs'; evidence: string; against: 'control' | 'https' }
  | { kind: 'unchecked'; evidence: string };

/** The same site's page over HTTPS from the same IP with a certificate valid for `host`, same path. */
export function httpsPageFrom(ip: string, host: string, path: string, keys: TestKeys): HttpRequest | null {
  const valid = keys.tls_handshakes.some(
    (h) => splitAddress(h.address).ip === ip && h.server_name === host && (hasTag(h, 'direct') || hasTag(h, 'path')) && h.failure === null && h.trusted && h.valid_for_name,
  );
  if (!valid) return null;
  return (
    keys.requests.find(
      (r) =>
        r.request.url.startsWith('https:') && r.request.host === host && splitAddress(r.request.address).ip === ip && (hasTag(r, 'direct') || hasTag(r, 'path')) &&
        pathOfUrl(r.request.url) === path && r.response !== null && r.failure === null,
    ) ?? null
  );
}

export function pathOfUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

/**
 * Judges a plain-HTTP page with the real Host from one of the site's addresses. `listedUrl` is the
 * URL the control fetched: its page is a reference only for a request of that very URL.
 */
export function judgePage(r: HttpRequest, host: string, listedUrl: string, keys: TestKeys): PageJudgement {
  const page = pageOf(r);
  if (!page) return { kind: 'unchecked', evidence: 'no page came' };
  const fp = responseReaction(r).fingerprint;
  if (fp) return { kind: 'foreign', evidence: `a known blockpage (${fp.name})` };
  const loc = locationOf(page);
  if (loc && sameSite(loc.hostname, host)) return { kind: 'site', evidence: `a redirect to ${loc.href} on the same site` };
  const path = pathOfUrl(r.request.url);
  const refs: { what: 'control' | 'https'; page: PageView; label: string }[] = [];
  const https = httpsPageFrom(splitAddress(r.request.address).ip, host, path, keys);
  const httpsView = https ? pageOf(https) : null;
  if (httpsView) refs.push({ what: 'https', page: httpsView, label: 'the site\'s HTTPS page from the same address (certificate valid for the name)' });
  const listed = sameUrl(r.request.url, listedUrl) ? controlPage(keys, listedUrl) : null;
  if (listed) refs.push({ what: 'control', page: listed, label: 'the page the control gets abroad' });
  if (refs.length === 0) return { kind: 'unchecked', evidence: 'no HTTPS page with a valid certificate nor a control page to compare it with' };
  const diffs: string[] = [];
  for (const ref of refs) {
    const c = comparePages(page, ref.page);
    if (c.same) return { kind: 'site', evidence: `the same page as ${ref.label}` };
    diffs.push(`${ref.label} differs (${c.detail})`);
  }
  if (refs.length === 2) return { kind: 'foreign', evidence: diffs.join('; ') };
  return { kind: 'differs', evidence: diffs.join('; '), against: refs[0]!.what };
}

/** Same scheme, host and path+query (the probe writes the Host into its URLs, the list may not). */
export function sameUrl(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.hostname.toLowerCase() === y.hostname.toLowerCase() && x.pathname + x.search === y.pathname + y.search;
  } catch {
    return false;
  }
}

/** Same host and path+query whatever the scheme (a site's http and https pages are one place). */
export function samePlace(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return sameSite(x.hostname, y.hostname) && x.pathname + x.search === y.pathname + y.search;
  } catch {
    return false;
  }
}
