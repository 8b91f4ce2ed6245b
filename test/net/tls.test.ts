import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpConnect } from '../../src/net/tcp.js';
import { tlsHandshake } from '../../src/net/tls.js';
import { listen, selfSigned, shut, stepOpts, timeWaitTo, tracked, type KeyPair } from './fixtures.js';

describe('tlsHandshake', () => {
  let pair: KeyPair;
  let server: tls.Server;
  let sockets: Set<net.Socket>;
  let port: number;
  /** SNI values the server saw, in order (false: no SNI sent). */
  const seen: Array<string | false> = [];

  beforeAll(async () => {
    pair = selfSigned(['site.test']);
    server = tls.createServer({ key: pair.key, cert: pair.cert }, (s) => {
      seen.push(s.servername ?? false);
      s.end();
    });
    server.on('tlsClientError', () => undefined);
    sockets = tracked(server);
    port = await listen(server);
  });
  afterAll(async () => {
    await shut(server, sockets);
  });

  it('trusts a certificate through opts.ca, valid for the SNI the server saw', async () => {
    const { obs, socket, tcp } = await tlsHandshake({ ip: '127.0.0.1', port }, 'site.test', { ...stepOpts(), ca: pair.cert });
    await closeGracefully(socket);
    expect(tcp?.status.success).toBe(true);
    expect(obs.failure).toBeNull();
    expect(obs.trusted).toBe(true);
    expect(obs.valid_for_name).toBe(true);
    expect(obs.verify_error).toBeNull();
    expect(obs.address).toBe(`127.0.0.1:${port}`);
    expect(obs.tls_version).toMatch(/^TLSv1\.[23]$/);
    expect(obs.negotiated_protocol).toBeNull(); // the server offers no ALPN
    expect(obs.peer_certificate?.names).toEqual(['site.test']);
    expect(obs.peer_certificate?.subject).toContain('CN=site.test');
    expect(obs.peer_certificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // df-006's peer_certificates: the DER the server sent, in base64 (its PEM's body), once (self-signed).
    const der = pair.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    expect(obs.peer_certificates).toEqual([der]);
    expect(new crypto.X509Certificate(Buffer.from(obs.peer_certificates![0]!, 'base64')).fingerprint256).toBe(obs.peer_certificate?.fingerprint256);
    await waitFor(() => seen.length > 0);
    expect(seen.at(-1)).toBe('site.test');
  });

  it('records an untrusted self-signed certificate instead of failing', async () => {
    const before = seen.length;
    const { obs, socket } = await tlsHandshake({ ip: '127.0.0.1', port }, 'site.test', stepOpts());
    await closeGracefully(socket);
    expect(obs.failure).toBeNull();
    expect(obs.trusted).toBe(false);
    expect(obs.verify_error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(obs.valid_for_name).toBe(true);
    expect(obs.peer_certificate?.issuer).toContain('CN=site.test');
    await waitFor(() => seen.length > before);
  });

  it('sends the SNI we choose over a measured socket; a wrong name is not valid_for_name', async () => {
    const before = seen.length;
    const tcp = await tcpConnect('127.0.0.1', port, stepOpts());
    expect(tcp.socket).not.toBeNull();
    const { obs, socket, tcp: own } = await tlsHandshake(tcp.socket!, 'innocuous.example', { ...stepOpts(), ca: pair.cert });
    await closeGracefully(socket);
    expect(own).toBeUndefined();
    expect(obs.failure).toBeNull();
    expect(obs.trusted).toBe(true);
    expect(obs.valid_for_name).toBe(false);
    await waitFor(() => seen.length > before);
    expect(seen.at(-1)).toBe('innocuous.example');
  });

  it('sends no SNI for an IP-literal server name', async () => {
    const before = seen.length;
    const { obs, socket } = await tlsHandshake({ ip: '127.0.0.1', port }, '127.0.0.1', { ...stepOpts(), ca: pair.cert });
    await closeGracefully(socket);
    expect(obs.failure).toBeNull();
    expect(obs.server_name).toBe('127.0.0.1');
    expect(obs.valid_for_name).toBe(false);
    await waitFor(() => seen.length > before);
    expect(seen.at(-1)).toBe(false);
  });
});

describe('tlsHandshake given a socket', () => {
  it('refuses one that is not connected, with a coded error', async () => {
    const socket = new net.Socket();
    await expect(tlsHandshake(socket, 'site.test', stepOpts())).rejects.toMatchObject({ code: 'CP_NET_NOT_CONNECTED' });
    socket.destroy();
  });
});

describe('tlsHandshake against hostile servers', () => {
  async function withRawServer(onClientHello: (s: net.Socket) => void, run: (port: number) => Promise<void>): Promise<void> {
    const server = net.createServer((s) => s.once('data', () => onClientHello(s)));
    const sockets = tracked(server);
    const port = await listen(server);
    try {
      await run(port);
    } finally {
      await shut(server, sockets);
    }
  }

  it('reports connection_reset when the server resets after the ClientHello', async () => {
    await withRawServer((s) => s.resetAndDestroy(), async (port) => {
      const { obs, socket } = await tlsHandshake({ ip: '127.0.0.1', port }, 'blocked.test', stepOpts());
      expect(socket).toBeNull();
      expect(obs.failure).toBe('connection_reset');
      expect(obs.trusted).toBe(false);
      expect(obs.peer_certificate).toBeNull();
    expect(obs.peer_certificates ?? []).toEqual([]);
    });
  });

  it('reports eof_error when the server closes after the ClientHello', async () => {
    await withRawServer((s) => s.end(), async (port) => {
      const { obs } = await tlsHandshake({ ip: '127.0.0.1', port }, 'blocked.test', stepOpts());
      expect(obs.failure).toBe('eof_error');
    });
  });

  it('reports generic_timeout_error within the timeout when the server stays silent', async () => {
    await withRawServer(() => undefined, async (port) => {
      const began = Date.now();
      const { obs } = await tlsHandshake({ ip: '127.0.0.1', port }, 'blocked.test', stepOpts(300));
      expect(obs.failure).toBe('generic_timeout_error');
      expect(Date.now() - began).toBeLessThan(1000);
      // The connection the silent server holds is ended with a reset, not a FIN: no TIME_WAIT here.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(timeWaitTo(port)).toBe(0);
    });
  });

  it('reports ssl_failed_handshake when the server answers garbage', async () => {
    await withRawServer((s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'), async (port) => {
      const { obs } = await tlsHandshake({ ip: '127.0.0.1', port }, 'blocked.test', stepOpts());
      expect(obs.failure).toBe('ssl_failed_handshake');
    });
  });
});

/** Ends a client socket after its last flight is flushed, so the server sees the handshake end. */
async function closeGracefully(socket: net.Socket | null): Promise<void> {
  if (!socket) return;
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });
}

async function waitFor(cond: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
