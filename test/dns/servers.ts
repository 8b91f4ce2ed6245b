// Loopback DNS servers for the tests: each returns `{ address/url, close }` and is closed by the test.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { NetGuard } from '../../src/net/guard.js';
import type { DnsOptions } from '../../src/dns/options.js';

export const loopbackGuard = new NetGuard(['127.0.0.0/8', '::1/128']);

export function options(extra: Partial<DnsOptions> = {}): DnsOptions {
  return { guard: loopbackGuard, timeoutMs: 2000, startedAt: performance.now(), tags: ['isp'], lateWindowMs: 150, ...extra };
}

export interface ReplySpec {
  id?: number;
  rcode?: string;
  flags?: number;
  question?: { name: string; type: string };
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
}

/** A reply to `query` as a resolver would send it, every part overridable. */
export function reply(query: DecodedPacket, spec: ReplySpec = {}): Buffer {
  const q = query.questions?.[0];
  const flags = (spec.flags ?? dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE) | rcodeBits(spec.rcode ?? 'NOERROR');
  return dnsPacket.encode({
    type: 'response',
    id: spec.id ?? query.id ?? 0,
    flags,
    questions: spec.question ? [{ name: spec.question.name, type: spec.question.type as 'A', class: 'IN' }] : q ? [q] : [],
    answers: spec.answers ?? [],
    authorities: spec.authorities ?? [],
    additionals: spec.additionals ?? [],
  });
}

function rcodeBits(rcode: string): number {
  return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'].indexOf(rcode);
}

export const a = (name: string, ip: string, ttl = 60): Answer => ({ type: 'A', name, ttl, data: ip });

export interface UdpServer {
  address: { ip: string; port: number };
  /** Queries received, decoded. */
  queries: DecodedPacket[];
  close(): Promise<void>;
}

/** `answer` gets each query and a `send` that replies from this server's socket after `delayMs`. */
export async function startUdpServer(
  answer: (query: DecodedPacket, send: (buf: Buffer, delayMs?: number) => void, raw: Buffer) => void,
  onPeer?: (peer: { address: string; port: number }) => void,
  port = 0,
): Promise<UdpServer> {
  const socket = dgram.createSocket('udp4');
  const queries: DecodedPacket[] = [];
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    queries.push(query);
    onPeer?.({ address: rinfo.address, port: rinfo.port });
    answer(
      query,
      (buf, delayMs = 0) => {
        const t = setTimeout(() => {
          timers.delete(t);
          socket.send(buf, rinfo.port, rinfo.address);
        }, delayMs);
        timers.add(t);
      },
      msg,
    );
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    address: { ip: '127.0.0.1', port: socket.address().port },
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        socket.close(() => resolve());
      }),
  };
}

export interface TcpServer {
  address: { ip: string; port: number };
  close(): Promise<void>;
}

/** `answer` gets each framed query and the socket; it writes raw bytes (framing is up to it). */
export async function startTcpServer(answer: (query: DecodedPacket, socket: net.Socket) => void): Promise<TcpServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        answer(dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0))), socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: { ip: '127.0.0.1', port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** A self-signed certificate for 127.0.0.1 made with `openssl req`, so that `ca` is the cert itself. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cp-dns-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=censorprobe test DoH', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:doh.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DohServer {
  url: string;
  port: number;
  /** Requests seen: method, path, content-type. */
  requests: { method: string; path: string; contentType: string | undefined; servername: string | null }[];
  /** TLS connections accepted: shows connection reuse. */
  connections(): number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 whose handler turns a request body into a status and a body. */
export async function startDohServer(
  tls: { key: string; cert: string },
  handle: (body: Buffer) => { status: number; body: Buffer | string } | null,
): Promise<DohServer> {
  const requests: DohServer['requests'] = [];
  let connections = 0;
  const server = https.createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const servername = (req.socket as unknown as { servername?: string | false }).servername || null;
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], servername });
      const out = handle(Buffer.concat(chunks));
      if (out === null) return; // never answers
      res.writeHead(out.status, { 'content-type': 'application/dns-message' });
      res.end(out.body);
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    connections: () => connections,
    url: `https://127.0.0.1:${port}/dns-query`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
