// One entry's measurement plan. It only gathers observations; judging is src/analysis's job.
// Plan: the ISP's and foreign resolvers' answers; the ISP's answer checked (a CDN's certificate or a
// blockpage); then the swap test on each true address: an innocuous name, the real name, the listed
// path; a reacting step is sandwiched by another innocuous request and retried once (one success
// means not blocked); the real name sent to a neutral server; the control asked when anything failed.
import { isIPv4 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { bogonCheck } from '../analysis/bogons.js';
import { findTruth } from '../analysis/dns.js';
import { answerAddrs, firstReplies, isReaction, responseReaction } from '../analysis/steps.js';
import { askControl } from '../control/client.js';
import { query, type ResolverSpec } from '../dns/index.js';
import { httpRequest, tcpConnect, tlsHandshake } from '../net/index.js';
import type { Guard } from '../net/guard.js';
import type { StepTag, Target, TestKeys } from '../observations.js';
import type { BlockpageMemory } from './blockpages.js';
import type { Limiter } from './limits.js';

export interface ProbeEnv {
  guard: Guard;
  isp: ResolverSpec;
  /** The ISP's own resolvers, when the system resolver is a relay (home router, local stub). */
  ispDirect: ResolverSpec[];
  foreign: ResolverSpec[];
  control: { url: string; token?: string } | null;
  /** Timeout of an HTTP exchange (slow sites take seconds). */
  timeoutMs: number;
  /** Timeout of a TCP connect or TLS handshake, derived from the line's round trip. */
  connectTimeoutMs: number;
  dnsTimeoutMs: number;
  controlTimeoutMs: number;
  /** UDP: how long to keep listening for further replies. */
  lateWindowMs: number;
  innocuousName: string;
  neutralIp: string | null;
  ipv6: boolean;
  ca?: string;
  /** Limits connections per destination IP. */
  perIp: Limiter;
  /** How many of a site's addresses to test directly. */
  maxAddrs: number;
  blockpages: BlockpageMemory;
}

type Scheme = 'http' | 'https';

export function emptyKeys(): TestKeys {
  return { queries: [], tcp_connect: [], tls_handshakes: [], requests: [], control: null, control_failure: null };
}

export async function measureTarget(target: Target, env: ProbeEnv): Promise<TestKeys> {
  const keys = emptyKeys();
  const startedAt = performance.now();
  const opts = (tags: StepTag[], timeoutMs = env.timeoutMs) => ({ guard: env.guard, timeoutMs, startedAt, tags, ...(env.ca ? { ca: env.ca } : {}) });
  const isBogon = bogonCheck(env.guard.cidrs);
  const usable = (ip: string) => !isBogon(ip) && env.guard.allows(ip) && (isIPv4(ip) || env.ipv6);

  /** TCP, then TLS for https, then one GET over the very socket measured. True when it reacted. */
  async function chain(ip: string, port: number, scheme: Scheme, host: string, path: string, tags: StepTag[]): Promise<boolean> {
    return env.perIp(ip, async () => {
      const tcp = await tcpConnect(ip, port, opts(tags, env.connectTimeoutMs));
      keys.tcp_connect.push(tcp.obs);
      if (!tcp.socket) return true;
      let socket = tcp.socket;
      try {
        if (scheme === 'https') {
          const tls = await tlsHandshake(socket, host, opts(tags, env.connectTimeoutMs));
          keys.tls_handshakes.push(tls.obs);
          if (!tls.socket) return isReaction(tls.obs.failure);
          socket = tls.socket;
        }
        const req = await httpRequest({ ip, port, scheme, host, path, socket }, opts(tags));
        keys.requests.push(req);
        return responseReaction(req).reaction;
      } finally {
        socket.destroy();
      }
    });
  }

  if (!target.is_ip) {
    const dns = (spec: ResolverSpec, type: 'A' | 'AAAA', tags: StepTag[]) =>
      query(spec, target.host, type, { ...opts(tags, env.dnsTimeoutMs), lateWindowMs: env.lateWindowMs });
    const results = await Promise.all([
      dns(env.isp, 'A', ['isp']),
      dns(env.isp, 'AAAA', ['isp']),
      ...env.ispDirect.map((r) => dns(r, 'A', ['isp-direct'])),
      ...env.foreign.map((f) => dns(f, 'A', ['foreign'])),
      ...env.foreign.filter((f) => f.transport === 'doh').slice(0, 1).map((f) => dns(f, 'AAAA', ['foreign'])),
    ]);
    for (const r of results) keys.queries.push(...r);
  }

  let truth = target.is_ip ? [target.host] : findTruth(keys).addrs;
  const isp = target.is_ip ? undefined : firstReplies(keys, 'isp', 'A')[0];
  const ispAddrs = answerAddrs(isp);
  const allAddrs = () => [...new Set([...truth, ...ispAddrs])].filter((ip) => !isBogon(ip) && env.guard.allows(ip));

  // The control is asked as soon as something fails, while the local retries go on.
  let controlAsk: Promise<void> | null = null;
  const ask = () => {
    if (!env.control) return Promise.resolve();
    const control = env.control;
    controlAsk ??= askControl(control.url, { url: target.url, addrs: allAddrs() }, {
      guard: env.guard,
      timeoutMs: env.controlTimeoutMs,
      ...(control.token ? { token: control.token } : {}),
      ...(env.ca ? { ca: env.ca } : {}),
    }).then((res) => {
      keys.control = res.response;
      keys.control_failure = res.failure;
    });
    return controlAsk;
  };

  if (truth.length === 0 && !target.is_ip) {
    // Nobody abroad answered: the control's own resolver is the last vantage that can.
    await ask();
    truth = keys.control?.dns.addrs ?? [];
  }

  // The ISP's answer when it is not the truth: a CDN's certificate clears it, a blockpage names it.
  // A blockpage server learnt earlier in the run is not fetched again for every name that points at
  // it (thousands do), only re-checked now and then.
  const odd = ispAddrs.length > 0 ? ispAddrs.filter((ip) => !truth.includes(ip)) : answerAddrs(isp, 'additional');
  await Promise.all(
    odd.filter(usable).slice(0, 2).map(async (ip) => {
      if (env.blockpages.skip(ip)) return;
      await chain(ip, 443, 'https', target.host, '/', ['isp-answer']);
      await chain(ip, 80, 'http', target.host, '/', ['isp-answer']);
      const page = keys.requests.find((r) => r.tags.includes('isp-answer') && r.request.address.startsWith(`${ip}:`) && responseReaction(r).fingerprint);
      env.blockpages.observe(ip, page ? responseReaction(page).fingerprint!.name : null);
    }),
  );

  const ips = truth.filter(usable).slice(0, env.maxAddrs);
  const ports: [number, Scheme][] = target.port !== null
    ? [[target.port, target.scheme]]
    : [[80, 'http'], [443, 'https']];
  let reacted = false;
  await Promise.all(
    ips.flatMap((ip) =>
      ports.map(async ([port, scheme]) => {
        const real = target.host;
        const innocuousOk = !(await chain(ip, port, scheme, env.innocuousName, '/', ['swap-innocuous']));
        if (!innocuousOk) void ask();
        const realReacted = await chain(ip, port, scheme, real, '/', ['direct']);
        const wantPath = target.path !== '/' && scheme === target.scheme;
        const pathReacted = wantPath ? await chain(ip, port, scheme, real, target.path, ['path']) : false;
        if (realReacted || pathReacted) void ask();
        if (realReacted) {
          // Sandwich: the innocuous name again right after the failure (a stateful block shows
          // here), unless the address already failed for it; then one retry of the real name.
          if (innocuousOk) await chain(ip, port, scheme, env.innocuousName, '/', ['swap-innocuous', 'sandwich']);
          const retried = await chain(ip, port, scheme, real, '/', ['direct', 'retry']);
          if (retried && innocuousOk && env.neutralIp && !target.is_ip) {
            await chain(env.neutralIp, port, scheme, real, '/', ['swap-real-neutral']);
          }
        }
        if (pathReacted) await chain(ip, port, scheme, real, target.path, ['path', 'retry']);
        if (realReacted || pathReacted || !innocuousOk) reacted = true;
      }),
    ),
  );

  const dnsOdd = isp !== undefined && (isp.failure !== null || odd.length > 0);
  if (reacted || (dnsOdd && ips.length === 0) || (ips.length === 0 && truth.length > 0)) await ask();
  await controlAsk;
  return keys;
}
