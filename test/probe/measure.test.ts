// The measuring plan of one entry (measureTarget), driven through fake transports: a small world
// of resolvers, addresses and pages in memory. No packet is sent, no root needed; each test checks
// which steps the plan chose (address, port, SNI/Host, path, tags), in which order where order
// matters, and what the record holds.
import { createHash } from 'node:crypto';
import { isIPv4, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { endpoint } from '../../src/address.js';
import type { ControlAnswer } from '../../src/control/client.js';
import type { ControlRequest } from '../../src/control/protocol.js';
import { parseResolverSpec, resolverAddress, type DnsOptions, type ResolverSpec } from '../../src/dns/index.js';
import { NetGuard } from '../../src/net/guard.js';
import type { HttpTarget } from '../../src/net/index.js';
import type { ControlResponse, DnsAnswer, DnsQuery, Failure, HttpRequest, StepTag, Target, TestKeys } from '../../src/observations.js';
import { probeEnv, type ProbeEnv, type Transports } from '../../src/probe/env.js';
import { measureTarget } from '../../src/probe/measure.js';
import type { RunOptions } from '../../src/probe/run-options.js';
import { normaliseUrl } from '../../src/lists/normalise.js';

// Addresses of the lab's range (198.18.0.0/15); 198.20.0.5 is outside the guard.
const ISP = '198.18.0.53';
const ISP_DIRECT = '198.18.0.54';
const DOH = 'https://198.19.0.10/dns-query';
const UDP_ABROAD = '198.19.0.11';
const T1 = '198.19.1.1';
const T2 = '198.19.1.2';
const T3 = '198.19.1.3';
const V6 = '2001:db8:cafe::10';
const NEUTRAL = '198.19.9.9';
const BP = '198.18.2.2';
const BP2 = '198.18.2.3';
const BP3 = '198.18.2.4';
const OUTSIDE = '198.20.0.5';
const INNOCUOUS = 'innocuous.example';
const OTE_BLOCKPAGE = { code: 200, title: 'Μή Επιτρεπτή Πρόσβαση', body: 'ΜΗ ΕΠΙΤΡΕΠΤΗ ΠΡΟΣΒΑΣΗ' };

interface Reply {
  addrs?: string[];
  additional?: string[];
  failure?: Failure;
  /** UDP: replies after the deciding one (an injected answer, a duplicate). */
  late?: string[];
}
interface Page {
  code: number;
  title?: string;
  body?: string;
  headers?: Record<string, string>;
}
interface Step {
  kind: 'dns' | 'tcp' | 'tls' | 'http' | 'control';
  text: string;
  tags: StepTag[];
}

/** What the fake network answers; every hook defaults to a working site. */
interface World {
  /** By resolver address, then query type. */
  dns?: Record<string, Partial<Record<'A' | 'AAAA', Reply>>>;
  tcp?: (ip: string, port: number) => Failure;
  tls?: (ip: string, port: number, sni: string, tags: StepTag[]) => { failure?: Failure; trusted?: boolean; valid?: boolean };
  http?: (t: HttpTarget, tags: StepTag[]) => Page | Failure;
  control?: (req: ControlRequest) => ControlAnswer;
  /** Held until this resolves: the UDP late window. */
  lateGate?: Promise<void>;
}

function fakeNetwork(world: World) {
  const log: Step[] = [];
  const sockets: Socket[] = [];
  const peer = new WeakMap<Socket, { ip: string; port: number }>();
  const asked: ControlRequest[] = [];
  const note = (kind: Step['kind'], text: string, tags: StepTag[]) => log.push({ kind, text, tags: [...tags] });

  const net: Transports = {
    async query(spec: ResolverSpec, name, type, opts: DnsOptions) {
      const address = resolverAddress(spec);
      note('dns', `${address} ${type} ${name}`, opts.tags);
      const reply = world.dns?.[address]?.[type as 'A' | 'AAAA'] ?? {};
      const first = dnsQuery(spec, name, type, opts.tags, reply, reply.addrs ?? [], 0);
      if (!reply.late) return [first];
      opts.onDecided?.([first]);
      await world.lateGate;
      return [first, dnsQuery(spec, name, type, opts.tags, reply, reply.late, 1)];
    },
    async tcpConnect(ip, port, opts) {
      note('tcp', endpoint(ip, port), opts.tags);
      const failure = world.tcp?.(ip, port) ?? null;
      let socket: Socket | null = null;
      if (failure === null) {
        socket = new Socket();
        sockets.push(socket);
        peer.set(socket, { ip, port });
      }
      return { obs: { ip, port, t0: 0, t: 0.01, status: { success: failure === null, failure }, tags: [...opts.tags] }, socket };
    },
    async tlsHandshake(socket, sni, opts) {
      const { ip, port } = peer.get(socket)!;
      note('tls', `${endpoint(ip, port)} sni=${sni}`, opts.tags);
      const r = world.tls?.(ip, port, sni, opts.tags) ?? {};
      const failure = r.failure ?? null;
      const cert = { subject: `CN=${sni}`, issuer: 'CN=Lab CA', names: [sni], valid_from: '', valid_to: '', fingerprint256: sni };
      return {
        obs: {
          address: endpoint(ip, port), server_name: sni, t0: 0, t: 0.02, failure,
          tls_version: failure ? null : 'TLSv1.3', negotiated_protocol: null,
          trusted: failure === null && (r.trusted ?? true), valid_for_name: failure === null && (r.valid ?? true),
          verify_error: null, peer_certificate: failure ? null : cert, tags: [...opts.tags],
        },
        // The same socket stands for the secured one: closing it is what the plan must do.
        socket: failure ? null : (socket as TLSSocket),
      };
    },
    async httpRequest(t, opts) {
      const name = isIPv6(t.host) ? `[${t.host}]` : t.host;
      const url = `${t.scheme}://${name}${t.port === (t.scheme === 'https' ? 443 : 80) ? '' : `:${t.port}`}${t.path}`;
      note('http', `${url} @${endpoint(t.ip, t.port)} host=${t.host}`, opts.tags);
      // Like the real step, the request consumes the socket it is given (closes it when done).
      t.socket?.destroy();
      const answer = world.http ? world.http(t, opts.tags) : { code: 200, title: 'The site', body: `the page of ${t.host}${t.path}` };
      const req: HttpRequest = {
        request: { url, method: 'GET', address: endpoint(t.ip, t.port), host: t.host, headers: {} },
        response: null, failure: null, t0: 0, t: 0.03, tags: [...opts.tags],
      };
      if (answer === null || typeof answer === 'string') return { ...req, failure: answer ?? 'unknown_failure' };
      const body = answer.body ?? '';
      return {
        ...req,
        response: {
          code: answer.code, headers: answer.headers ?? {}, body_length: Buffer.byteLength(body), body_is_truncated: false, body,
          body_sha256: createHash('sha256').update(body).digest('hex'), title: answer.title ?? null,
        },
      };
    },
  };
  const control = {
    async ask(req: ControlRequest): Promise<ControlAnswer> {
      asked.push(req);
      note('control', req.url, []);
      return world.control ? world.control(req) : { response: controlResponse([T1]), failure: null };
    },
  };
  /** The steps of one kind as `text [tags]`. */
  const steps = (kind: Step['kind']) => log.filter((s) => s.kind === kind).map((s) => `${s.text} [${s.tags.join(',')}]`);
  const indexOf = (kind: Step['kind'], text: string, tags: StepTag[]) =>
    log.findIndex((s) => s.kind === kind && s.text === text && s.tags.join(',') === tags.join(','));
  return { net, control, log, asked, steps, indexOf, sockets };
}

function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

function dnsQuery(spec: ResolverSpec, name: string, type: string, tags: StepTag[], r: Reply, addrs: string[], index: number): DnsQuery {
  const rr = (section: DnsAnswer['section']) => (ip: string): DnsAnswer => ({
    section, answer_type: isIPv4(ip) ? 'A' : 'AAAA', hostname: name, ttl: 60, ...(isIPv4(ip) ? { ipv4: ip } : { ipv6: ip }),
  });
  const answers = [...addrs.map(rr('answer')), ...(r.additional ?? []).map(rr('additional'))];
  const failure = index > 0 ? null : r.failure !== undefined ? r.failure : addrs.length > 0 ? null : 'dns_no_answer';
  return {
    engine: spec.transport, resolver_address: resolverAddress(spec), hostname: name, query_type: type, transaction_id: 1, t0: 0, t: 0.01,
    failure, rcode: failure === 'generic_timeout_error' ? null : failure === 'dns_nxdomain_error' ? 'NXDOMAIN' : 'NOERROR',
    flags: ['rd', 'ra'], answers, reply_index: index, tags: [...tags],
  };
}

function controlResponse(addrs: string[], http: Partial<ControlResponse['http_request']> = {}): ControlResponse {
  return {
    dns: { failure: null, addrs },
    tcp_connect: {},
    tls_handshake: {},
    http_request: { failure: null, status_code: 200, title: 'The site', body_length: 20, body_sha256: '', headers: {}, ...http },
  };
}

function target(url: string): Target {
  const n = normaliseUrl(url);
  if (!n.ok) throw new Error(n.reason);
  return { input: url, ...n.value, category_code: 'GMB', list: 'test.csv' };
}

interface Setup {
  world?: World;
  control?: boolean;
  neutral?: boolean;
  ipv6?: boolean;
  /** Hosts of the entries to measure with this env (names listed twice share their queries). */
  hosts?: string[];
  ispDirect?: boolean;
}

/** An env as a run builds it (probeEnv), over the fake network. */
function setup(s: Setup = {}): { env: ProbeEnv; fake: ReturnType<typeof fakeNetwork> } {
  const fake = fakeNetwork(s.world ?? {});
  const guard = new NetGuard(['198.18.0.0/15', '2001:db8:cafe::/48']);
  const opts: RunOptions = {
    lists: [], skipInvalid: false, ispResolver: ISP, foreign: [], control: null, out: '/nonexistent', concurrency: 1, perIp: 4,
    timeoutMs: 1000, guard, innocuousName: INNOCUOUS, neutralIp: s.neutral === false ? null : NEUTRAL,
  };
  const env = probeEnv(opts, {
    isp: parseResolverSpec(ISP),
    ispDirect: s.ispDirect ? [parseResolverSpec(ISP_DIRECT)] : [],
    // Given UDP first: the env puts DoH first.
    foreign: [parseResolverSpec(UDP_ABROAD), parseResolverSpec(DOH)],
    ipv6: s.ipv6 ?? false,
    connectTimeoutMs: 500,
    control: s.control === false ? null : fake.control,
    hosts: s.hosts ?? [],
  }, fake.net);
  return { env, fake };
}

/** A name that resolves to `addrs` everywhere (the ISP included). */
function resolves(addrs: string[], isp: Reply = { addrs }): World['dns'] {
  return { [`${ISP}:53`]: { A: isp }, [DOH]: { A: { addrs } }, [`${UDP_ABROAD}:53`]: { A: { addrs } } };
}

/** Every socket the plan opened is closed when it returns. */
function expectClosed(fake: ReturnType<typeof fakeNetwork>): void {
  expect(fake.sockets.length).toBeGreaterThan(0);
  expect(fake.sockets.every((s) => s.destroyed)).toBe(true);
}

const tagsOf = (keys: TestKeys) => keys.requests.map((r) => `${r.request.url} @${r.request.address} [${r.tags.join(',')}]`);

describe('measureTarget: DNS', () => {
  it('asks the ISP (A, AAAA), its own resolver behind a relay and the resolvers abroad (DoH first, one DoH AAAA)', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1]) }, ispDirect: true });
    const keys = await measureTarget(target('https://site.gr/'), env);
    expect(keys.queries.map((q) => `${q.resolver_address} ${q.query_type} ${q.hostname} [${q.tags.join(',')}]`)).toEqual([
      `${ISP}:53 A site.gr [isp]`,
      `${ISP}:53 AAAA site.gr [isp]`,
      `${ISP_DIRECT}:53 A site.gr [isp-direct]`,
      `${DOH} A site.gr [foreign]`,
      `${UDP_ABROAD}:53 A site.gr [foreign]`,
      `${DOH} AAAA site.gr [foreign]`,
    ]);
    expect(fake.steps('dns')).toHaveLength(6);
  });

  it('an IP-literal entry asks no resolver and is measured on its address', async () => {
    const { env, fake } = setup();
    const keys = await measureTarget(target('https://198.19.1.1/'), env);
    expect(keys.queries).toEqual([]);
    expect(fake.steps('dns')).toEqual([]);
    expect(fake.steps('tls')).toContain(`${T1}:443 sni=${T1} [direct]`);
  });

  it('goes on at the deciding UDP reply; the late reply is in the record it returns', async () => {
    let open!: () => void;
    const lateGate = new Promise<void>((resolve) => (open = resolve));
    const world: World = {
      dns: resolves([T1], { addrs: [T1], late: [BP] }),
      // The late window closes only once the plan has reached the site: it did not wait for it.
      tcp: () => (open(), null),
      lateGate,
    };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('https://site.gr/'), env);
    expect(fake.steps('tcp').length).toBeGreaterThan(0);
    const isp = keys.queries.filter((q) => q.resolver_address === `${ISP}:53` && q.query_type === 'A');
    expect(isp.map((q) => [q.reply_index, q.answers.map((a) => a.ipv4)])).toEqual([[0, [T1]], [1, [BP]]]);
    // The plan read the deciding reply only: the late address was never contacted.
    expect(fake.log.some((s) => s.text.includes(BP))).toBe(false);
  });

  it('entries of one name share its queries: asked once, copies tagged shared', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1]) }, hosts: ['site.gr', 'site.gr'] });
    const first = await measureTarget(target('https://site.gr/a'), env);
    const second = await measureTarget(target('https://site.gr/b'), env);
    expect(fake.steps('dns')).toHaveLength(5);
    expect(first.queries.every((q) => !q.tags.includes('shared'))).toBe(true);
    expect(second.queries).toHaveLength(5);
    expect(second.queries.every((q) => q.tags.includes('shared'))).toBe(true);
    expect(env.dnsShare.reused()).toBe(1);
  });
});

describe('measureTarget: the swap test', () => {
  it('a working site: the innocuous name then the real one on each of two true addresses, both ports; no control asked', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1, T2, T3]) } });
    const keys = await measureTarget(target('https://site.gr/'), env);
    // At most two of the site's addresses (maxAddrs).
    expect(fake.steps('tcp').some((s) => s.startsWith(T3))).toBe(false);
    expect(fake.steps('tls').sort()).toEqual([
      `${T1}:443 sni=${INNOCUOUS} [swap-innocuous]`,
      `${T1}:443 sni=site.gr [direct]`,
      `${T2}:443 sni=${INNOCUOUS} [swap-innocuous]`,
      `${T2}:443 sni=site.gr [direct]`,
    ]);
    expect(fake.steps('http').sort()).toEqual([
      `http://${INNOCUOUS}/ @${T1}:80 host=${INNOCUOUS} [swap-innocuous]`,
      `http://${INNOCUOUS}/ @${T2}:80 host=${INNOCUOUS} [swap-innocuous]`,
      `http://site.gr/ @${T1}:80 host=site.gr [direct]`,
      `http://site.gr/ @${T2}:80 host=site.gr [direct]`,
      `https://${INNOCUOUS}/ @${T1}:443 host=${INNOCUOUS} [swap-innocuous]`,
      `https://${INNOCUOUS}/ @${T2}:443 host=${INNOCUOUS} [swap-innocuous]`,
      `https://site.gr/ @${T1}:443 host=site.gr [direct]`,
      `https://site.gr/ @${T2}:443 host=site.gr [direct]`,
    ]);
    // The innocuous request comes before the real name on each address and port.
    for (const ip of [T1, T2]) {
      expect(fake.indexOf('tls', `${ip}:443 sni=${INNOCUOUS}`, ['swap-innocuous'])).toBeLessThan(fake.indexOf('tls', `${ip}:443 sni=site.gr`, ['direct']));
    }
    expect(keys.tcp_connect).toHaveLength(8);
    expect(keys.tls_handshakes).toHaveLength(4);
    expect(keys.requests).toHaveLength(8);
    // An HTTPS page with a valid certificate shows the site: the control is not asked.
    expect(fake.asked).toEqual([]);
    expect(keys.control).toBeNull();
    expectClosed(fake);
  });

  it('the real name reset on one address: sandwich, one retry, then the real name to the neutral server; the control asked once', async () => {
    const world: World = {
      dns: resolves([T1, T2]),
      tls: (ip, _port, sni) => (ip === T1 && sni === 'site.gr' ? { failure: 'connection_reset' } : {}),
    };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('https://site.gr/'), env);
    const at = (text: string, tags: StepTag[]) => fake.indexOf('tls', text, tags);
    const direct = at(`${T1}:443 sni=site.gr`, ['direct']);
    const sandwich = at(`${T1}:443 sni=${INNOCUOUS}`, ['swap-innocuous', 'sandwich']);
    const retry = at(`${T1}:443 sni=site.gr`, ['direct', 'retry']);
    const neutral = at(`${NEUTRAL}:443 sni=site.gr`, ['swap-real-neutral']);
    expect([direct, sandwich, retry, neutral].every((i) => i >= 0)).toBe(true);
    expect(direct).toBeLessThan(sandwich);
    expect(sandwich).toBeLessThan(retry);
    expect(retry).toBeLessThan(neutral);
    // The control is asked as soon as the real name failed, while the local retries go on.
    const ask = fake.log.findIndex((s) => s.kind === 'control');
    expect(ask).toBeGreaterThan(direct);
    expect(ask).toBeLessThan(sandwich);
    // The neutral server got the real name over HTTPS with its Host too.
    expect(fake.steps('http')).toContain(`https://site.gr/ @${NEUTRAL}:443 host=site.gr [swap-real-neutral]`);
    // The other address and plain HTTP were fine: no sandwich, retry or neutral test there.
    expect(fake.steps('tls').filter((s) => s.startsWith(`${T2}:`))).toEqual([`${T2}:443 sni=${INNOCUOUS} [swap-innocuous]`, `${T2}:443 sni=site.gr [direct]`]);
    expect(fake.steps('http').filter((s) => s.includes('retry') || s.includes('sandwich')).every((s) => s.includes(`${T1}:443`))).toBe(true);
    expect(fake.asked).toEqual([{ url: 'https://site.gr/', addrs: [T1, T2] }]);
    expect(keys.control?.dns.addrs).toEqual([T1]);
    expect(keys.tls_handshakes.filter((h) => h.failure === 'connection_reset').map((h) => h.tags)).toEqual([['direct'], ['direct', 'retry']]);
    expectClosed(fake);
  });

  it('one success on the retry: no neutral test', async () => {
    let resets = 0;
    const world: World = {
      dns: resolves([T1]),
      tls: (_ip, _port, sni) => (sni === 'site.gr' && resets++ === 0 ? { failure: 'connection_reset' } : {}),
    };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.steps('tls')).toContain(`${T1}:443 sni=site.gr [direct,retry]`);
    expect(fake.steps('tls')).toContain(`${T1}:443 sni=${INNOCUOUS} [swap-innocuous,sandwich]`);
    expect(fake.log.some((s) => s.text.includes(NEUTRAL))).toBe(false);
    // A reaction asks the control, even when the retry went through.
    expect(fake.asked).toHaveLength(1);
  });

  it('without a neutral server the retried reaction ends the plan there', async () => {
    const world: World = { dns: resolves([T1]), tls: (_ip, _port, sni) => (sni === 'site.gr' ? { failure: 'connection_reset' } : {}) };
    const { env, fake } = setup({ world, neutral: false });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.steps('tls')).toContain(`${T1}:443 sni=site.gr [direct,retry]`);
    expect(fake.steps('tls').some((s) => s.includes('swap-real-neutral'))).toBe(false);
  });

  it('an IP-literal entry that reacts is sandwiched and retried but never sent to the neutral server', async () => {
    const world: World = { tls: (_ip, _port, sni) => (sni === T1 ? { failure: 'connection_reset' } : {}) };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://198.19.1.1/'), env);
    expect(fake.steps('tls')).toEqual(expect.arrayContaining([`${T1}:443 sni=${INNOCUOUS} [swap-innocuous,sandwich]`, `${T1}:443 sni=${T1} [direct,retry]`]));
    expect(fake.log.some((s) => s.text.includes(NEUTRAL))).toBe(false);
    expect(fake.asked).toEqual([{ url: 'https://198.19.1.1/', addrs: [T1] }]);
  });

  it('an address refusing even the innocuous name: no sandwich, one retry, no neutral test; no TLS or HTTP after a failed connect', async () => {
    const world: World = { dns: resolves([T1]), tcp: (ip, port) => (ip === T1 && port === 443 ? 'connection_refused' : null) };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('https://site.gr/'), env);
    expect(fake.steps('tcp').filter((s) => s.startsWith(`${T1}:443`))).toEqual([
      `${T1}:443 [swap-innocuous]`,
      `${T1}:443 [direct]`,
      `${T1}:443 [direct,retry]`,
    ]);
    expect(fake.steps('tls')).toEqual([]);
    expect(fake.steps('http').some((s) => s.includes(':443'))).toBe(false);
    expect(fake.log.some((s) => s.text.includes(NEUTRAL))).toBe(false);
    expect(keys.tcp_connect.filter((c) => c.status.failure === 'connection_refused')).toHaveLength(3);
    expect(fake.asked).toHaveLength(1);
    // Asked as soon as the innocuous name failed, before the real name was tried there.
    const ask = fake.log.findIndex((s) => s.kind === 'control');
    expect(ask).toBeGreaterThan(fake.indexOf('tcp', `${T1}:443`, ['swap-innocuous']));
    expect(ask).toBeLessThan(fake.indexOf('tcp', `${T1}:443`, ['direct']));
  });

  it('a certificate failure is no reaction: no HTTP over it, no retry; a plain-HTTP page with no HTTPS twin is asked about abroad', async () => {
    const world: World = { dns: resolves([T1]), tls: () => ({ failure: 'ssl_invalid_hostname' }) };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('http://site.gr/'), env);
    expect(fake.steps('tls')).toEqual([`${T1}:443 sni=${INNOCUOUS} [swap-innocuous]`, `${T1}:443 sni=site.gr [direct]`]);
    expect(fake.steps('http').some((s) => s.includes(':443'))).toBe(false);
    expect(fake.log.some((s) => s.tags.includes('retry') || s.tags.includes('sandwich'))).toBe(false);
    // The HTTP page cannot be shown to be the site's without the control.
    expect(fake.asked).toEqual([{ url: 'http://site.gr/', addrs: [T1] }]);
    expect(keys.control).not.toBeNull();
  });

  it('a plain-HTTP page the same as its HTTPS twin is the site: the control is not asked', async () => {
    const page = { code: 200, title: 'Site', body: 'the same page' };
    const { env, fake } = setup({ world: { dns: resolves([T1]), http: () => page } });
    await measureTarget(target('http://site.gr/'), env);
    expect(fake.asked).toEqual([]);
  });

  it('a reset in the HTTP exchange after a good handshake is a reaction: sandwich and retry', async () => {
    const world: World = { dns: resolves([T1]), http: (t) => (t.host === 'site.gr' && t.scheme === 'https' ? 'connection_reset' : { code: 200, body: 'ok' }) };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('https://site.gr/'), env);
    expect(fake.steps('http')).toEqual(expect.arrayContaining([
      `https://${INNOCUOUS}/ @${T1}:443 host=${INNOCUOUS} [swap-innocuous,sandwich]`,
      `https://site.gr/ @${T1}:443 host=site.gr [direct,retry]`,
      `https://site.gr/ @${NEUTRAL}:443 host=site.gr [swap-real-neutral]`,
    ]));
    expect(keys.requests.filter((r) => r.failure === 'connection_reset')).toHaveLength(3);
    expect(fake.asked).toHaveLength(1);
  });

  it('the innocuous request on an address is reused by the next entry on it (copies tagged shared), a failed one never', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1]) } });
    await measureTarget(target('https://a.gr/'), env);
    const second = await measureTarget(target('https://b.gr/'), env);
    expect(fake.steps('tls').filter((s) => s.includes(INNOCUOUS))).toEqual([`${T1}:443 sni=${INNOCUOUS} [swap-innocuous]`]);
    expect(second.tls_handshakes.find((h) => h.server_name === INNOCUOUS)?.tags).toEqual(['swap-innocuous', 'shared']);

    const refusing = setup({ world: { dns: resolves([T1]), tcp: (_ip, port) => (port === 80 ? 'connection_refused' : null) } });
    await measureTarget(target('https://a.gr/'), refusing.env);
    await measureTarget(target('https://b.gr/'), refusing.env);
    expect(refusing.fake.steps('tcp').filter((s) => s === `${T1}:80 [swap-innocuous]`)).toHaveLength(2);
  });
});

describe('measureTarget: the listed path and port', () => {
  it('the path is fetched on the listed scheme and over HTTPS; a blockpage for it is retried, the real name is not', async () => {
    const world: World = {
      dns: resolves([T1]),
      http: (t) => (t.path === '/bet?x=1' && t.scheme === 'http' ? OTE_BLOCKPAGE : { code: 200, title: 'Site', body: 'site' }),
    };
    const { env, fake } = setup({ world });
    await measureTarget(target('http://site.gr/bet?x=1'), env);
    const site = fake.steps('http').filter((s) => s.includes('host=site.gr'));
    expect(site.sort()).toEqual([
      `http://site.gr/ @${T1}:80 host=site.gr [direct]`,
      `http://site.gr/bet?x=1 @${T1}:80 host=site.gr [path,retry]`,
      `http://site.gr/bet?x=1 @${T1}:80 host=site.gr [path]`,
      `https://site.gr/ @${T1}:443 host=site.gr [direct]`,
      `https://site.gr/bet?x=1 @${T1}:443 host=site.gr [path]`,
    ]);
    expect(fake.steps('http').some((s) => s.includes('sandwich'))).toBe(false);
    expect(fake.asked).toEqual([{ url: 'http://site.gr/bet?x=1', addrs: [T1] }]);
  });

  it('an https:// entry\'s path is not fetched over plain HTTP', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1]) } });
    await measureTarget(target('https://site.gr/bet'), env);
    expect(fake.steps('http').filter((s) => s.includes('[path')).sort()).toEqual([`https://site.gr/bet @${T1}:443 host=site.gr [path]`]);
  });

  it('an explicit port: only that port and the listed scheme', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1]) } });
    await measureTarget(target('https://site.gr:8443/'), env);
    expect(fake.steps('tcp').sort()).toEqual([`${T1}:8443 [direct]`, `${T1}:8443 [swap-innocuous]`]);
    expect(fake.steps('http')).toContain(`https://site.gr:8443/ @${T1}:8443 host=site.gr [direct]`);
  });
});

describe("measureTarget: the ISP's answer", () => {
  it('a different answer is fetched with the real name over HTTPS and HTTP; a blockpage seen twice is learnt and no longer fetched', async () => {
    const world: World = {
      dns: resolves([T1], { addrs: [BP] }),
      http: (t) => (t.ip === BP ? OTE_BLOCKPAGE : { code: 200, body: 'site' }),
      tls: (ip) => (ip === BP ? { trusted: false, valid: false } : {}),
    };
    const { env, fake } = setup({ world });
    const first = await measureTarget(target('https://a.gr/'), env);
    expect(fake.steps('tls').filter((s) => s.startsWith(BP))).toEqual([`${BP}:443 sni=a.gr [isp-answer]`]);
    expect(fake.steps('http').filter((s) => s.includes(BP))).toEqual([`https://a.gr/ @${BP}:443 host=a.gr [isp-answer]`, `http://a.gr/ @${BP}:80 host=a.gr [isp-answer]`]);
    expect(tagsOf(first).filter((t) => t.includes('isp-answer'))).toHaveLength(2);
    expect(env.blockpages.known()).toEqual({});
    await measureTarget(target('https://b.gr/'), env);
    expect(env.blockpages.known()).toEqual({ [BP]: 'ote-eeep' });
    const before = fake.log.length;
    const third = await measureTarget(target('https://c.gr/'), env);
    expect(fake.log.slice(before).some((s) => s.text.includes(BP))).toBe(false);
    expect(third.requests.some((r) => r.tags.includes('isp-answer'))).toBe(false);
    // The site itself was measured as usual, and its valid HTTPS page needs no control.
    expect(third.requests.some((r) => r.tags.includes('direct'))).toBe(true);
    expect(fake.asked).toEqual([]);
  });

  it('at most two of its addresses, never a bogon or one outside the guard', async () => {
    const world: World = { dns: resolves([T1], { addrs: ['10.1.2.3', OUTSIDE, BP, BP2, BP3] }) };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    const checked = [...new Set(fake.steps('tcp').filter((s) => s.includes('isp-answer')).map((s) => s.split(':')[0]))];
    expect(checked.sort()).toEqual([BP, BP2]);
    expect(fake.log.some((s) => s.text.includes('10.1.2.3') || s.text.includes(OUTSIDE))).toBe(false);
  });

  it('an NXDOMAIN carrying an address in its additional section: that address is checked', async () => {
    const world: World = { dns: resolves([T1], { failure: 'dns_nxdomain_error', additional: [BP] }) };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.steps('tcp').filter((s) => s.includes('isp-answer')).sort()).toEqual([`${BP}:443 [isp-answer]`, `${BP}:80 [isp-answer]`]);
    expect(fake.steps('tls')).toContain(`${T1}:443 sni=site.gr [direct]`);
  });

  it('the control is asked with the ISP\'s answer besides the addresses abroad', async () => {
    const world: World = { dns: resolves([T1], { addrs: [BP] }), tls: (ip, _port, sni) => (ip === T1 && sni === 'site.gr' ? { failure: 'connection_reset' } : {}) };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.asked).toEqual([{ url: 'https://site.gr/', addrs: [T1, BP] }]);
  });

  it('the same answer as abroad is not fetched again as the ISP\'s', async () => {
    const { env, fake } = setup({ world: { dns: resolves([T1]) } });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.log.some((s) => s.tags.includes('isp-answer'))).toBe(false);
  });
});

describe('measureTarget: the control', () => {
  it('nobody abroad answers: the control is asked first and its resolver gives the addresses to measure', async () => {
    const world: World = {
      dns: { [`${ISP}:53`]: { A: { addrs: [T1] } }, [DOH]: { A: { failure: 'generic_timeout_error' } }, [`${UDP_ABROAD}:53`]: { A: { failure: 'generic_timeout_error' } } },
      control: () => ({ response: controlResponse([T2]), failure: null }),
    };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('https://site.gr/'), env);
    const ask = fake.log.findIndex((s) => s.kind === 'control');
    const firstConnect = fake.log.findIndex((s) => s.kind === 'tcp');
    expect(ask).toBeGreaterThan(-1);
    expect(ask).toBeLessThan(firstConnect);
    // Asked with what the probe had: the ISP's answer (no truth yet).
    expect(fake.asked).toEqual([{ url: 'https://site.gr/', addrs: [T1] }]);
    expect(fake.steps('tls')).toContain(`${T2}:443 sni=site.gr [direct]`);
    // The ISP's answer now differs from the truth the control gave: checked as the ISP's.
    expect(fake.steps('tls')).toContain(`${T1}:443 sni=site.gr [isp-answer]`);
    expect(keys.control?.dns.addrs).toEqual([T2]);
  });

  it('nobody abroad answers and no control: only the ISP\'s answer is checked, the site is not measured', async () => {
    const world: World = {
      dns: { [`${ISP}:53`]: { A: { addrs: [T1] } }, [DOH]: { A: { failure: 'generic_timeout_error' } }, [`${UDP_ABROAD}:53`]: { A: { failure: 'generic_timeout_error' } } },
    };
    const { env, fake } = setup({ world, control: false });
    const keys = await measureTarget(target('https://site.gr/'), env);
    expect(fake.log.filter((s) => s.kind !== 'dns').every((s) => s.tags.join() === 'isp-answer')).toBe(true);
    expect(fake.steps('tls')).toEqual([`${T1}:443 sni=site.gr [isp-answer]`]);
    expect(keys.control).toBeNull();
    expect(keys.control_failure).toBeNull();
  });

  it('the control\'s failure is recorded as such', async () => {
    const world: World = {
      dns: resolves([T1]),
      tls: (_ip, _port, sni) => (sni === 'site.gr' ? { failure: 'connection_reset' } : {}),
      control: () => ({ response: null, failure: 'generic_timeout_error' }),
    };
    const { env, fake } = setup({ world });
    const keys = await measureTarget(target('https://site.gr/'), env);
    expect(fake.asked).toHaveLength(1);
    expect(keys.control).toBeNull();
    expect(keys.control_failure).toBe('generic_timeout_error');
  });

  it('a redirect elsewhere (a possible "not in your region" page) is asked about abroad; none without a control', async () => {
    const world: World = {
      dns: resolves([T1]),
      http: (t) => (t.host === 'site.gr' ? { code: 302, headers: { location: 'https://site.gr/restricted' } } : { code: 200, body: 'ok' }),
    };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.asked).toEqual([{ url: 'https://site.gr/', addrs: [T1] }]);
    expect(fake.log.some((s) => s.tags.includes('retry'))).toBe(false);

    const none = setup({ world, control: false });
    const keys = await measureTarget(target('https://site.gr/'), none.env);
    expect(keys.control).toBeNull();
    expect(keys.requests.length).toBe(fake.steps('http').length);
  });

  it('a redirect whose Location cannot be read is asked about abroad', async () => {
    const world: World = { dns: resolves([T1]), http: (t) => (t.host === 'site.gr' ? { code: 302, headers: { location: 'http://[bad' } } : { code: 200, body: 'ok' }) };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.asked).toHaveLength(1);
  });

  it('a site answering 403 over HTTPS (refusal, maybe a geoblock) is asked about abroad', async () => {
    const world: World = { dns: resolves([T1]), http: (t) => (t.host === 'site.gr' ? { code: 403, title: 'Forbidden', body: 'not here' } : { code: 200, body: 'ok' }) };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.asked).toHaveLength(1);
  });

  it('true addresses none of which can be measured here still ask the control', async () => {
    const { env, fake } = setup({ world: { dns: resolves([OUTSIDE]) } });
    await measureTarget(target('https://site.gr/'), env);
    expect(fake.log.filter((s) => s.kind === 'tcp')).toEqual([]);
    expect(fake.asked).toEqual([{ url: 'https://site.gr/', addrs: [] }]);
  });
});

describe('measureTarget: errors', () => {
  it('a step that throws (the guard refusing an address) fails the entry: nothing is swallowed', async () => {
    const refused = new Error('refused by the guard');
    const world: World = { dns: resolves([T1]), tcp: () => { throw refused; } };
    const { env } = setup({ world });
    await expect(measureTarget(target('https://site.gr/'), env)).rejects.toBe(refused);
  });
});

describe('measureTarget: IPv6', () => {
  it('an IPv6 address is measured only on a line with IPv6; otherwise the control is asked', async () => {
    const without = setup({ ipv6: false });
    await measureTarget(target(`https://[${V6}]/`), without.env);
    expect(without.fake.log.filter((s) => s.kind === 'tcp')).toEqual([]);
    expect(without.fake.asked).toEqual([{ url: `https://[${V6}]/`, addrs: [V6] }]);

    const withV6 = setup({ ipv6: true });
    await measureTarget(target(`https://[${V6}]/`), withV6.env);
    expect(withV6.fake.steps('tls')).toContain(`[${V6}]:443 sni=${V6} [direct]`);
    expect(withV6.fake.asked).toEqual([]);
  });

  it('the control\'s IPv6 addresses are left out without IPv6, its IPv4 ones measured', async () => {
    const world: World = {
      dns: { [`${ISP}:53`]: { A: { failure: 'dns_nxdomain_error' } }, [DOH]: { A: { failure: 'generic_timeout_error' } }, [`${UDP_ABROAD}:53`]: { A: { failure: 'generic_timeout_error' } } },
      control: () => ({ response: controlResponse([V6, T1]), failure: null }),
    };
    const { env, fake } = setup({ world });
    await measureTarget(target('https://site.gr/'), env);
    expect([...new Set(fake.steps('tcp').map((s) => s.split(' ')[0]))].sort()).toEqual([`${T1}:443`, `${T1}:80`]);
  });
});
