// A delaying DNS front: listens on a resolver's public address (UDP, TCP and optionally DoH), waits
// a fixed delay, then relays the query to the real resolver (unbound) on loopback. The kernel here
// has no netem, so this is how the lab gives resolvers their measured latency.
import dgram from 'node:dgram';
import net from 'node:net';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';

export interface DnsFrontConfig {
  name: string;
  listen: string;
  port: number;
  upstream: { host: string; port: number };
  delayMs: number;
  doh?: { cert: string; key: string; port: number };
  /** Names (lower case, no trailing dot) answered with a reply that does not decode, and how. */
  malformed?: Record<string, 'malformed_loop' | 'malformed_truncated' | 'malformed_label'>;
}

/** The question's name and where the question ends, or null for a query that does not parse. */
function question(query: Buffer): { name: string; end: number } | null {
  const labels: string[] = [];
  let i = 12;
  while (i < query.length) {
    const len = query[i]!;
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: i + 5 };
    if (len > 63 || i + 1 + len > query.length) return null;
    labels.push(query.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return null;
}

/**
 * A reply to `query` (same ID and question, so the client takes it as its own) whose answer
 * cannot be decoded: a name compressed into a pointer to itself, a record cut short, or an owner
 * name with a 64-byte label (RFC 1035 allows 63).
 */
export function malformedReply(query: Buffer, how: NonNullable<DnsFrontConfig['malformed']>[string]): Buffer | null {
  const q = question(query);
  if (!q || q.end > query.length) return null;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); // QR, RD, RA, NOERROR
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const head = Buffer.concat([header, query.subarray(12, q.end)]);
  const rest = Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 16, 1]); // A IN TTL 60, 4 bytes
  const at = head.length;
  switch (how) {
    case 'malformed_loop':
      return Buffer.concat([head, Buffer.from([0xc0 | (at >> 8), at & 0xff]), rest]);
    case 'malformed_truncated':
      return Buffer.concat([head, Buffer.from([0xc0, 0x0c]), rest.subarray(0, rest.length - 3)]);
    case 'malformed_label':
      return Buffer.concat([head, Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0]), rest]);
  }
}

const UPSTREAM_TIMEOUT_MS = 5000;

/** One query to the upstream over UDP; resolves null when it never answers (e.g. unbound `deny`). */
function ask(upstream: DnsFrontConfig['upstream'], query: Buffer): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (reply: Buffer | null) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), UPSTREAM_TIMEOUT_MS);
    sock.on('message', (msg) => done(msg));
    sock.on('error', () => done(null));
    sock.send(query, upstream.port, upstream.host);
  });
}

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function relay(cfg: DnsFrontConfig, query: Buffer): Promise<Buffer | null> {
  await later(cfg.delayMs);
  const how = cfg.malformed ? cfg.malformed[question(query)?.name ?? ''] : undefined;
  if (how) return malformedReply(query, how);
  return ask(cfg.upstream, query);
}

function startUdp(cfg: DnsFrontConfig): Promise<void> {
  const server = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    void relay(cfg, msg).then((reply) => {
      if (reply) server.send(reply, rinfo.port, rinfo.address);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.bind(cfg.port, cfg.listen, () => resolve());
  });
}

function startTcp(cfg: DnsFrontConfig): Promise<void> {
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const query = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void relay(cfg, Buffer.from(query)).then((reply) => {
          if (!reply || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([head, reply]));
        });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.listen, () => resolve());
  });
}

/** RFC 8484 over HTTP/2 and HTTP/1.1: GET ?dns=base64url and POST application/dns-message. */
function startDoh(cfg: DnsFrontConfig, doh: NonNullable<DnsFrontConfig['doh']>): Promise<void> {
  const server = http2.createSecureServer(
    { cert: readFileSync(doh.cert), key: readFileSync(doh.key), allowHTTP1: true },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://doh');
      const answer = (query: Buffer) => {
        void relay(cfg, query).then((reply) => {
          if (!reply) {
            res.writeHead(504, { 'content-type': 'text/plain' }).end('upstream timeout\n');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/dns-message', 'cache-control': 'max-age=0', 'content-length': reply.length });
          res.end(reply);
        });
      };
      if (url.pathname !== '/dns-query') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      } else if (req.method === 'GET') {
        const dns = url.searchParams.get('dns');
        if (!dns) res.writeHead(400, { 'content-type': 'text/plain' }).end('missing dns parameter\n');
        else answer(Buffer.from(dns, 'base64url'));
      } else if (req.method === 'POST') {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => answer(Buffer.concat(parts)));
      } else {
        res.writeHead(405, { allow: 'GET, POST' }).end();
      }
    },
  );
  server.on('sessionError', () => undefined);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(doh.port, cfg.listen, () => resolve());
  });
}

export async function startDnsFront(cfg: DnsFrontConfig): Promise<void> {
  await Promise.all([startUdp(cfg), startTcp(cfg), ...(cfg.doh ? [startDoh(cfg, cfg.doh)] : [])]);
}
