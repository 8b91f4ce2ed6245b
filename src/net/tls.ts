// TLS handshake step (OONI df-006-tlshandshake). The SNI is always chosen by the caller: the swap
// test sends a real name to a neutral IP and an innocuous name to the real IP. The handshake is
// completed whatever the certificate, and the certificate judged afterwards.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { TcpConnect, TlsHandshake } from '../observations.js';
import { classifyError } from './failure.js';
import { NotConnectedError, PeerClosedError, StepTimeoutError } from './errors.js';
import { trustStore, validForName, type CaOption } from './certificate.js';
import { PeerCertificateCache } from './peer-certificates.js';
import { endpoint } from '../address.js';
import { secondsSince, type StepOptions } from './step.js';
import { resetClose, tcpConnect } from './tcp.js';

export interface TlsOptions extends StepOptions {
  /** Extra trusted CAs, added to Node's store (a lab's own CA). */
  ca?: CaOption;
  /** ALPN offer; HTTP/1.1 only by default because the socket may be handed to an HTTP/1.1 client. */
  alpn?: string[];
}

export interface TlsResult {
  obs: TlsHandshake;
  /** The secured socket on success (caller closes it), else null. */
  socket: tls.TLSSocket | null;
  /** The TCP step, when this call opened the connection itself. */
  tcp?: TcpConnect;
}

type Target = net.Socket | { ip: string; port: number };

// The TCP socket under each TLS socket this file made, so that closeMeasured can reset it.
const underTls = new WeakMap<tls.TLSSocket, net.Socket>();

/**
 * Closes a measured socket (TCP, or TLS over the TCP socket tlsHandshake was given) with a reset
 * once its step is recorded (resetClose in tcp.ts says why); `closed` runs once it is closed.
 */
export function closeMeasured(socket: net.Socket, closed: () => void = () => undefined): void {
  const raw = socket instanceof tls.TLSSocket ? underTls.get(socket) : undefined;
  if (raw) resetUnderTls(socket as tls.TLSSocket, raw, closed);
  else {
    resetClose(socket);
    closed();
  }
}

/**
 * Resets the TCP socket under a TLS one. The TLS socket closes by itself once the TCP socket has;
 * destroying it in the same tick as the reset crashed Node 20, 22 and 24 (a segmentation fault in
 * the TLS wrap, whose stream was just freed), so it is destroyed only after the close, if at all.
 */
function resetUnderTls(secured: tls.TLSSocket, raw: net.Socket, closed: () => void): void {
  if (raw.destroyed || raw.connecting) {
    secured.destroy();
    raw.destroy();
    closed();
    return;
  }
  raw.once('close', () => {
    secured.destroy();
    closed();
  });
  resetClose(raw);
}

let sharedContext: tls.SecureContext | null = null;
/** Node's default trust store (its roots plus NODE_EXTRA_CA_CERTS), built once. */
function defaultContext(): tls.SecureContext {
  return (sharedContext ??= tls.createSecureContext({}));
}

// Contexts with extra CAs, one per distinct CA set: a process uses one or two (the control helper
// runs every handshake with its --ca), and building the ~150 roots into a context per handshake
// was the bulk of the helper's CPU.
const caContexts = new Map<string, tls.SecureContext>();
function caContext(ca: CaOption): tls.SecureContext {
  const key = (typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : [...ca]).map(String).join('\n');
  let context = caContexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: trustStore(ca) });
    if (caContexts.size >= 16) caContexts.clear();
    caContexts.set(key, context);
  }
  return context;
}

/** Certificates already read in full in this process (see peer-certificates.ts). */
export const peerCertificates = new PeerCertificateCache();

function contextFor(opts: TlsOptions): tls.SecureContext {
  return opts.ca === undefined ? defaultContext() : caContext(opts.ca);
}

export async function tlsHandshake(target: Target, serverName: string, opts: TlsOptions): Promise<TlsResult> {
  const began = performance.now();
  const t0 = secondsSince(opts.startedAt);
  let socket: net.Socket;
  let tcp: TcpConnect | undefined;
  let address: string;
  if (target instanceof net.Socket) {
    const ip = target.remoteAddress;
    const port = target.remotePort;
    if (ip === undefined || port === undefined) throw new NotConnectedError('tlsHandshake needs a connected socket');
    // Connected elsewhere, but the handshake sends packets too: ask the guard all the same.
    opts.guard.check(ip, `tls handshake ${port}`);
    socket = target;
    address = endpoint(ip, port);
  } else {
    address = endpoint(target.ip, target.port);
    const connected = await tcpConnect(target.ip, target.port, opts);
    tcp = connected.obs;
    if (connected.socket === null) {
      return { obs: failed(address, serverName, t0, opts, connected.obs.status.failure), socket: null, tcp };
    }
    socket = connected.socket;
  }
  const remaining = Math.max(0, opts.timeoutMs - (performance.now() - began));
  const context = contextFor(opts);
  const outcome = await handshake(socket, serverName, remaining, opts, context);
  if (outcome.socket === null) {
    // handshake() reset the connection already; this only makes sure it is gone.
    if (!socket.destroyed) resetClose(socket);
    return { obs: failed(address, serverName, t0, opts, classifyError(outcome.error)), socket: null, ...(tcp ? { tcp } : {}) };
  }
  const secured = outcome.socket;
  underTls.set(secured, socket);
  const cert = peerCertificates.read(secured, context, outcome.leaf);
  const authError = secured.authorizationError as unknown as Error | string | null | undefined;
  const verifyError = secured.authorized ? null : authError ? String(authError) : 'UNKNOWN';
  const obs: TlsHandshake = {
    address,
    server_name: serverName,
    t0,
    t: secondsSince(opts.startedAt),
    failure: null,
    tls_version: secured.getProtocol() ?? null,
    negotiated_protocol: secured.alpnProtocol || null,
    trusted: secured.authorized,
    valid_for_name: cert.leaf !== null && validForName(serverName, cert.leaf),
    verify_error: verifyError,
    peer_certificate: cert.summary,
    peer_certificates: cert.chain,
    tags: [...opts.tags],
  };
  return { obs, socket: secured, ...(tcp ? { tcp } : {}) };
}

function failed(address: string, serverName: string, t0: number, opts: StepOptions, failure: string | null): TlsHandshake {
  return {
    address,
    server_name: serverName,
    t0,
    t: secondsSince(opts.startedAt),
    failure,
    tls_version: null,
    negotiated_protocol: null,
    trusted: false,
    valid_for_name: false,
    verify_error: null,
    peer_certificate: null,
    tags: [...opts.tags],
  };
}

function handshake(
  socket: net.Socket,
  serverName: string,
  timeoutMs: number,
  opts: TlsOptions,
  secureContext: tls.SecureContext,
): Promise<{ socket: tls.TLSSocket; error: null; leaf: tls.PeerCertificate | undefined } | { socket: null; error: unknown }> {
  return new Promise((resolve) => {
    // The leaf Node's identity check was handed (trusted chains only), kept rather than read again.
    let leaf: tls.PeerCertificate | undefined;
    const secured = tls.connect({
      socket,
      // An IP literal means no SNI at all (RFC 6066 forbids IPs there); an empty name sends none.
      servername: net.isIP(serverName) === 0 ? serverName : '',
      rejectUnauthorized: false,
      // Node's default would fold a name mismatch into `authorized`; we judge the name separately.
      checkServerIdentity: (_name, cert) => {
        leaf = cert;
        return undefined;
      },
      // One context per trust store, built once (building one per handshake cost ~3 % of a
      // whole-list run's CPU); no session is passed, so none is resumed.
      secureContext,
      ALPNProtocols: opts.alpn ?? ['http/1.1'],
    });
    // When the chain is trusted, Node reads all of it (getPeerCertificate(true), ~0.45 ms with a
    // 100-name certificate) only to hand it to checkServerIdentity, which judges nothing here. During
    // the handshake this socket answers that with the leaf (~0.1 ms); peer-certificates.ts reads a
    // chain once per leaf. Trust itself is OpenSSL's verification, untouched.
    const own = secured as { getPeerCertificate: unknown };
    own.getPeerCertificate = () => tls.TLSSocket.prototype.getPeerCertificate.call(secured, false);
    let done = false;
    const timer = setTimeout(() => {
      finish(new StepTimeoutError(`tls handshake with ${serverName} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    function finish(error: unknown): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      delete own.getPeerCertificate;
      secured.off('secureConnect', onSecure);
      secured.off('error', finish);
      secured.off('close', onClose);
      secured.on('error', () => undefined);
      if (error === null) {
        resolve({ socket: secured, error: null, leaf });
      } else {
        // The failure is recorded: a reset, not a FIN (a handshake that timed out would leave a
        // TIME_WAIT); the TLS socket goes once the TCP one has closed (resetUnderTls).
        resetUnderTls(secured, socket, () => undefined);
        resolve({ socket: null, error });
      }
    }
    function onSecure(): void {
      finish(null);
    }
    function onClose(): void {
      finish(new PeerClosedError('connection closed during the TLS handshake'));
    }
    secured.once('secureConnect', onSecure);
    secured.once('error', finish);
    secured.once('close', onClose);
  });
}
