// The site's own refusal of this network (verdict `geoblock`), never censorship. Gambling operators
// without a Greek licence refuse Greek visitors themselves (403, 451, a CDN's country-block page, a
// redirect to a "restricted region" page); OONI's open false positives are of this kind
// (ooni/probe#2661, #2333). Only evidence an ISP cannot forge counts: the refusal arrives over TLS
// from the site's true address with a certificate valid for its name, while the control abroad gets
// the site. A refusal seen over plain HTTP only proves nothing: a proxy can write any page.
import type { TestKeys, Target } from '../observations.js';
import { controlPage, isRedirect, locationOf, pageOf, samePlace } from './pages.js';
import { hasTag, splitAddress } from './steps.js';
import type { GeoblockFinding } from './types.js';

/** Statuses a site uses to refuse a visitor: Forbidden, Unavailable For Legal Reasons. */
const REFUSAL_CODES = new Set([403, 451]);

export function analyzeGeoblock(target: Target, keys: TestKeys, truthAddrs: string[]): GeoblockFinding | null {
  const control = controlPage(keys, target.url);
  // "The control gets the site": its fetch of the listed URL ended in an ordinary page.
  if (!control || control.code < 200 || control.code >= 300) return null;
  const controlText = `the control abroad gets the page (status ${control.code}${control.title ? `, title "${control.title}"` : ''})`;
  for (const r of keys.requests) {
    if (!r.request.url.startsWith('https:') || r.request.host !== target.host || r.response === null) continue;
    if (!(hasTag(r, 'direct') || hasTag(r, 'path'))) continue;
    const { ip } = splitAddress(r.request.address);
    if (!truthAddrs.includes(ip)) continue;
    const tls = keys.tls_handshakes.find(
      (h) => h.address === r.request.address && h.server_name === target.host && (hasTag(h, 'direct') || hasTag(h, 'path')) && h.failure === null && h.trusted && h.valid_for_name,
    );
    if (!tls) continue;
    // The control's own handshake with that address, when it made one, must have worked too.
    const controlTls = keys.control?.tls_handshake[r.request.address];
    if (controlTls && !controlTls.status) continue;
    const page = pageOf(r)!;
    const proof = `over HTTPS from the site's own address ${r.request.address}, with a certificate valid for ${target.host}`;
    if (REFUSAL_CODES.has(page.code)) {
      return {
        kind: 'status',
        address: r.request.address,
        status_code: page.code,
        evidence: [`${proof}, the site answers ${page.code}${page.title ? ` ("${page.title}")` : ''} while ${controlText}`],
      };
    }
    // A redirect counts only where the control, asked for the very URL, was not sent there.
    const loc = locationOf(page);
    if (isRedirect(page.code) && loc && samePlace(r.request.url, target.url) && keys.control?.http_request.final_url !== undefined) {
      const controlFinal = keys.control.http_request.final_url;
      if (samePlace(controlFinal, target.url) && !samePlace(loc.href, controlFinal)) {
        return {
          kind: 'redirect',
          address: r.request.address,
          status_code: page.code,
          evidence: [`${proof}, the site redirects to ${loc.href} while ${controlText} at the listed URL without a redirect`],
        };
      }
    }
  }
  return null;
}
