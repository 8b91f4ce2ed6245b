// The ISP's transparent HTTP proxy (Vodafone's Bluecoat in 2014): iptables REDIRECTs port-80
// traffic for some destination IPs here, one local port per IP (Node cannot read SO_ORIGINAL_DST).
// Listed Hosts get a blockpage or a redirect; listed exact URLs get a redirect; all else is relayed.
import net from 'node:net';
import { readFileSync } from 'node:fs';

export interface ProxyConfig {
  listen: string;
  ports: { port: number; target: string }[];
  /** `page`: the proxy's own page (status and HTML), one no fingerprint knows. */
  hosts: Record<string, { kind: 'blockpage' | 'redirect' | 'page'; location?: string; status?: number; body?: string }>;
  paths: { host: string; path: string; location?: string; status?: number; body?: string }[];
  blockpageFile: string;
}

const MAX_HEAD = 16 * 1024;

function parseHead(head: string): { target: string; host: string } | null {
  const lines = head.split('\r\n');
  const m = /^[A-Z]+ (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!m || !m[1]) return null;
  const hostLine = lines.find((l) => /^host:/i.test(l));
  const host = (hostLine?.slice(5).trim() ?? '').toLowerCase().replace(/:80$/, '').replace(/\.$/, '');
  let target = m[1];
  if (/^https?:\/\//i.test(target)) target = new URL(target).pathname + new URL(target).search;
  return { target, host };
}

const REASON: Record<number, string> = { 200: 'OK', 403: 'Forbidden' };

function response(status: string, headers: Record<string, string>, body: Buffer, server = 'WebProxy/6.0'): Buffer {
  const all = { Server: server, 'Content-Length': String(body.length), Connection: 'close', ...headers };
  const head = [`HTTP/1.1 ${status}`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function handle(cfg: ProxyConfig, blockpage: Buffer, target: string, client: net.Socket): void {
  let buf = Buffer.alloc(0);
  client.on('error', () => client.destroy());
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 && buf.length < MAX_HEAD) return;
    client.off('data', onData);
    client.pause();
    const req = end < 0 ? null : parseHead(buf.subarray(0, end).toString('latin1'));
    const rule = req ? cfg.hosts[req.host] : undefined;
    const pathRule = req ? cfg.paths.find((p) => p.host === req.host && p.path === req.target) : undefined;
    if (rule?.kind === 'blockpage') {
      client.end(response('200 OK', { 'Content-Type': 'text/html; charset=utf-8' }, blockpage));
      return;
    }
    // An unknown middlebox's own page: no Via, no known Server, nothing a fingerprint knows.
    const page = rule?.kind === 'page' ? rule : pathRule?.body !== undefined ? pathRule : undefined;
    if (page?.body !== undefined) {
      const code = page.status ?? 200;
      client.end(response(`${code} ${REASON[code] ?? 'OK'}`, { 'Content-Type': 'text/html; charset=utf-8' }, Buffer.from(page.body, 'utf8'), 'Apache'));
      return;
    }
    const location = rule?.kind === 'redirect' ? rule.location : pathRule?.location;
    if (location) {
      client.end(response('301 Moved Permanently', { Location: location, 'Content-Type': 'text/html' }, Buffer.alloc(0)));
      return;
    }
    // Everything else goes to the real server untouched, as a transparent proxy must.
    const upstream = net.connect(80, target);
    upstream.on('connect', () => {
      upstream.write(buf);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      upstream.destroy();
      client.resetAndDestroy();
    });
    client.on('close', () => upstream.destroy());
  };
  client.on('data', onData);
}

export async function startProxy(cfg: ProxyConfig): Promise<void> {
  const blockpage = readFileSync(cfg.blockpageFile);
  await Promise.all(
    cfg.ports.map(
      ({ port, target }) =>
        new Promise<void>((resolve, reject) => {
          const server = net.createServer((sock) => handle(cfg, blockpage, target, sock));
          server.once('error', reject);
          server.listen(port, cfg.listen, () => resolve());
        }),
    ),
  );
}
