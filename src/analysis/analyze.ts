// The pure analysis: observations in, verdict + layers + evidence out. No I/O, no clock, no state;
// every fact it uses is in its input, so a recorded measurement re-judges the same way.
// Every `reason` names the deciding evidence in one sentence and claims only what was measured.
import { analyzeDns, findTruth, type Truth } from './dns.js';
import { analyzeDpi } from './dpi.js';
import { analyzeGeoblock } from './geoblock.js';
import { analyzeIp, type IpResult } from './ip.js';
import { analyzeReach } from './reach.js';
import { describeFailure, firstReplies } from './steps.js';
import type { Analysis, AnalysisInput, Layers, Verdict } from './types.js';
import { analyzeUrl } from './url.js';

const ORDER = ['dns', 'ip', 'dpi', 'url'] as const;

export function analyze({ target, test_keys: keys, context }: AnalysisInput): Analysis {
  const truth: Truth = target.is_ip
    ? { addrs: [target.host], source: 'listed', exists_nowhere: false, unknown: false }
    : findTruth(keys);
  const dns = target.is_ip ? { finding: null, isp_addrs: [], notes: [] } : analyzeDns(target.host, keys, truth, context);
  const ip = analyzeIp(keys);
  const layers: Layers = {
    dns: dns.finding,
    ip: ip.finding,
    dpi: target.is_ip ? null : analyzeDpi(target.host, keys, target.url),
    url: analyzeUrl(target.host, target.path, keys, target.url),
  };
  const base = {
    layers,
    isp_addrs: dns.isp_addrs,
    truth_addrs: truth.addrs,
    truth_source: truth.source,
    ipv6_judged: context.ipv6,
  };
  const first = ORDER.find((k) => layers[k] !== null);
  if (first) {
    const finding = layers[first]!;
    return { ...base, verdict: first, reason: finding.evidence[0] ?? first };
  }
  return { ...base, ...noBlock({ target, test_keys: keys, context }, truth, ip, dns.notes, dns.isp_addrs) };
}

function noBlock(
  { target, test_keys: keys }: AnalysisInput,
  truth: Truth,
  ip: IpResult,
  notes: string[],
  ispAddrs: string[],
): { verdict: Verdict; reason: string; geoblock?: NonNullable<Analysis['geoblock']> } {
  const host = target.host;
  const controlState = keys.control
    ? null
    : keys.control_failure
      ? `the control failed (${keys.control_failure})`
      : 'the control was not asked';
  if (truth.exists_nowhere) {
    return { verdict: 'down', reason: `the name ${host} exists nowhere: every resolver abroad that answered says it does not exist${keys.control ? ', and so does the control' : ''}` };
  }
  if (truth.addrs.length === 0) {
    const isp = firstReplies(keys, 'isp', 'A')[0];
    const who = keys.control ? 'neither the resolvers abroad nor the control' : `no resolver abroad (and ${controlState})`;
    return {
      verdict: 'inconclusive',
      reason: `${who} could resolve ${host}${isp ? `; the ISP's resolver ${describeFailure(isp.failure)}` : ''}`,
    };
  }
  if (!ip.tried) return { verdict: 'inconclusive', reason: `no connection to ${host}'s addresses (${truth.addrs.join(', ')}) could be tried from here` };

  // Addresses a fetch may come from: the truth, and the ISP's answer when the DNS layer found it
  // consistent (no DNS finding reaches here).
  const reach = analyzeReach(target, keys, [...new Set([...truth.addrs, ...ispAddrs])]);
  const geoblock = analyzeGeoblock(target, keys, truth.addrs);
  // A redirect is a page a user follows, so it reads as reachable: the site's redirect elsewhere
  // than the control is sent is the refusal, and decides before it.
  if (geoblock && (geoblock.kind === 'redirect' || !reach.ok)) return { verdict: 'geoblock', reason: geoblock.evidence[0]!, geoblock };
  const extra = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  if (reach.ok) return { verdict: 'ok', reason: `${reach.ok}${extra}` };

  if (ip.unjudged.length > 0 && reach.fetches.every((r) => r.response === null)) {
    const why = keys.control_failure ? `the control failed (${keys.control_failure})` : 'no control was available';
    return { verdict: 'inconclusive', reason: `${ip.unjudged.join(', ')} cannot be reached from here and ${why}, so an outage cannot be told from a block` };
  }
  if (!ip.any_success && ip.down_everywhere.length > 0) {
    return { verdict: 'down', reason: `the site (${ip.down_everywhere.join(', ')}) cannot be reached from here nor from the control abroad` };
  }
  const here = reach.unproven ?? reach.problems[0] ?? `no fetch of ${target.url} was made from the site's addresses`;
  const c = keys.control?.http_request;
  if (!c) return { verdict: 'inconclusive', reason: `${here}, and ${controlState}, so a broken site cannot be told from interference` };
  // The control follows redirects: a final 3xx means it never reached a page.
  const controlGot = c.failure === null && c.status_code >= 200 && c.status_code < 300;
  if (!controlGot) {
    // The site fails abroad as well: broken everywhere, whatever it does here.
    const abroad = c.failure !== null ? `fails abroad too (${c.failure})` : `answers ${c.status_code} abroad too`;
    const tlsAbroad = Object.values(keys.control?.tls_handshake ?? {}).find((h) => h.failure !== null);
    const certNote = target.scheme === 'https' && tlsAbroad ? `; the control's TLS handshake fails too (${tlsAbroad.failure})` : '';
    return { verdict: 'down', reason: `${here}; the control's fetch of ${target.url} ${abroad}${certNote}` };
  }
  if (reach.unproven) {
    return { verdict: 'inconclusive', reason: `${reach.unproven}; the control abroad gets status ${c.status_code}` };
  }
  const tlsAbroad = target.scheme === 'https' ? Object.values(keys.control?.tls_handshake ?? {}).find((h) => h.failure !== null) : undefined;
  if (tlsAbroad) {
    return { verdict: 'down', reason: `${here}; the control's own TLS handshake fails too (${tlsAbroad.failure})` };
  }
  return { verdict: 'inconclusive', reason: `${here}, while the control abroad gets the page (status ${c.status_code}); no layer of interference was found to explain it` };
}
