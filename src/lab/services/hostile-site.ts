// Sites broken everywhere, on ports 80 and 443: garbage instead of HTTP, an endless redirect, a
// stall, a huge header, a broken chunked body, or a certificate a browser refuses (expired,
// self-signed, another name). Raw sockets, so that each answer is exactly the broken one.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';

export type HostileKind =
  | 'garbage' | 'redirect_loop' | 'stall' | 'huge_header' | 'broken_chunked' | 'cert_expired' | 'cert_self_signed' | 'cert_wrong_name';

export interface HostileSiteConfig {
  ip: string;
  host: string;
  kind: HostileKind;
  cert: string;
  key: string;
  html: string;
}

const MAX_HEAD = 16 * 1024;
const HUGE_HEADER_BYTES = 256 * 1024;

function answer(cfg: HostileSiteConfig, path: string): Buffer | null {
  const head = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  switch (cfg.kind) {
    case 'stall':
      return null;
    case 'redirect_loop':
      return head(['HTTP/1.1 302 Found', `Location: ${path === '/loop' ? '/' : '/loop'}`, 'Content-Length: 0', 'Connection: close']);
    case 'huge_header':
      return Buffer.concat([head(['HTTP/1.1 200 OK', `X-Padding: ${'a'.repeat(HUGE_HEADER_BYTES)}`, 'Content-Length: 2', 'Connection: close']), Buffer.from('ok')]);
    case 'broken_chunked':
      // A chunk size line that is not hex after the first chunk, then the connection closes.
      return Buffer.concat([head(['HTTP/1.1 200 OK', 'Content-Type: text/html', 'Transfer-Encoding: chunked', 'Connection: close']), Buffer.from('10\r\n<html><title>x</t\r\nZZ\r\nnot a chunk\r\n', 'latin1')]);
    default: {
      // The certificate cases serve an ordinary page: only the certificate is wrong.
      const body = Buffer.from(cfg.html, 'utf8');
      return Buffer.concat([head(['HTTP/1.1 200 OK', 'Content-Type: text/html; charset=utf-8', `Content-Length: ${body.length}`, 'Connection: close']), body]);
    }
  }
}

function serve(cfg: HostileSiteConfig, sock: net.Socket): void {
  sock.on('error', () => sock.destroy());
  if (cfg.kind === 'garbage') {
    // Something that is not HTTP: a banner and binary noise.
    sock.end(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n'), Buffer.from([0, 1, 2, 255, 254, 7, 0, 0])]));
    return;
  }
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 && buf.length < MAX_HEAD) return;
    sock.off('data', onData);
    const path = /^[A-Z]+ (\S+) /.exec(buf.toString('latin1'))?.[1] ?? '/';
    const out = answer(cfg, path);
    if (out) sock.end(out);
    // A stall keeps the connection open and silent until the client gives up.
  };
  sock.on('data', onData);
}

function listen(server: net.Server, port: number, ip: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
}

export async function startHostileSite(cfg: HostileSiteConfig): Promise<void> {
  const plain = net.createServer((sock) => serve(cfg, sock));
  // On 443 the breakage comes inside TLS (a valid certificate unless the kind says otherwise).
  const secure = tls.createServer({ cert: readFileSync(cfg.cert), key: readFileSync(cfg.key) }, (sock) => serve(cfg, sock));
  secure.on('tlsClientError', () => undefined);
  await Promise.all([listen(plain, 80, cfg.ip), listen(secure, 443, cfg.ip)]);
}
