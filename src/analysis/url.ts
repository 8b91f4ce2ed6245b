// The URL layer: only the listed path reacts (reset, timeout, blockpage or redirect to one) while the
// site's root, with the real name on the same address, answers normally. Vodafone's proxy matched
// exact listed URLs this way (greece.md).
import type { TestKeys } from '../observations.js';
import { pathOf } from './dpi.js';
import { judgePage } from './pages.js';
import { describeFailure, hasTag, responseReaction } from './steps.js';
import type { LayerFinding, UrlKind } from './types.js';

export function analyzeUrl(host: string, path: string, keys: TestKeys, listedUrl = `http://${host}${path}`): LayerFinding<UrlKind> | null {
  if (path === '/') return null;
  const listed = keys.requests.filter((r) => hasTag(r, 'path') && r.request.host === host);
  for (const address of new Set(listed.map((r) => r.request.address))) {
    const tries = listed.filter((r) => r.request.address === address);
    // An unknown page counts when it differs from the control's page of this very URL; the front
    // page from the same address must then be shown to be the site's (not merely answer).
    const judged = tries.map((r) => (r.request.url.startsWith('http:') ? judgePage(r, host, listedUrl, keys) : null));
    const unknownPage = (i: number) => {
      const j = judged[i];
      return j?.kind === 'foreign' || (j?.kind === 'differs' && j.against === 'control');
    };
    const reactions = tries.map((r, i) => {
      const x = responseReaction(r);
      return { ...x, reaction: x.reaction || unknownPage(i), unknown: !x.reaction && unknownPage(i) };
    });
    if (!reactions.every((x) => x.reaction)) continue;
    const byPage = reactions.some((x) => x.unknown);
    const scheme = tries[0]!.request.url.split(':')[0];
    const root = keys.requests.filter(
      (r) => r.request.address === address && r.request.host === host && hasTag(r, 'direct') && pathOf(r.request.url) === '/' && r.request.url.startsWith(`${scheme}:`),
    );
    const rootOk = (r: (typeof root)[number]) => !responseReaction(r).reaction && (!byPage || !r.request.url.startsWith('http:') || judgePage(r, host, listedUrl, keys).kind === 'site');
    if (!root.some(rootOk)) continue;
    const control = keys.control?.http_request;
    if (control && control.failure !== null) continue; // the path fails abroad too
    const fp = reactions.find((x) => x.fingerprint)?.fingerprint ?? null;
    const first = tries[0]!;
    const what = fp
      ? `got ${fp.field === 'location' ? `a redirect to ${first.response?.headers['location'] ?? '?'}` : 'a blockpage'} (${fp.name})`
      : byPage && first.response
        ? `got a page that is not the site's (status ${first.response.code}): ${judged[0]?.evidence ?? ''}`
        : describeFailure(first.failure);
    return {
      kind: 'path',
      evidence: [`requesting the listed path ${path} from ${address} ${what}`, `the site's front page on the same address loads normally`],
      addresses: [address],
      ...(fp ? { fingerprint: fp.name } : {}),
    };
  }
  return null;
}
