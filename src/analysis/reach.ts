// Does a user here get the site? `ok` needs a fetch of the listed URL (its scheme, its path) from one
// of the site's true addresses that a browser would show: over HTTPS a certificate trusted and valid
// for the name, a complete answer below 400 that is not an endless redirect; over plain HTTP also a
// page shown to be the site's (pages.ts). A TCP connection alone proves nothing: a server answering
// garbage, stalling, or serving a broken body is reachable and still useless.
import type { HttpRequest, TestKeys, Target } from '../observations.js';
import { judgePage, locationOf, pageOf, pathOfUrl, samePlace, type PageJudgement, type PageView } from './pages.js';
import { describeFailure, hasTag, splitAddress } from './steps.js';

export interface Reach {
  /** A fetch a user would accept, and why it counts; null when there is none. */
  ok: string | null;
  /** What went wrong with each fetch of the listed URL, in words (empty when none was tried). */
  problems: string[];
  /** A plain-HTTP page that differs from the only reference (or has none): whose page it is is unproven. */
  unproven: string | null;
  /** The listed URL's fetches (for the probe's decision to ask the control). */
  fetches: HttpRequest[];
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/** The probe's fetches of the listed URL itself: its scheme, port and path, the real name, a true address. */
export function listedFetches(target: Target, keys: TestKeys, truthAddrs: string[]): HttpRequest[] {
  const port = target.port ?? DEFAULT_PORT[target.scheme];
  const tag = target.path === '/' ? 'direct' : 'path';
  return keys.requests.filter((r) => {
    const { ip, port: p } = splitAddress(r.request.address);
    // The ISP's own answer counts once the DNS layer found it consistent (a CDN's address).
    return (hasTag(r, tag) || (tag === 'direct' && hasTag(r, 'isp-answer'))) && r.request.host === target.host && p === port && r.request.url.startsWith(`${target.scheme}:`) && pathOfUrl(r.request.url) === target.path && truthAddrs.includes(ip);
  });
}

function certificateProblem(r: HttpRequest, host: string, keys: TestKeys): string | null {
  const hs = keys.tls_handshakes.filter((h) => h.address === r.request.address && h.server_name === host && (hasTag(h, 'direct') || hasTag(h, 'path') || hasTag(h, 'isp-answer')));
  const good = hs.find((h) => h.failure === null && h.trusted && h.valid_for_name);
  if (good) return null;
  const h = hs.find((x) => x.failure === null);
  if (!h) return `the TLS handshake with ${r.request.address} ${describeFailure(hs[0]?.failure ?? 'unknown_failure')}`;
  if (!h.trusted) return `${r.request.address} shows a certificate that is not trusted (${h.verify_error ?? 'unknown reason'})`;
  return `${r.request.address} shows a certificate that is not valid for ${host}${h.peer_certificate ? ` (it names ${h.peer_certificate.names.slice(0, 3).join(', ')})` : ''}`;
}

export function analyzeReach(target: Target, keys: TestKeys, truthAddrs: string[]): Reach {
  const fetches = listedFetches(target, keys, truthAddrs);
  const problems: string[] = [];
  let unproven: string | null = null;
  for (const r of fetches) {
    const where = `${target.scheme === 'https' ? 'HTTPS' : 'HTTP'} from ${r.request.address}`;
    if (target.scheme === 'https') {
      const cert = certificateProblem(r, target.host, keys);
      if (cert) {
        problems.push(cert);
        continue;
      }
    }
    const page = pageOf(r);
    if (!page) {
      problems.push(`fetching ${target.url} over ${where} ${describeFailure(r.failure)}`);
      continue;
    }
    if (r.failure !== null) {
      problems.push(`the answer to ${target.url} over ${where} broke off (${r.failure}) after status ${page.code}`);
      continue;
    }
    // Over plain HTTP the page is first shown to be the site's: a proxy's 403 is not the site's.
    if (target.scheme === 'http') {
      const j: PageJudgement = judgePage(r, target.host, target.url, keys);
      if (j.kind === 'foreign') {
        problems.push(`${target.url} over ${where} is not the site's page: ${j.evidence}`);
        continue;
      }
      if (j.kind !== 'site') {
        unproven = `${target.url} over ${where} answers ${page.code}${page.title ? ` ("${page.title}")` : ''}, and ${j.evidence}: whose page it is cannot be proven over plain HTTP`;
        continue;
      }
      const why = `: ${j.evidence}`;
      const bad = refusalOrLoop(page, r, target, keys, where);
      if (bad) {
        problems.push(bad);
        continue;
      }
      return { ok: `${target.url} answers ${page.code} over ${where}${why}`, problems, unproven: null, fetches };
    }
    const bad = refusalOrLoop(page, r, target, keys, where);
    if (bad) {
      problems.push(bad);
      continue;
    }
    return { ok: `${target.url} answers ${page.code} over ${where} with a certificate valid for ${target.host}`, problems, unproven: null, fetches };
  }
  return { ok: null, problems, unproven, fetches };
}

/** An error status or an endless redirect, in words; null for a page a user would see. */
function refusalOrLoop(page: PageView, r: HttpRequest, target: Target, keys: TestKeys, where: string): string | null {
  if (page.code >= 400) return `${target.url} over ${where} answers ${page.code}${page.title ? ` ("${page.title}")` : ''}`;
  const loc = locationOf(page);
  if (loc && samePlace(loc.href, r.request.url) && loc.protocol === `${target.scheme}:`) return `${target.url} over ${where} redirects to itself`;
  const c = keys.control?.http_request;
  if (loc && c && c.failure === null && c.status_code >= 300 && c.status_code < 400) {
    return `${target.url} over ${where} redirects to ${loc.href}, and the control abroad, following the redirects, never reaches a page`;
  }
  return null;
}
