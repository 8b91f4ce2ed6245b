// TCP connect step (OONI df-005-tcpconnect). The socket is handed to the caller so that TLS and
// HTTP run over the very connection that was measured.
import net from 'node:net';
import type { TcpConnect } from '../observations.js';
import { classifyError } from './failure.js';
import { NotAnAddressError, StepTimeoutError } from './errors.js';
import { secondsSince, type StepOptions } from './step.js';

export interface TcpResult {
  obs: TcpConnect;
  /** Connected socket on success (the caller owns it and must close it), else null. */
  socket: net.Socket | null;
}

export async function tcpConnect(ip: string, port: number, opts: StepOptions): Promise<TcpResult> {
  if (net.isIP(ip) === 0) throw new NotAnAddressError(`tcpConnect wants an IP literal, got "${ip}"`);
  opts.guard.check(ip, `tcp connect ${port}`);
  const t0 = secondsSince(opts.startedAt);
  const outcome = await new Promise<{ socket: net.Socket | null; error: unknown }>((resolve) => {
    const socket = net.connect({ host: ip, port });
    const timer = setTimeout(() => {
      socket.destroy();
      finish(null, new StepTimeoutError(`tcp connect to ${ip}:${port} timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    let done = false;
    function finish(s: net.Socket | null, error: unknown): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      // Later errors on a handed-over socket are the next step's business; never crash on them.
      socket.on('error', () => undefined);
      resolve({ socket: s, error });
    }
    function onConnect(): void {
      finish(socket, null);
    }
    function onError(err: Error): void {
      socket.destroy();
      finish(null, err);
    }
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
  const failure = outcome.error === null ? null : classifyError(outcome.error);
  return {
    obs: {
      ip,
      port,
      t0,
      t: secondsSince(opts.startedAt),
      status: { success: failure === null, failure },
      tags: [...opts.tags],
    },
    socket: outcome.socket,
  };
}

/**
 * Closes a connection whose measurement is recorded with a TCP reset (SO_LINGER 0) instead of a
 * FIN. The side that sends the first FIN keeps the connection in TIME_WAIT for 60 s: at hundreds of
 * entries a second that was thousands of sockets in the volunteer's kernel at the end of a run. A
 * reset leaves none on either side. Only ever called after the last byte the step records was
 * read: the server has answered by then, so nothing measured depends on how the connection ends.
 * A socket still connecting (nothing to reset: resetAndDestroy would wait for the connection) or
 * without a TCP handle (a test's stream) is simply destroyed.
 */
export function resetClose(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
