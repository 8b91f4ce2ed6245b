// Small readers over observations shared by the layer analyses: which step is which (by tag and
// address), and what counts as a reaction. Plain functions, no I/O.
import type { DnsQuery, Failure, HttpRequest, StepTag, TestKeys } from '../observations.js';
import { matchResponse, type TextFingerprint } from './fingerprints.js';

// `IP:PORT` as observations key endpoints (src/address.ts), under the names the analyses use.
export { endpoint as joinAddress, splitAddress } from '../address.js';

/** Failures a censor causes when it interferes with a connection: reset, silence, EOF, ICMP. */
const REACTIONS = new Set([
  'connection_reset',
  'generic_timeout_error',
  'eof_error',
  'connection_refused',
  'host_unreachable',
  'network_unreachable',
]);

export function isReaction(failure: Failure): boolean {
  return failure !== null && REACTIONS.has(failure.split(':')[0] ?? failure);
}

export function hasTag(step: { tags: StepTag[] }, tag: StepTag): boolean {
  return step.tags.includes(tag);
}

/** The IPv4/IPv6 addresses in a reply's ANSWER section. */
export function answerAddrs(q: DnsQuery | undefined, section: 'answer' | 'additional' = 'answer'): string[] {
  if (!q) return [];
  const out: string[] = [];
  for (const a of q.answers) {
    if (a.section !== section) continue;
    const ip = a.ipv4 ?? a.ipv6;
    if (ip && !out.includes(ip)) out.push(ip);
  }
  return out;
}

/** The first reply (what an ordinary client would use) per resolver for one query type. */
export function firstReplies(keys: TestKeys, tag: StepTag, type: string): DnsQuery[] {
  // A truncated UDP reply is followed by the same query over TCP: the TCP reply is the one acted on.
  return keys.queries.filter(
    (q) => hasTag(q, tag) && q.query_type === type && q.reply_index === 0 && !hasTag(q, 'retry') && !(q.engine === 'udp' && q.flags.includes('tc')),
  );
}

/** A response is a reaction when it is a known blockpage or redirects to one. */
export function responseReaction(r: HttpRequest): { reaction: boolean; fingerprint: TextFingerprint | null } {
  if (r.response === null) return { reaction: isReaction(r.failure), fingerprint: null };
  const fp = matchResponse({ title: r.response.title, body: r.response.body, headers: r.response.headers });
  return { reaction: fp !== null, fingerprint: fp };
}

/** Describes a failure in plain words for the evidence sentences. */
export function describeFailure(failure: Failure): string {
  switch (failure?.split(':')[0]) {
    case null:
    case undefined:
      return 'succeeded';
    case 'connection_reset':
      return 'was reset';
    case 'generic_timeout_error':
      return 'got no answer (timed out)';
    case 'eof_error':
      return 'was closed without a word';
    case 'connection_refused':
      return 'was refused';
    case 'host_unreachable':
      return 'was answered "host unreachable"';
    case 'network_unreachable':
      return 'was answered "network unreachable"';
    case 'dns_nxdomain_error':
      return 'said the name does not exist (NXDOMAIN)';
    case 'dns_refused_error':
      return 'refused to answer (REFUSED)';
    case 'dns_servfail_error':
      return 'failed (SERVFAIL)';
    case 'dns_no_answer':
      return 'answered with no address';
    case 'dns_reply_parse_error':
      return 'sent a reply that cannot be decoded (malformed)';
    case 'dns_server_misbehaving':
      return 'answered with an unexpected error code';
    default:
      return `failed (${failure})`;
  }
}
