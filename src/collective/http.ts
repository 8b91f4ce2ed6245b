// Small HTTP helpers of the collective server: JSON answers, bodies read with a cap, the bearer token.
import type http from 'node:http';
import { UploadRefusedError } from './errors.js';

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function bearer(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7).trim() : null;
}

/** The body, at most `max` bytes (413 past it: the declared length is checked before reading). */
export function readCapped(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    return Promise.reject(new UploadRefusedError(413, 'too_large', `the request body is ${declared} bytes, over this server's limit of ${max}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        reject(new UploadRefusedError(413, 'too_large', `the request body is over this server's limit of ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export function jsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new UploadRefusedError(400, 'malformed_json', `the body is not valid JSON (${(err as Error).message})`);
  }
}
