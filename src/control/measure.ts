// One control measurement, shaped like OONI's web_connectivity test helper: the helper's own DNS
// answer, TCP to the union of its and the probe's addresses, TLS with the URL's host as SNI, and a
// GET of the URL. The address policy is asked before every contact; refused addresses are
// recorded with REFUSED_ADDRESS and never contacted.
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { ControlResponse, Failure } from '../observations.js';
import type { Guard } from '../net/guard.js';
import { FAILURE, certificateFailure } from '../net/failure.js';
import { endpoint } from '../address.js';
import type { StepOptions } from '../net/step.js';
import { tcpConnect } from '../net/tcp.js';
import { tlsHandshake } from '../net/tls.js';
import { httpRequest } from '../net/http.js';
import type { CaOption } from '../net/certificate.js';
import type { HostResolver } from './resolve.js';
import type { ControlRequest } from './protocol.js';
import { REFUSED_ADDRESS } from './policy.js';

export interface ControlMeasureOptions {
  /** Asked before every contact: the address policy, possibly narrowed by --only-nets. */
  guard: Guard;
  resolver: HostResolver;
  /** performance.now() value after which nothing new is started. */
  deadline: number;
  /** Per-step caps (ms), each further cut to the time left before the deadline. */
  stepTimeoutMs?: { dns: number; tcp: number; tls: number; http: number };
  /** Bytes of the fetched body read (its body_length stops there). */
  bodyCapBytes?: number;
  /** Bytes of the body covered by body_sha256. */
  hashCapBytes?: number;
  maxRedirects?: number;
  /** Most addresses measured (the helper's own answers first, then the probe's). */
  maxAddrs?: number;
  ca?: CaOption;
}

export const CONTROL_DEFAULTS = {
  stepTimeoutMs: { dns: 4000, tcp: 10_000, tls: 10_000, http: 10_000 },
  bodyCapBytes: 1024 * 1024,
  hashCapBytes: 64 * 1024,
  maxRedirects: 5,
  maxAddrs: 32,
} as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type HttpResult = ControlResponse['http_request'];

function httpFailure(failure: string): HttpResult {
  // OONI's helper reports -1 for the numbers of a request that got no response.
  return { failure, status_code: -1, title: '', body_length: -1, body_sha256: '', headers: {} };
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

export async function measureControl(req: ControlRequest, opts: ControlMeasureOptions): Promise<ControlResponse> {
  const steps = opts.stepTimeoutMs ?? CONTROL_DEFAULTS.stepTimeoutMs;
  const left = (cap: number): number => Math.min(cap, opts.deadline - performance.now());
  const startedAt = performance.now();
  const stepOpts = (timeoutMs: number): StepOptions => ({ guard: opts.guard, timeoutMs, startedAt, tags: [] });
  const url = new URL(req.url);
  const host = hostOf(url);

  // 1. DNS, from here.
  const dnsTime = left(steps.dns);
  const dns = dnsTime <= 0 ? { failure: FAILURE.timeout, addrs: [] } : await opts.resolver.resolve(host, dnsTime);

  // 2. TCP (and TLS on 443 / the https port) to the union of addresses.
  const ips = [...new Set([...dns.addrs, ...req.addrs])].slice(0, opts.maxAddrs ?? CONTROL_DEFAULTS.maxAddrs);
  const ports = [...new Set([80, 443, portOf(url)])];
  const tlsPorts = new Set([443, ...(url.protocol === 'https:' ? [portOf(url)] : [])]);
  const tcp_connect: ControlResponse['tcp_connect'] = {};
  const tls_handshake: ControlResponse['tls_handshake'] = {};
  const limit = pLimit(16);
  await Promise.all(
    ips.flatMap((ip) =>
      ports.map((port) =>
        limit(async () => {
          const key = endpoint(ip, port);
          const wantTls = tlsPorts.has(port);
          if (!opts.guard.allows(ip)) {
            tcp_connect[key] = { status: false, failure: REFUSED_ADDRESS };
            if (wantTls) tls_handshake[key] = { server_name: host, status: false, failure: REFUSED_ADDRESS };
            return;
          }
          const tcpTime = left(steps.tcp);
          if (tcpTime <= 0) {
            tcp_connect[key] = { status: false, failure: FAILURE.timeout };
            if (wantTls) tls_handshake[key] = { server_name: host, status: false, failure: FAILURE.timeout };
            return;
          }
          const tcp = await tcpConnect(ip, port, stepOpts(tcpTime));
          tcp_connect[key] = { status: tcp.obs.status.success, failure: tcp.obs.status.failure };
          if (!wantTls || tcp.socket === null) {
            tcp.socket?.destroy();
            return;
          }
          const tlsTime = left(steps.tls);
          if (tlsTime <= 0) {
            tcp.socket.destroy();
            tls_handshake[key] = { server_name: host, status: false, failure: FAILURE.timeout };
            return;
          }
          const hs = await tlsHandshake(tcp.socket, host, { ...stepOpts(tlsTime), ...(opts.ca ? { ca: opts.ca } : {}) });
          hs.socket?.destroy();
          // Like OONI's helper, a certificate that would not pass a browser is a failure here.
          const failure: Failure =
            hs.obs.failure ??
            (!hs.obs.trusted
              ? certificateFailure(hs.obs.verify_error ?? 'UNKNOWN')
              : !hs.obs.valid_for_name
                ? FAILURE.sslInvalidHostname
                : null);
          tls_handshake[key] = { server_name: host, status: failure === null, failure };
        }),
      ),
    ),
  );

  // 3. The page, following a few redirects, each target checked against the policy again.
  const http_request = await fetchPage(url, dns, { opts, left, steps, stepOpts });
  return { dns, tcp_connect, tls_handshake, http_request };
}

interface FetchContext {
  opts: ControlMeasureOptions;
  left: (cap: number) => number;
  steps: NonNullable<ControlMeasureOptions['stepTimeoutMs']>;
  stepOpts: (timeoutMs: number) => StepOptions;
}

async function fetchPage(first: URL, firstDns: { failure: Failure; addrs: string[] }, ctx: FetchContext): Promise<HttpResult> {
  const { opts, left, steps, stepOpts } = ctx;
  const maxRedirects = opts.maxRedirects ?? CONTROL_DEFAULTS.maxRedirects;
  let url = first;
  let dns = firstDns;
  for (let hop = 0; ; hop++) {
    if (dns.failure !== null) return httpFailure(dns.failure);
    const allowed = dns.addrs.filter((ip) => opts.guard.allows(ip));
    if (allowed.length === 0) return httpFailure(dns.addrs.length > 0 ? REFUSED_ADDRESS : FAILURE.dnsNoAnswer);
    let result: HttpResult | null = null;
    let location: string | undefined;
    // Try addresses in turn until one answers, as a browser would; at most three.
    for (const ip of allowed.slice(0, 3)) {
      const time = left(steps.http);
      if (time <= 0) {
        result ??= httpFailure(FAILURE.timeout);
        break;
      }
      const r = await httpRequest(
        { ip, port: portOf(url), scheme: url.protocol === 'https:' ? 'https' : 'http', host: hostOf(url), path: `${url.pathname}${url.search}` },
        {
          ...stepOpts(time),
          bodyCapBytes: opts.bodyCapBytes ?? CONTROL_DEFAULTS.bodyCapBytes,
          hashCapBytes: opts.hashCapBytes ?? CONTROL_DEFAULTS.hashCapBytes,
          requireTrusted: true,
          ...(opts.ca ? { ca: opts.ca } : {}),
        },
      );
      if (r.response === null) {
        result = httpFailure(r.failure ?? FAILURE.eof);
        continue;
      }
      result = {
        failure: r.failure,
        status_code: r.response.code,
        title: r.response.title ?? '',
        body_length: r.response.body_length,
        body_sha256: r.response.body_sha256,
        headers: r.response.headers,
        final_url: url.href,
      };
      location = r.response.headers.location;
      break;
    }
    if (result === null) return httpFailure(FAILURE.timeout);
    if (!REDIRECTS.has(result.status_code) || location === undefined || hop >= maxRedirects) return result;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return result;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return result;
    const dnsTime = left(steps.dns);
    if (dnsTime <= 0) return httpFailure(FAILURE.timeout);
    dns = await opts.resolver.resolve(hostOf(next), dnsTime);
    url = next;
  }
}
