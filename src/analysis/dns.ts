// The DNS layer: the ISP resolver's answer against the truth from abroad. An answer is consistent
// when it shares an address with the truth, or a TLS handshake to it with the name as SNI yields a
// trusted certificate valid for the name (a CDN), or it serves the same page as the true address.
// Errors, empty answers, bogons and blockpages are interference only when the truth resolves.
import type { DnsQuery, TestKeys } from '../observations.js';
import { bogonCheck } from './bogons.js';
import { matchBlockpageIp, matchSoa } from './fingerprints.js';
import { answerAddrs, describeFailure, firstReplies, hasTag, joinAddress, responseReaction } from './steps.js';
import type { AnalysisContext, DnsKind, LayerFinding } from './types.js';

export interface Truth {
  addrs: string[];
  source: string | null;
  /** Every vantage abroad that answered said the name does not exist. */
  exists_nowhere: boolean;
  /** No vantage abroad gave any usable answer (all timed out or failed). */
  unknown: boolean;
}

const ENGINE_ORDER = ['doh', 'tcp', 'udp'];

/** Truth from abroad: DoH first (port 53 can be intercepted), then TCP, UDP, then the control's DNS. */
export function findTruth(keys: TestKeys, type = 'A'): Truth {
  const replies = firstReplies(keys, 'foreign', type);
  for (const engine of ENGINE_ORDER) {
    const addrs = new Set<string>();
    for (const q of replies) if (q.engine === engine && q.failure === null) for (const a of answerAddrs(q)) addrs.add(a);
    if (addrs.size > 0) return { addrs: [...addrs], source: engine, exists_nowhere: false, unknown: false };
  }
  if (keys.control && keys.control.dns.failure === null && keys.control.dns.addrs.length > 0) {
    return { addrs: [...keys.control.dns.addrs], source: 'control', exists_nowhere: false, unknown: false };
  }
  const answered = replies.filter((q) => q.rcode !== null);
  const saysNo = (q: DnsQuery) => q.failure === 'dns_nxdomain_error' || q.failure === 'dns_no_answer';
  const controlSaysNo = keys.control
    ? keys.control.dns.failure === 'dns_nxdomain_error' || keys.control.dns.failure === 'dns_no_answer' ||
      (keys.control.dns.failure === null && keys.control.dns.addrs.length === 0)
    : null;
  const foreignSaysNo = answered.length > 0 && answered.every(saysNo);
  const existsNowhere = (foreignSaysNo && controlSaysNo !== false) || (answered.length === 0 && controlSaysNo === true);
  return { addrs: [], source: null, exists_nowhere: existsNowhere, unknown: !existsNowhere };
}

export interface DnsResult {
  finding: LayerFinding<DnsKind> | null;
  isp_addrs: string[];
  notes: string[];
}

export function analyzeDns(host: string, keys: TestKeys, truth: Truth, ctx: AnalysisContext): DnsResult {
  const isBogon = bogonCheck(ctx.routable_nets);
  const isp = firstReplies(keys, 'isp', 'A')[0];
  const notes: string[] = [];
  if (!isp) return { finding: null, isp_addrs: [], notes: ['the ISP resolver was not asked'] };
  const late = keys.queries.filter((q) => hasTag(q, 'isp') && q.query_type === 'A' && q.reply_index > 0 && q.failure !== 'dns_reply_with_wrong_query_id');
  if (late.length > 0) notes.push(`the ISP resolver's address got ${late.length + 1} replies to one query (an injected answer arrives first)`);
  const ispAddrs = answerAddrs(isp);
  const truthText = truth.addrs.length > 0 ? `resolvers abroad give ${truth.addrs.join(', ')} (${truth.source})` : '';
  if (truth.addrs.length === 0) {
    // Without a truth the ISP's answer proves nothing: the name may be dead everywhere.
    return { finding: null, isp_addrs: ispAddrs, notes };
  }
  const soaNames = isp.answers.filter((a) => a.answer_type === 'SOA').flatMap((a) => [a.target ?? '', a.rname ?? '']);
  const soa = matchSoa(soaNames);
  const found = (kind: DnsKind, sentence: string, extra: Partial<LayerFinding<DnsKind>> = {}): DnsResult => ({
    finding: {
      kind,
      evidence: [sentence, truthText, ...(soa ? [`its SOA record (${soaNames.filter(Boolean).join(' ')}) is that of a lying resolver (${soa.name})`] : []), ...notes],
      ...(soa && !extra.fingerprint ? { fingerprint: soa.name } : {}),
      ...extra,
    },
    isp_addrs: ispAddrs,
    notes,
  });

  if (isp.failure !== null && isp.failure !== 'dns_no_answer') {
    const kinds: Record<string, DnsKind> = {
      dns_nxdomain_error: 'nxdomain',
      dns_refused_error: 'refused',
      dns_servfail_error: 'servfail',
      generic_timeout_error: 'timeout',
      // A reply that does not decode (compression loop, cut short, a label past 63 bytes) leaves a
      // user here without an address as surely as a lie: OONI counts unexpected DNS failures.
      dns_reply_parse_error: 'malformed',
    };
    // A Ctrl-C is the volunteer's doing, not the resolver's.
    if (isp.failure === 'interrupted') return { finding: null, isp_addrs: ispAddrs, notes: [...notes, 'the ISP resolver query was interrupted'] };
    const kind = kinds[isp.failure] ?? 'misbehaving';
    return found(kind, `the ISP's resolver ${describeFailure(isp.failure)} for ${host}`);
  }
  if (ispAddrs.length === 0) {
    const additional = answerAddrs(isp, 'additional');
    const page = additional.map((ip) => blockpageAt(ip, keys, ctx)).find((p) => p !== null);
    if (additional.length > 0 && page) {
      return found('blockpage', `the ISP's resolver gave no answer but put ${additional.join(', ')} in the ADDITIONAL section, a blockpage server (${page})`, {
        fingerprint: page,
        addresses: additional,
      });
    }
    const extra = additional.length > 0 ? ` (ADDITIONAL section: ${additional.join(', ')})` : '';
    return found('no_answer', `the ISP's resolver answered NOERROR with no address for ${host}${extra}`, additional.length ? { addresses: additional } : {});
  }
  if (ispAddrs.some((ip) => truth.addrs.includes(ip))) return { finding: null, isp_addrs: ispAddrs, notes };

  const bogons = ispAddrs.filter(isBogon);
  if (bogons.length > 0) {
    return found('bogon', `the ISP's resolver answered ${bogons.join(', ')}, an address no public site can have`, { addresses: bogons });
  }
  for (const ip of ispAddrs) {
    const page = blockpageAt(ip, keys, ctx);
    if (page) return found('blockpage', `the ISP's resolver answered ${ip}, a blockpage server (${page})`, { fingerprint: page, addresses: [ip] });
  }
  for (const ip of ispAddrs) {
    const tls = keys.tls_handshakes.find((h) => h.address === joinAddress(ip, 443) && hasTag(h, 'isp-answer'));
    if (tls && tls.failure === null && tls.trusted && tls.valid_for_name) {
      notes.push(`the ISP's answer ${ip} differs from abroad but holds a trusted certificate for ${host} (a CDN)`);
      return { finding: null, isp_addrs: ispAddrs, notes };
    }
  }
  // Same origin AS as the truth (OONI's rule; offline data, so a hint, checked after the stronger ones).
  const truthAsns = new Set(
    keys.queries.filter((q) => hasTag(q, 'foreign')).flatMap((q) => q.answers.filter((a) => a.asn !== undefined && truth.addrs.includes(a.ipv4 ?? a.ipv6 ?? '')).map((a) => a.asn)),
  );
  const shared = isp.answers.find((a) => a.section === 'answer' && a.asn !== undefined && truthAsns.has(a.asn));
  if (shared) {
    notes.push(`the ISP's answer ${ispAddrs.join(', ')} differs from abroad but is in the same network (AS${shared.asn})`);
    return { finding: null, isp_addrs: ispAddrs, notes };
  }
  if (samePageAsTruth(ispAddrs, truth.addrs, keys)) {
    notes.push(`the ISP's answer ${ispAddrs.join(', ')} serves the same page as the true address`);
    return { finding: null, isp_addrs: ispAddrs, notes };
  }
  return found('hijack', `the ISP's resolver answered ${ispAddrs.join(', ')}, which is not the site: no shared address with abroad, no valid certificate for ${host}`, {
    addresses: ispAddrs,
  });
}

/** The blockpage fingerprint at `ip`: a known blockpage address or a page fetched from it. */
function blockpageAt(ip: string, keys: TestKeys, ctx: AnalysisContext): string | null {
  const known = matchBlockpageIp(ip, ctx.blockpage_ips);
  if (known) return known;
  for (const r of keys.requests) {
    if (!hasTag(r, 'isp-answer') || !r.request.address.startsWith(ip.includes(':') ? `[${ip}]` : `${ip}:`)) continue;
    const { fingerprint } = responseReaction(r);
    if (fingerprint) return fingerprint.name;
  }
  return null;
}

function samePageAsTruth(ispAddrs: string[], truthAddrs: string[], keys: TestKeys): boolean {
  const pick = (addrs: string[], tag: 'isp-answer' | 'direct') =>
    keys.requests.find((r) => hasTag(r, tag) && r.response !== null && r.response.code < 400 && addrs.some((ip) => r.request.address.startsWith(ip.includes(':') ? `[${ip}]` : `${ip}:`)));
  const a = pick(ispAddrs, 'isp-answer');
  const b = pick(truthAddrs, 'direct');
  if (!a?.response || !b?.response) return false;
  return a.response.body_sha256 === b.response.body_sha256 || (a.response.title !== null && a.response.title === b.response.title && a.response.code === b.response.code);
}
