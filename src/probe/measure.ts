// One entry's measurement plan. It only gathers observations; judging is src/analysis's job.
// Plan: the ISP's and foreign resolvers' answers; the ISP's answer checked (a CDN's certificate or a
// blockpage); then the swap test on each true address: an innocuous name, the real name, the listed
// path; a reacting step is sandwiched by another innocuous request and retried once (one success
// means not blocked); the real name sent to a neutral server; the control asked when anything failed.
// Every packet goes through env.net and env.control, so the plan is unit-tested with fakes.
import { isIPv4 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endpoint, requestUrl } from '../address.js';
import { bogonCheck } from '../analysis/bogons.js';
import { findTruth } from '../analysis/dns.js';
import { answerAddrs, firstReplies, isReaction, responseReaction } from '../analysis/steps.js';
import { samePlace } from '../analysis/pages.js';
import { analyzeReach } from '../analysis/reach.js';
import { resolverAddress, type DnsOptions, type QueryType, type ResolverSpec } from '../dns/index.js';
import type { DnsQuery, HttpRequest, StepTag, Target, TestKeys, TlsHandshake } from '../observations.js';
import { sharedCopy, type DnsPhase } from './dns-share.js';
import type { ProbeEnv } from './env.js';
import type { Limiter } from './limits.js';

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
  async function chain(ip: string, port: number, scheme: Scheme, host: string, path: string, tags: StepTag[], into: StepKeys = keys, got?: Got): Promise<boolean> {
    return env.perIp(ip, async () => {
      const tcp = await env.net.tcpConnect(ip, port, opts(tags, env.connectTimeoutMs));
      into.tcp_connect.push(tcp.obs);
      if (!tcp.socket) return true;
      let socket = tcp.socket;
      // httpRequest consumes the socket (it closes it with a reset once the response is recorded):
      // destroying it here too, while that reset is under way, would crash Node (net/tls.ts).
      let handed = false;
      try {
        if (scheme === 'https') {
          const tls = await env.net.tlsHandshake(socket, host, opts(tags, env.connectTimeoutMs));
          into.tls_handshakes.push(tls.obs);
          if (got) got.tls = tls.obs;
          if (!tls.socket) return isReaction(tls.obs.failure);
          socket = tls.socket;
        }
        handed = true;
        const req = await env.net.httpRequest({ ip, port, scheme, host, path, socket }, opts(tags));
        into.requests.push(req);
        if (got) got.req = req;
        return responseReaction(req).reaction;
      } finally {
        if (!handed) socket.destroy();
      }
    });
  }

  /** The swap test's innocuous request on an address, reused from a recent entry when it worked. */
  async function innocuous(ip: string, port: number, scheme: Scheme): Promise<boolean> {
    const { result, shared } = await env.swaps.innocuous(`${scheme}://${endpoint(ip, port)}`, async () => {
      const own: StepKeys = { tcp_connect: [], tls_handshakes: [], requests: [] };
      const reacted = await chain(ip, port, scheme, env.innocuousName, '/', ['swap-innocuous'], own);
      return { ok: !reacted, keys: own };
    });
    const take = shared ? sharedCopy : <T>(o: T) => o;
    keys.tcp_connect.push(...result.keys.tcp_connect.map(take));
    keys.tls_handshakes.push(...result.keys.tls_handshakes.map(take));
    keys.requests.push(...result.keys.requests.map(take));
    return result.ok;
  }

  // The steps start on the deciding replies; UDP's late window (injected or duplicate replies)
  // runs meanwhile, and the full record replaces them at the end. The plan reads deciding replies
  // only (findTruth, firstReplies), so it is the same as waiting for the window first.
  let allQueries: Promise<DnsQuery[]> | null = null;
  if (!target.is_ip) {
    const start = (): DnsPhase => {
      const asks = dnsPlan(env).map(([spec, type, tags]) =>
        askResolver(env, spec, target.host, type, { ...opts(tags, env.dnsTimeoutMs), lateWindowMs: env.lateWindowMs }),
      );
      return { decided: Promise.all(asks.map((a) => a.decided)).then((r) => r.flat()), all: Promise.all(asks.map((a) => a.all)).then((r) => r.flat()) };
    };
    const { phase, shared } = env.dnsShare.phase(target.host, start);
    const copy = (qs: DnsQuery[]) => (shared ? qs.map(sharedCopy) : qs);
    keys.queries = copy(await phase.decided);
    allQueries = phase.all.then(copy);
  }

  let truth = target.is_ip ? [target.host] : findTruth(keys).addrs;
  const isp = target.is_ip ? undefined : firstReplies(keys, 'isp', 'A')[0];
  const ispAddrs = answerAddrs(isp);
  const allAddrs = () => [...new Set([...truth, ...ispAddrs])].filter((ip) => !isBogon(ip) && env.guard.allows(ip));

  // The control is asked as soon as something fails, while the local retries go on.
  let controlAsk: Promise<void> | null = null;
  const ask = () => {
    if (!env.control) return Promise.resolve();
    controlAsk ??= env.control.ask({ url: target.url, addrs: allAddrs() }).then((res) => {
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
  // An https:// entry's page is not fetched a second time over plain HTTP once its HTTPS fetch from
  // the same address showed the site (httpsShowsSite): per address, what that fetch decided.
  const httpsDecided = new Map<string, Promise<string | null>>();
  const decide = new Map<string, (by: string | null) => void>();
  const twins = target.port === null && target.scheme === 'https';
  if (twins) for (const ip of ips) httpsDecided.set(ip, new Promise((resolve) => decide.set(ip, resolve)));
  await Promise.all(
    ips.flatMap((ip) =>
      ports.map(async ([port, scheme]) => {
        const real = target.host;
        // Whatever happens on this address over HTTPS, the plain-HTTP side waiting on it goes on.
        const settle = (by: string | null) => (twins && scheme === 'https' ? decide.get(ip)?.(by) : undefined);
        let realReacted = false;
        let pathReacted = false;
        let innocuousOk = false;
        try {
          innocuousOk = await innocuous(ip, port, scheme);
          if (!innocuousOk) void ask();
          const by = twins && scheme === 'http' ? await httpsDecided.get(ip) : null;
          if (by) {
            (keys.skipped ??= []).push({ url: requestUrl('http', real, port, '/'), address: endpoint(ip, port), host: real, tags: ['direct'], reason: 'https_decided', decided_by: by });
          } else {
            const direct: Got = {};
            realReacted = await chain(ip, port, scheme, real, '/', ['direct'], keys, direct);
            // An http:// entry's path is fetched over HTTPS too: the site's own page of that path
            // (certificate valid for the name) shows whose the plain-HTTP page is without the control.
            const wantPath = target.path !== '/' && (scheme === target.scheme || scheme === 'https');
            const listed: Got = {};
            pathReacted = wantPath ? await chain(ip, port, scheme, real, target.path, ['path'], keys, listed) : false;
            const shown = (g: Got) => (g.req && httpsShowsSite(g, real) ? `${g.req.request.url} @${g.req.request.address}` : null);
            settle(shown(direct) && (!wantPath || shown(listed)) ? shown(wantPath ? listed : direct) : null);
          }
        } finally {
          settle(null);
        }
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
  // The page the verdict relies on must be shown to be the site's: without the control only an
  // HTTPS page with a valid certificate (or the same page over plain HTTP) shows it. Anything else
  // (an unknown page, a refusal, a redirect elsewhere, a broken server) is asked about abroad.
  else if (controlAsk === null && needsControl(target, keys, truth)) await ask();
  await controlAsk;
  if (allQueries) keys.queries = await allQueries;
  return keys;
}

type StepKeys = Pick<TestKeys, 'tcp_connect' | 'tls_handshakes' | 'requests'>;
/** A chain's own TLS handshake and request, for the plan to look at. */
type Got = { tls?: TlsHandshake; req?: HttpRequest };

/**
 * The real name's fetch over HTTPS shows the site from that address: a handshake trusted and valid
 * for the name, and a whole 2xx answer that is no known blockpage. Only then is the plain-HTTP
 * twin of an https:// entry left out: it would add nothing to the verdict (the listed URL answers
 * over HTTPS with a certificate for its name) nor to its evidence. Any failure, reaction,
 * refusal or redirect over HTTPS, and the plain-HTTP twin is fetched as before.
 */
export function httpsShowsSite(got: Got, host: string): boolean {
  const { tls, req } = got;
  if (!tls || !req || tls.failure !== null || !tls.trusted || !tls.valid_for_name || tls.server_name !== host) return false;
  if (req.failure !== null || req.response === null) return false;
  return req.response.code >= 200 && req.response.code < 300 && !responseReaction(req).reaction;
}

/** Whether the listed URL's fetch from here is not shown to be the site without the control. */
export function needsControl(target: Target, keys: TestKeys, truth: string[]): boolean {
  if (truth.length === 0) return false;
  const reach = analyzeReach(target, keys, truth);
  if (reach.ok === null) return reach.fetches.length > 0;
  // A redirect elsewhere on the site may be its "restricted region" page: only the control, not
  // redirected, tells it from an ordinary one (language, login).
  return reach.fetches.some((r) => {
    const loc = r.response && r.response.code >= 300 && r.response.code < 400 ? r.response.headers['location'] : undefined;
    if (!loc) return false;
    try {
      return !samePlace(new URL(loc, r.request.url).href, r.request.url);
    } catch {
      return true;
    }
  });
}

/** Who is asked about a name, for which type, tagged how. */
function dnsPlan(env: ProbeEnv): [ResolverSpec, QueryType, StepTag[]][] {
  return [
    [env.isp, 'A', ['isp']],
    [env.isp, 'AAAA', ['isp']],
    ...env.ispDirect.map((r): [ResolverSpec, QueryType, StepTag[]] => [r, 'A', ['isp-direct']]),
    ...env.foreign.map((f): [ResolverSpec, QueryType, StepTag[]] => [f, 'A', ['foreign']]),
    ...env.foreign.filter((f) => f.transport === 'doh').slice(0, 1).map((f): [ResolverSpec, QueryType, StepTag[]] => [f, 'AAAA', ['foreign']]),
  ];
}

/**
 * One query, with a promise of its deciding reply besides the full record. The query holds one of
 * its resolver's slots until its deciding reply: a home router's DNS forwarder (dnsmasq answers at
 * most 150 queries at once by default) or a busy resolver drops a burst of hundreds of entries'
 * queries, which would read as unanswered names. The late window does not hold the slot.
 */
function askResolver(env: ProbeEnv, spec: ResolverSpec, host: string, type: QueryType, o: DnsOptions): DnsPhase {
  const slots: Limiter = spec.transport === 'doh' ? env.dohSlots : env.dnsSlots;
  let decide!: (q: DnsQuery[]) => void;
  const early = new Promise<DnsQuery[]>((resolve) => (decide = resolve));
  let all!: Promise<DnsQuery[]>;
  let started!: () => void;
  const begun = new Promise<void>((resolve) => (started = resolve));
  const decided = slots(resolverAddress(spec), () => {
    all = env.net.query(spec, host, type, { ...o, onDecided: decide });
    started();
    // Whatever comes first: the early hand-over, or the end (other transports, failures, TC + TCP).
    return Promise.race([early, all]);
  });
  return { decided, all: begun.then(() => all) };
}
