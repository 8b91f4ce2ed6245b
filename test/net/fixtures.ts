// Test helpers: loopback servers and throwaway certificates. Nothing here leaves 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NetGuard } from '../../src/net/guard.js';
import type { StepOptions } from '../../src/net/step.js';

export const loopbackGuard = new NetGuard(['127.0.0.0/8', '::1/128']);

export function stepOpts(timeoutMs = 2000): StepOptions {
  return { guard: loopbackGuard, timeoutMs, startedAt: performance.now(), tags: ['direct'] };
}

export interface KeyPair {
  key: string;
  cert: string;
}

/** A self-signed certificate (its own CA) for `names`, made by the openssl CLI. */
export function selfSigned(names: string[]): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'cp-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const san = names.map((n) => (net.isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${names[0] ?? 'test'}/O=censorprobe test`,
      '-addext', `subjectAltName=${san}`,
    ], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Listens on 127.0.0.1 on a free port. */
export async function listen<S extends net.Server>(server: S): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

/** Closes a server and every connection it still holds. */
export async function shut(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Tracks a server's sockets so that tests can close hanging ones. */
export function tracked(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  return sockets;
}

/** A port with nothing listening: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Connections in TIME_WAIT on this machine whose remote port is `port` (the client's side of a
 * connection to a loopback server on that port), read from /proc/net/tcp and tcp6.
 */
export function timeWaitTo(port: number): number {
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[2] is rem_address as HEXIP:HEXPORT, f[3] the state (06 = TIME_WAIT).
      if (f[3] === '06' && parseInt(f[2]?.split(':')[1] ?? '', 16) === port) count++;
    }
  }
  return count;
}
