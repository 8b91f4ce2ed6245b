// `censorprobe collective serve`: one port for the control helper (members' tokens), the upload
// API and the public read-only view. The server keeps no client address anywhere: not in the
// database (no column holds one), not in logs (errors are logged without the request's origin).
// Behind a reverse proxy (--trust-proxy) the address comes from X-Forwarded-For, in memory only.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createControlHandler, sendHandlerError, type ControlServerOptions } from '../control/server.js';
import { HEALTH_PATH } from '../control/protocol.js';
import type { Db } from './db.js';
import { UploadRefusedError } from './errors.js';
import { bearer, jsonBody, readCapped, sendJson } from './http.js';
import type { RunRecorder } from './recorder.js';
import { memberOf } from './tokens.js';
import { openSpool } from './spool.js';
import { uploadService, UPLOAD_DEFAULTS, type UploadLimits } from './uploads.js';
import type { PublicView } from './view/routes.js';

export { UPLOADS_PATH, MEMBER_PATH } from './paths.js';
import { MEMBER_PATH, UPLOADS_PATH } from './paths.js';

export interface CollectiveServerOptions {
  host: string;
  port: number;
  db: Db;
  recorder: RunRecorder;
  view: PublicView;
  /** List file names the collective knows; runs naming others are stored but marked. */
  knownLists: ReadonlySet<string>;
  control: Omit<ControlServerOptions, 'host' | 'port' | 'token'>;
  limits?: Partial<UploadLimits>;
  tls?: { cert: string; key: string };
  /** Take the client's address from the last X-Forwarded-For hop (only behind your own proxy). */
  trustProxy?: boolean;
  /** Where uploads being finished are laid out (default: a folder under the system's temp dir). */
  spoolDir?: string;
  log?: (m: string) => void;
}

export interface CollectiveServer {
  url: string;
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startCollectiveServer(o: CollectiveServerOptions): Promise<CollectiveServer> {
  const log = o.log ?? ((m: string) => console.error(m));
  const limits: UploadLimits = { ...UPLOAD_DEFAULTS, ...o.limits };
  const spool = await openSpool(o.spoolDir);
  const uploads = uploadService(o.db, o.recorder, o.knownLists, spool, limits);
  const clientAddress = (req: http.IncomingMessage): string => {
    const socket = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    if (!o.trustProxy) return socket;
    const hops = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return hops[hops.length - 1] ?? socket;
  };
  // Every control request looks its token up (one indexed read, well under a millisecond): a revoked
  // token is refused from the next request on, and each member gets its own rate bucket.
  const control = createControlHandler({ ...o.control, authorize: async (token) => (await memberOf(o.db, token))?.name ?? null, clientAddress });

  async function uploadRoute(req: http.IncomingMessage, res: http.ServerResponse, path: string, url: URL): Promise<void> {
    // Members only; a live token is checked on every upload request (a revoked one stops at once).
    const member = await memberOf(o.db, bearer(req));
    if (!member) {
      sendJson(res, 401, { error: 'missing, unknown or revoked token', reason: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    const rest = path.slice(UPLOADS_PATH.length);
    if (rest === '' || rest === '/') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST', reason: 'method' }, { allow: 'POST' });
      const created = await uploads.create(member, jsonBody(await readCapped(req, 16 * 1024)));
      return sendJson(res, created.status, created.body);
    }
    const m = /^\/([A-Za-z0-9_-]+)(\/finish)?$/.exec(rest);
    if (!m) return sendJson(res, 404, { error: 'no such endpoint', reason: 'not_found' });
    const id = m[1]!;
    if (m[2]) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST', reason: 'method' }, { allow: 'POST' });
      return sendJson(res, 200, await uploads.finish(member, id, clientAddress(req)));
    }
    if (req.method === 'GET') return sendJson(res, 200, await uploads.status(member, id));
    if (req.method !== 'PUT') return sendJson(res, 405, { error: 'use GET or PUT', reason: 'method' }, { allow: 'GET, PUT' });
    const offset = Number(req.headers['upload-offset'] ?? url.searchParams.get('offset'));
    if (!Number.isSafeInteger(offset) || offset < 0) return sendJson(res, 400, { error: 'the Upload-Offset header must give the chunk\'s offset', reason: 'schema' });
    const data = await readCapped(req, limits.maxChunkBytes);
    return sendJson(res, 200, await uploads.chunk(member, id, offset, data, clientAddress(req)));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://collective.invalid');
    const path = url.pathname;
    if (await control.handle(req, res)) return;
    if (path === UPLOADS_PATH || path.startsWith(`${UPLOADS_PATH}/`)) return uploadRoute(req, res, path, url);
    if (path === MEMBER_PATH) {
      // `censorprobe join` checks its token here before saving it.
      const member = await memberOf(o.db, bearer(req));
      if (!member) return sendJson(res, 401, { error: 'missing, unknown or revoked token', reason: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
      return sendJson(res, 200, { name: member.name, uploads: UPLOADS_PATH, control: '/api/v1/control' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'the public view is read-only', reason: 'method' }, { allow: 'GET' });
    if (await o.view.handle(req, res, url)) return;
    sendJson(res, 404, { error: 'no such page', reason: 'not_found' });
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof UploadRefusedError) {
        if (res.headersSent) return void res.destroy();
        if (err.status === 413) res.once('finish', () => req.socket.destroy());
        sendJson(res, err.status, { error: err.message, reason: err.reason }, err.status === 413 ? { connection: 'close' } : {});
        return;
      }
      // Logged without the request's origin: the server never writes a client address.
      sendHandlerError(req, res, err, (m) => log(`collective: ${req.method ?? ''} ${(req.url ?? '').split('?')[0]}: ${m.replace(/^control: /, '')}`));
    });
  };
  const server = o.tls ? https.createServer({ cert: readFileSync(o.tls.cert), key: readFileSync(o.tls.key) }, onRequest) : http.createServer(onRequest);
  server.headersTimeout = 10_000;
  // A chunk of 1 MiB on a slow uplink: two minutes; finishing a run answers long after the request is read.
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${o.tls ? 'https' : 'http'}://${hostPart}:${address.port}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => spool.close().then(resolve, resolve));
        server.closeAllConnections();
      }),
  };
}

export { HEALTH_PATH };
