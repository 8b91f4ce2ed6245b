import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerCertificates, tlsHandshake } from '../../src/net/tls.js';
import { PeerCertificateCache } from '../../src/net/peer-certificates.js';
import { listen, selfSigned, shut, stepOpts, tracked, type KeyPair } from './fixtures.js';

const derOf = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');

describe('peer certificates read once per leaf', () => {
  // One certificate for two names on one server (a CDN's), another certificate for one of them on another.
  let shared: KeyPair;
  let other: KeyPair;
  const servers: { server: tls.Server; sockets: Set<net.Socket>; port: number }[] = [];

  beforeAll(async () => {
    shared = selfSigned(['a.test', 'b.test']);
    other = selfSigned(['a.test']);
    for (const pair of [shared, other]) {
      const server = tls.createServer({ key: pair.key, cert: pair.cert }, (s) => s.end());
      server.on('tlsClientError', () => undefined);
      const sockets = tracked(server);
      servers.push({ server, sockets, port: await listen(server) });
    }
  });
  afterAll(async () => {
    for (const s of servers) await shut(s.server, s.sockets);
  });

  const shake = async (server: number, name: string, ca?: string) => {
    const { obs, socket } = await tlsHandshake({ ip: '127.0.0.1', port: servers[server]!.port }, name, { ...stepOpts(), ...(ca ? { ca } : {}) });
    socket?.destroy();
    expect(obs.failure).toBeNull();
    return obs;
  };

  it('reads a new untrusted leaf in full once, then only the leaf, judging each name on its own', async () => {
    const before = peerCertificates.fullReads;
    const first = await shake(0, 'a.test');
    expect(peerCertificates.fullReads).toBe(before + 1);
    expect(first.trusted).toBe(false);
    expect(first.peer_certificates).toEqual([derOf(shared.cert)]);

    // A hit: same certificate under another name, nothing read in full, the name judged for this handshake.
    const second = await shake(0, 'b.test');
    const third = await shake(0, 'c.test');
    expect(peerCertificates.fullReads).toBe(before + 1);
    expect(second.valid_for_name).toBe(true);
    expect(third.valid_for_name).toBe(false);
    for (const hit of [second, third]) {
      expect(hit.peer_certificate).toEqual(first.peer_certificate);
      expect(hit.peer_certificates).toEqual(first.peer_certificates);
    }
  });

  it('reads a different certificate for the same name as its own (a miss)', async () => {
    const mine = await shake(0, 'a.test');
    const before = peerCertificates.fullReads;
    const theirs = await shake(1, 'a.test');
    expect(peerCertificates.fullReads).toBe(before + 1);
    expect(theirs.peer_certificate?.fingerprint256).not.toBe(mine.peer_certificate?.fingerprint256);
    expect(theirs.peer_certificates).toEqual([derOf(other.cert)]);
    expect(theirs.peer_certificate?.names).toEqual(['a.test']);
    expect(mine.peer_certificate?.names).toEqual(['a.test', 'b.test']);
  });

  it('reads a trusted chain once per leaf too (Node\'s identity check gets the leaf), trust still judged', async () => {
    const before = peerCertificates.fullReads;
    const calls: boolean[] = [];
    const real = tls.TLSSocket.prototype.getPeerCertificate;
    tls.TLSSocket.prototype.getPeerCertificate = function (this: tls.TLSSocket, detailed?: boolean) {
      calls.push(Boolean(detailed));
      return real.call(this, detailed as true);
    } as typeof real;
    let obs, again;
    try {
      obs = await shake(1, 'a.test', other.cert);
      again = await shake(1, 'a.test', other.cert);
    } finally {
      tls.TLSSocket.prototype.getPeerCertificate = real;
    }
    // Another trust store (this CA added): its own cache, so one full read, then none.
    expect(peerCertificates.fullReads).toBe(before + 1);
    expect(calls.filter(Boolean)).toHaveLength(1);
    // And the leaf once per handshake: the one Node's identity check was handed is reused.
    expect(calls.filter((d) => !d)).toHaveLength(2);
    expect(obs.trusted).toBe(true);
    expect(obs.valid_for_name).toBe(true);
    expect(again.peer_certificates).toEqual([derOf(other.cert)]);
    expect(again.peer_certificate?.fingerprint256).toBe(obs.peer_certificate?.fingerprint256);
  });

  it('hands out copies: a caller changing an observation does not change the next one', async () => {
    const cache = new PeerCertificateCache();
    const store = {};
    const socket = await new Promise<tls.TLSSocket>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: servers[0]!.port, servername: 'a.test', rejectUnauthorized: false }, () => resolve(s));
    });
    try {
      const a = cache.read(socket, store);
      a.summary!.names.push('evil.test');
      a.chain.push('junk');
      const b = cache.read(socket, store);
      expect(cache.fullReads).toBe(1);
      expect(b.summary!.names).toEqual(['a.test', 'b.test']);
      expect(b.chain).toEqual([derOf(shared.cert)]);
      // Another trust store is another cache: the chain's root may come from the store.
      cache.read(socket, {});
      expect(cache.fullReads).toBe(2);
    } finally {
      socket.destroy();
    }
  });
});
