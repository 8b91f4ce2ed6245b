// What every entry is measured with: the probe's environment, the resolvers as reported, the
// run-level facts the analysis uses, and the control asker.
import type { AnalysisContext } from '../analysis/types.js';
import { controlAsker, type ControlAsker } from '../control/asker.js';
import { resolverAddress, type ResolverSpec } from '../dns/index.js';
import { DOH_CONNECTIONS } from '../dns/doh.js';
import { blockpageMemory } from './blockpages.js';
import { dnsShare } from './dns-share.js';
import { perIpLimiter } from './limits.js';
import type { ProbeEnv } from './measure.js';
import type { ResolverInfo } from '../record.js';
import type { RunOptions } from './run-options.js';
import { swapMemory } from './swap-memory.js';

/** Queries awaiting an answer per resolver at most (see askResolver in measure.ts): below dnsmasq's 150. */
export const DNS_SLOTS_PER_RESOLVER = 128;

export function probeEnv(opts: RunOptions, isp: ResolverSpec, ispDirect: ResolverSpec[], foreign: ResolverSpec[], ipv6: boolean): ProbeEnv {
  return {
    guard: opts.guard,
    isp,
    ispDirect,
    foreign: [...foreign].sort((a, b) => Number(b.transport === 'doh') - Number(a.transport === 'doh')),
    control: null,
    timeoutMs: opts.timeoutMs,
    connectTimeoutMs: opts.timeoutMs,
    dnsTimeoutMs: Math.min(opts.timeoutMs, 4000),
    controlTimeoutMs: Math.max(opts.timeoutMs * 3, 15000),
    lateWindowMs: 300,
    innocuousName: opts.innocuousName,
    neutralIp: opts.neutralIp,
    ipv6,
    ...(opts.ca ? { ca: opts.ca } : {}),
    perIp: perIpLimiter(opts.perIp),
    maxAddrs: 2,
    blockpages: blockpageMemory(),
    dnsShare: dnsShare([]),
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
