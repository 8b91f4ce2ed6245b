// The DPI layer, from the swap test on an address that answers: the real name fails (as TLS SNI or
// HTTP Host) where an innocuous name on the same address gets an ordinary answer. A reset, a
// timeout, an EOF after the ClientHello, or a blockpage/redirect to one are reactions; a 404, a 421
// or a default certificate are an ordinary server's answer.
import type { TestKeys } from '../observations.js';
import { judgePage } from './pages.js';
import { describeFailure, hasTag, isReaction, responseReaction, splitAddress } from './steps.js';
import type { DpiKind, LayerFinding } from './types.js';

/** `listedUrl` is what the control fetched: an unknown page is judged against it (pages.ts). */
export function analyzeDpi(host: string, keys: TestKeys, listedUrl = `http://${host}/`): LayerFinding<DpiKind> | null {
  return sniFinding(host, keys) ?? hostFinding(host, keys, listedUrl);
}

function sniFinding(host: string, keys: TestKeys): LayerFinding<DpiKind> | null {
  const addresses = [...new Set(keys.tls_handshakes.filter((h) => hasTag(h, 'direct')).map((h) => h.address))];
  for (const address of addresses) {
    const real = keys.tls_handshakes.filter((h) => h.address === address && h.server_name === host && (hasTag(h, 'direct') || hasTag(h, 'retry')));
    const innocuous = keys.tls_handshakes.filter((h) => h.address === address && hasTag(h, 'swap-innocuous'));
    if (real.length === 0 || !real.every((h) => isReaction(h.failure))) continue;
    if (!innocuous.some((h) => !isReaction(h.failure))) continue;
    const control = keys.control?.tls_handshake[address];
    if (control && !control.status) continue; // the site refuses its own name abroad too
    const neutral = keys.tls_handshakes.filter((h) => hasTag(h, 'swap-real-neutral') && h.server_name === host);
    const evidence = [
      `a TLS handshake with ${address} naming ${host} ${describeFailure(real[0]!.failure)} (${real.length} tries)`,
      `the same address completes a handshake for an innocuous name`,
    ];
    if (neutral.length > 0 && neutral.every((h) => isReaction(h.failure))) {
      evidence.push(`naming ${host} to an unrelated server (${neutral[0]!.address}) ${describeFailure(neutral[0]!.failure)} too: the name itself is matched`);
    }
    if (control?.status) evidence.push('the control abroad completes the handshake with that name');
    return { kind: 'sni', evidence, addresses: [address] };
  }
  return null;
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

function hostFinding(host: string, keys: TestKeys, listedUrl: string): LayerFinding<DpiKind> | null {
  const plain = keys.requests.filter((r) => r.request.url.startsWith('http:'));
  const addresses = [...new Set(plain.filter((r) => hasTag(r, 'direct')).map((r) => r.request.address))];
  for (const address of addresses) {
    const real = plain.filter((r) => r.request.address === address && r.request.host === host && pathOf(r.request.url) === '/' && (hasTag(r, 'direct') || hasTag(r, 'retry')));
    const innocuous = plain.filter((r) => r.request.address === address && hasTag(r, 'swap-innocuous'));
    // A page that is not the site's (it differs from the control's and from the site's own HTTPS
    // page) is a reaction whether or not a fingerprint knows it.
    const judged = real.map((r) => judgePage(r, host, listedUrl, keys));
    const reactions = real.map((r, i) => {
      const x = responseReaction(r);
      return { ...x, reaction: x.reaction || judged[i]!.kind === 'foreign' };
    });
    if (real.length === 0 || !reactions.every((x) => x.reaction)) continue;
    if (!innocuous.some((r) => !responseReaction(r).reaction)) continue;
    const control = keys.control?.http_request;
    if (control && control.failure !== null && !reactions.some((x) => x.fingerprint)) continue; // fails abroad too
    const fp = reactions.find((x) => x.fingerprint)?.fingerprint ?? null;
    const first = real[0]!;
    const what = fp
      ? `got ${fp.field === 'location' ? `a redirect to ${first.response?.headers['location'] ?? '?'}` : 'a blockpage'} (${fp.name}, ${fp.isp})`
      : first.response
        ? `got a page that is not the site's (status ${first.response.code}): ${judged[0]!.evidence}`
        : describeFailure(first.failure);
    const evidence = [`an HTTP request to ${address} with Host: ${host} ${what}`, `the same address answers an innocuous Host normally`];
    const neutral = plain.filter((r) => hasTag(r, 'swap-real-neutral') && r.request.host === host);
    if (neutral.length > 0 && neutral.every((r) => responseReaction(r).reaction)) {
      evidence.push(`Host: ${host} sent to an unrelated server (${neutral[0]!.request.address}) ${describeFailure(neutral[0]!.failure)} too`);
    }
    return { kind: 'host', evidence, addresses: [address], ...(fp ? { fingerprint: fp.name } : {}) };
  }
  return null;
}

export { pathOf, splitAddress };
