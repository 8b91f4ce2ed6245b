// The pure analysis: observations in, verdict + layers + evidence out. No I/O, no clock, no state;
// every fact it uses is in its input, so a recorded measurement re-judges the same way.
import { analyzeDns, findTruth } from './dns.js';
import { analyzeDpi } from './dpi.js';
import { analyzeIp } from './ip.js';
import { describeFailure, firstReplies } from './steps.js';
import type { Analysis, AnalysisInput, Layers, Verdict } from './types.js';
import { analyzeUrl } from './url.js';

const ORDER = ['dns', 'ip', 'dpi', 'url'] as const;

export function analyze({ target, test_keys: keys, context }: AnalysisInput): Analysis {
  const truth = target.is_ip
    ? { addrs: [target.host], source: 'listed', exists_nowhere: false, unknown: false }
    : findTruth(keys);
  const dns = target.is_ip ? { finding: null, isp_addrs: [], notes: [] } : analyzeDns(target.host, keys, truth, context);
  const ip = analyzeIp(keys);
  const layers: Layers = {
    dns: dns.finding,
    ip: ip.finding,
    dpi: target.is_ip ? null : analyzeDpi(target.host, keys),
    url: analyzeUrl(target.host, target.path, keys),
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
  const { verdict, reason } = noBlock(target.host, truth, ip, keys, dns.notes);
  return { ...base, verdict, reason };
}

function noBlock(
  host: string,
  truth: ReturnType<typeof findTruth>,
  ip: ReturnType<typeof analyzeIp>,
  keys: AnalysisInput['test_keys'],
  notes: string[],
): { verdict: Verdict; reason: string } {
  if (truth.exists_nowhere) return { verdict: 'down', reason: `the name ${host} exists nowhere: resolvers abroad say it does not exist` };
  if (truth.addrs.length === 0) {
    const isp = firstReplies(keys, 'isp', 'A')[0];
    const why = keys.control ? 'neither resolvers abroad nor the control' : 'resolvers abroad';
    return {
      verdict: 'inconclusive',
      reason: `${why} could resolve ${host}${isp ? `; the ISP's resolver ${describeFailure(isp.failure)}` : ''}`,
    };
  }
  if (!ip.tried) return { verdict: 'inconclusive', reason: 'no connection to the site was tried' };
  if (ip.any_success) {
    const extra = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    return { verdict: 'ok', reason: `the site answers from here as it does abroad${extra}` };
  }
  if (ip.unjudged.length > 0) {
    const why = keys.control_failure ? `the control failed (${keys.control_failure})` : 'no control was available';
    return { verdict: 'inconclusive', reason: `${ip.unjudged.join(', ')} cannot be reached from here and ${why}, so an outage cannot be told from a block` };
  }
  return { verdict: 'down', reason: `the site (${ip.down_everywhere.join(', ')}) cannot be reached from here nor from the control abroad` };
}
