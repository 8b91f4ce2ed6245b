// What the measurement plan ran, read from the observations alone. The probe's plan always runs
// every step, so this changes nothing for its own runs; measurements made by another plan (OONI's
// web_connectivity has no swap test, sometimes no resolver abroad) lack some, and a verdict that
// would rest on a step nobody ran is `inconclusive`, saying which step was missing. Pure.
import { analyze } from './analyze.js';
import { comparePages, controlPage, pageOf, sameUrl } from './pages.js';
import { answerAddrs, firstReplies, hasTag, isReaction, joinAddress, responseReaction, splitAddress } from './steps.js';
import type { StepTag } from '../observations.js';
import type { Analysis, AnalysisInput } from './types.js';

/** A step our analysis wants, named for counting (`report.json`) and for the reason sentence. */
export type MissingStep = 'swap-test' | 'site-root' | 'true-address' | 'resolver-abroad' | 'https-page';

export const MISSING_STEP_TEXT: Record<MissingStep, string> = {
  'swap-test': 'the swap test (an innocuous name on the same address) was not run',
  'site-root': "the site's front page on the same address was not fetched",
  'true-address': "no connection to the site's true address (from resolvers abroad or the control) was made",
  'resolver-abroad': 'no resolver abroad and no control answered for the name',
  'https-page': "the site's page over HTTPS from the same address (which shows whose the plain-HTTP page is) was not fetched",
};

export interface Coverage {
  /** Steps the verdict would need that the measurement lacks. */
  missing: MissingStep[];
  /** The site's own reacting step that only a missing step could explain, in words. */
  unexplained: string | null;
}

/**
 * Which steps are missing for this measurement. A reacting request or handshake for the real name
 * on a true address is judged by the swap test (DPI) or the site's root (URL filtering); without
 * them nothing can tell a block from the site's own failure, and `ok` would be a guess.
 */
export function coverage({ target, test_keys: keys }: AnalysisInput): Coverage {
  const missing = new Set<MissingStep>();
  let unexplained: string | null = null;
  const foreign = firstReplies(keys, 'foreign', 'A').some((q) => q.rcode !== null || q.failure === null);
  if (!target.is_ip && !foreign && !keys.control) missing.add('resolver-abroad');
  const direct = (t: { tags: StepTag[] }) => hasTag(t, 'direct') || hasTag(t, 'path');
  if (!target.is_ip && foreign && keys.tcp_connect.filter(direct).length === 0 && answerAddrs(firstReplies(keys, 'foreign', 'A')[0]).length > 0) {
    missing.add('true-address');
  }
  const innocuousAt = (address: string) => keys.tls_handshakes.some((h) => h.address === address && hasTag(h, 'swap-innocuous')) ||
    keys.requests.some((r) => r.request.address === address && hasTag(r, 'swap-innocuous')) ||
    keys.tcp_connect.some((c) => hasTag(c, 'swap-innocuous') && joinAddress(c.ip, c.port) === address);
  for (const h of keys.tls_handshakes) {
    if (!direct(h) || h.server_name !== target.host || !isReaction(h.failure) || innocuousAt(h.address)) continue;
    missing.add('swap-test');
    unexplained ??= `a TLS handshake with ${h.address} naming ${target.host} failed (${h.failure})`;
  }
  for (const r of keys.requests) {
    if (!direct(r) || r.request.host !== target.host) continue;
    const { reaction } = responseReaction(r);
    if (!reaction) continue;
    const address = r.request.address;
    if (hasTag(r, 'path')) {
      const { port } = splitAddress(address);
      const root = keys.requests.some((x) => hasTag(x, 'direct') && x.request.address === address && splitAddress(x.request.address).port === port);
      if (!root) missing.add('site-root');
    }
    if (!innocuousAt(address)) missing.add('swap-test');
    if (missing.has('swap-test') || missing.has('site-root')) unexplained ??= `the request for ${r.request.url} at ${address} ${r.failure ? `failed (${r.failure})` : 'got a page a censor serves'}`;
  }
  // A plain-HTTP page is shown to be the site's by its HTTPS twin or the control (pages.ts).
  const plain = keys.requests.some((r) => direct(r) && r.request.host === target.host && r.request.url.startsWith('http:') && r.response !== null);
  const https = keys.requests.some((r) => direct(r) && r.request.host === target.host && r.request.url.startsWith('https:'));
  if (target.scheme === 'http' && plain && !https) missing.add('https-page');
  return { missing: [...missing], unexplained };
}

/**
 * `analyze`, then honest about the plan: a verdict that no layer decided (`ok`, `down`) while a
 * step it needed is missing becomes `inconclusive`, naming the step. Blocks found by a layer stand:
 * each layer only decides on the steps it has.
 */
export function judge(input: AnalysisInput): Analysis & { missing_steps: MissingStep[] } {
  const a = analyze(input);
  const c = coverage(input);
  const decidedByLayer = a.verdict === 'dns' || a.verdict === 'ip' || a.verdict === 'dpi' || a.verdict === 'url';
  if (decidedByLayer || c.missing.length === 0) return { ...a, missing_steps: c.missing };
  // Inconclusive already: the missing step is named only when it is what leaves a reaction unexplained.
  if (a.verdict === 'inconclusive' && c.unexplained === null) return { ...a, missing_steps: c.missing };
  // An `ok` resting on a plain-HTTP page that differs from the control's (a same-site redirect the
  // control did not get, say) is the site's own only if its HTTPS twin says so; without it, unknown.
  const unproven = a.verdict === 'ok' && c.missing.includes('https-page') ? plainDiffersFromControl(input) : null;
  if (unproven) c.unexplained = unproven;
  const blocking = c.unexplained !== null;
  if (!blocking && !(a.verdict === 'ok' && c.missing.includes('true-address'))) return { ...a, missing_steps: c.missing };
  const why = c.missing.map((m) => MISSING_STEP_TEXT[m]).join('; ');
  return {
    ...a,
    verdict: 'inconclusive',
    reason: c.unexplained ? `${c.unexplained}, and ${why}, so a block cannot be told from the site's own failure` : `${why}, so whether the site loads from here is not known`,
    missing_steps: c.missing,
  };
}

/** The listed URL's plain-HTTP page set against the control's, when they differ: in words. */
function plainDiffersFromControl({ target, test_keys: keys }: AnalysisInput): string | null {
  const ref = controlPage(keys, target.url);
  if (!ref) return null;
  for (const r of keys.requests) {
    if (!hasTag(r, 'direct') || r.request.host !== target.host || !r.request.url.startsWith('http:') || !sameUrl(r.request.url, target.url)) continue;
    const page = pageOf(r);
    if (!page) continue;
    const c = comparePages(page, ref);
    if (!c.same) return `the plain-HTTP page of ${target.url} at ${r.request.address} differs from the control's (${c.detail})`;
  }
  return null;
}
