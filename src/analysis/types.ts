import type { TestKeys, Target } from '../observations.js';

export type Verdict = 'ok' | 'dns' | 'ip' | 'dpi' | 'url' | 'geoblock' | 'down' | 'inconclusive';

/** The verdicts that are ISP censorship; `geoblock` (the site's own refusal) is not one of them. */
export const BLOCK_VERDICTS: readonly Verdict[] = ['dns', 'ip', 'dpi', 'url'];
/** Every verdict, blocks first, in the order reports list them. */
export const ALL_VERDICTS: readonly Verdict[] = ['dns', 'ip', 'dpi', 'url', 'geoblock', 'ok', 'down', 'inconclusive'];

export function isBlock(v: string): boolean {
  return (BLOCK_VERDICTS as readonly string[]).includes(v);
}

export type DnsKind = 'nxdomain' | 'refused' | 'servfail' | 'timeout' | 'no_answer' | 'bogon' | 'blockpage' | 'hijack' | 'malformed' | 'misbehaving';
export type IpKind = 'drop' | 'reset' | 'unreachable';
export type DpiKind = 'sni' | 'host';
export type UrlKind = 'path';

/** One layer's finding: what kind of interference and the facts that decided it. */
export interface LayerFinding<K extends string = string> {
  kind: K;
  /** Plain-language sentences a journalist can read. */
  evidence: string[];
  /** The fingerprint that named the ISP or blockpage, when one matched. */
  fingerprint?: string;
  /** Addresses involved (the lying answer, the blocked IP, ...). */
  addresses?: string[];
}

export interface Layers {
  dns: LayerFinding<DnsKind> | null;
  ip: LayerFinding<IpKind> | null;
  dpi: LayerFinding<DpiKind> | null;
  url: LayerFinding<UrlKind> | null;
}

export interface Analysis {
  verdict: Verdict;
  layers: Layers;
  /** Why the verdict is ok/down/inconclusive, in a sentence; for blocks, the first layer's summary. */
  reason: string;
  /** The answers used as truth and as the ISP's view, for the CSV. */
  isp_addrs: string[];
  truth_addrs: string[];
  /** Which vantage supplied the truth ('doh', 'tcp', 'udp', 'control', or null). */
  truth_source: string | null;
  /** IPv6 paths were judged only when the line had working IPv6. */
  ipv6_judged: boolean;
  /** The site's own refusal of this network (verdict `geoblock`), with its proof. */
  geoblock?: GeoblockFinding;
}

/** The site itself refuses visitors from here: proven over TLS from its true address. */
export interface GeoblockFinding {
  /** 'status' (403/451), 'redirect' (to a page the control is not sent to). */
  kind: 'status' | 'redirect';
  evidence: string[];
  /** The true address:port whose TLS answer refused. */
  address: string;
  status_code: number;
}

/** Facts about the whole run the per-entry analysis may use; all plain data. */
export interface AnalysisContext {
  /** The ISP resolver's address as recorded in `resolver_address`. */
  isp_resolver: string;
  /** Foreign resolvers' `resolver_address` values with their transport, DoH first. */
  foreign: { address: string; engine: string }[];
  /** Networks that are not bogons in this run (the guard's networks: the lab's "internet"). */
  routable_nets: string[];
  /** Known blockpage addresses (fingerprints plus those learned in this run). */
  blockpage_ips: Record<string, string>;
  /** The line has working IPv6. */
  ipv6: boolean;
}

export interface AnalysisInput {
  target: Target;
  test_keys: TestKeys;
  context: AnalysisContext;
}
