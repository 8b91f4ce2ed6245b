// What every entry is measured with: the probe's environment (built once per run, complete), the
// transports it measures through, the resolvers as reported, the run-level facts the analysis
// uses, and the control asker.
import type { AnalysisContext } from '../analysis/types.js';
import { controlAsker, type ControlAsker } from '../control/asker.js';
import { query, resolverAddress, type DnsOptions, type QueryType, type ResolverSpec } from '../dns/index.js';
import { DOH_CONNECTIONS } from '../dns/doh.js';
import { httpRequest, tcpConnect, tlsHandshake, type HttpOptions, type HttpTarget, type StepOptions, type TcpResult, type TlsOptions, type TlsResult } from '../net/index.js';
import type { Guard } from '../net/guard.js';
import type { DnsQuery, HttpRequest } from '../observations.js';
import { blockpageMemory, type BlockpageMemory } from './blockpages.js';
import { dnsShare, type DnsShare } from './dns-share.js';
import { perIpLimiter, type Limiter } from './limits.js';
import type { ResolverInfo } from '../record.js';
import type { RunOptions } from './run-options.js';
import { swapMemory, type SwapMemory } from './swap-memory.js';

/**
 * The network steps an entry's measurement calls into: the real ones (src/dns, src/net) in a run,
 * fakes in the unit tests of the plan. Each gives the observation its real counterpart gives.
 */
export interface Transports {
  query(spec: ResolverSpec, name: string, type: QueryType, opts: DnsOptions): Promise<DnsQuery[]>;
  tcpConnect(ip: string, port: number, opts: StepOptions): Promise<TcpResult>;
  /** Over the socket tcpConnect handed over. */
  tlsHandshake(socket: NonNullable<TcpResult['socket']>, serverName: string, opts: TlsOptions): Promise<TlsResult>;
  httpRequest(target: HttpTarget, opts: HttpOptions): Promise<HttpRequest>;
}

export const realTransports: Transports = { query, tcpConnect, tlsHandshake, httpRequest };

export interface ProbeEnv {
  readonly guard: Guard;
  readonly net: Transports;
  readonly isp: ResolverSpec;
  /** The ISP's own resolvers, when the system resolver is a relay (home router, local stub). */
  readonly ispDirect: ResolverSpec[];
  readonly foreign: ResolverSpec[];
  /** Asks the control helper (batched, over kept-alive connections), null without a helper. */
  readonly control: Pick<ControlAsker, 'ask'> | null;
  /** Timeout of an HTTP exchange (slow sites take seconds). */
  readonly timeoutMs: number;
  /** Timeout of a TCP connect or TLS handshake, derived from the line's round trip. */
  readonly connectTimeoutMs: number;
  readonly dnsTimeoutMs: number;
  readonly controlTimeoutMs: number;
  /** UDP: how long to keep listening for further replies. */
  readonly lateWindowMs: number;
  readonly innocuousName: string;
  readonly neutralIp: string | null;
  readonly ipv6: boolean;
  readonly ca?: string;
  /** Limits connections per destination IP. */
  readonly perIp: Limiter;
  /** How many of a site's addresses to test directly. */
  readonly maxAddrs: number;
  readonly blockpages: BlockpageMemory;
  readonly dnsShare: DnsShare;
  readonly swaps: SwapMemory;
  /** Limits the queries awaiting an answer per resolver (keyed by its address). */
  readonly dnsSlots: Limiter;
  /** The same for DoH servers: as many as their kept-alive connections. */
  readonly dohSlots: Limiter;
}

/** Queries awaiting an answer per resolver at most (see askResolver in measure.ts): below dnsmasq's 150. */
export const DNS_SLOTS_PER_RESOLVER = 128;

/** The run's timeouts that follow from --timeout alone (the connect timeout follows the line). */
export function runTimeouts(opts: Pick<RunOptions, 'timeoutMs'>): { dnsTimeoutMs: number; controlTimeoutMs: number } {
  return { dnsTimeoutMs: Math.min(opts.timeoutMs, 4000), controlTimeoutMs: Math.max(opts.timeoutMs * 3, 15000) };
}

/** What the run learnt before measuring that the environment is made of. */
export interface EnvFacts {
  isp: ResolverSpec;
  ispDirect: ResolverSpec[];
  foreign: ResolverSpec[];
  ipv6: boolean;
  /** From the idle line's round trips (connectTimeout in idle.ts). */
  connectTimeoutMs: number;
  control: Pick<ControlAsker, 'ask'> | null;
  /** The host of every entry still to measure: names listed more than once share their queries. */
  hosts: Iterable<string>;
}

export function probeEnv(opts: RunOptions, facts: EnvFacts, net: Transports = realTransports): ProbeEnv {
  return {
    guard: opts.guard,
    net,
    isp: facts.isp,
    ispDirect: facts.ispDirect,
    foreign: [...facts.foreign].sort((a, b) => Number(b.transport === 'doh') - Number(a.transport === 'doh')),
    control: facts.control,
    timeoutMs: opts.timeoutMs,
    connectTimeoutMs: facts.connectTimeoutMs,
    ...runTimeouts(opts),
    lateWindowMs: 300,
    innocuousName: opts.innocuousName,
    neutralIp: opts.neutralIp,
    ipv6: facts.ipv6,
    ...(opts.ca ? { ca: opts.ca } : {}),
    perIp: perIpLimiter(opts.perIp),
    maxAddrs: 2,
    blockpages: blockpageMemory(),
    dnsShare: dnsShare(facts.hosts),
    swaps: swapMemory(),
    dnsSlots: perIpLimiter(DNS_SLOTS_PER_RESOLVER),
    dohSlots: perIpLimiter(DOH_CONNECTIONS),
  };
}

function resolverInfo(spec: ResolverSpec, role: ResolverInfo['role']): ResolverInfo {
  return { spec: spec.spec, role, transport: spec.transport, address: resolverAddress(spec) };
}

/** The run's resolvers in report order: the ISP's, its own behind a relay, then the foreign ones. */
export function runResolvers(isp: ResolverSpec, ispDirect: ResolverSpec[], foreign: ResolverSpec[]): ResolverInfo[] {
  return [resolverInfo(isp, 'isp'), ...ispDirect.map((r) => resolverInfo(r, 'isp-direct')), ...foreign.map((f) => resolverInfo(f, 'foreign'))];
}

export function analysisContext(opts: RunOptions, isp: ResolverSpec, foreign: ResolverSpec[], ipv6: boolean): AnalysisContext {
  return {
    isp_resolver: resolverAddress(isp),
    foreign: foreign.map((f) => ({ address: resolverAddress(f), engine: f.transport })),
    routable_nets: [...opts.guard.cidrs],
    blockpage_ips: {},
    ipv6,
  };
}

// One asker for the run: control requests go in batches over kept-alive connections. Enough
// batches in flight that a few slow ones (a gone host costs the helper its whole budget) do not
// hold up the others.
export function runAsker(opts: RunOptions, timeoutMs: number): ControlAsker | null {
  return opts.control
    ? controlAsker(opts.control, {
        guard: opts.guard,
        timeoutMs,
        maxInFlight: 64,
        ...(opts.controlToken ? { token: opts.controlToken } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      })
    : null;
}
