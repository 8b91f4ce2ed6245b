import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardError } from '../../src/errors.js';
import { NetGuard } from '../../src/net/guard.js';
import { tcpConnect } from '../../src/net/tcp.js';
import { closedPort, listen, shut, stepOpts, tracked } from './fixtures.js';

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

describe('tcpConnect', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('connects and hands the socket over', async () => {
    const server = net.createServer();
    const sockets = tracked(server);
    const port = await listen(server);
    cleanups.push(() => shut(server, sockets));
    const opts = stepOpts();
    const { obs, socket } = await tcpConnect('127.0.0.1', port, opts);
    expect(obs.status).toEqual({ success: true, failure: null });
    expect(obs.ip).toBe('127.0.0.1');
    expect(obs.port).toBe(port);
    expect(obs.tags).toEqual(['direct']);
    expect(obs.t).toBeGreaterThanOrEqual(obs.t0);
    expect(socket?.remotePort).toBe(port);
    socket?.destroy();
  });

  it('reports connection_refused on a closed port', async () => {
    const { obs, socket } = await tcpConnect('127.0.0.1', await closedPort(), stepOpts());
    expect(obs.status).toEqual({ success: false, failure: 'connection_refused' });
    expect(socket).toBeNull();
  });

  it('refuses a name where an IP literal belongs, with a coded error', async () => {
    await expect(tcpConnect('localhost', 80, stepOpts())).rejects.toMatchObject({ code: 'CP_NET_NOT_IP' });
  });

  it('asks the guard before any packet', async () => {
    let connections = 0;
    const server = net.createServer(() => connections++);
    const sockets = tracked(server);
    const port = await listen(server);
    cleanups.push(() => shut(server, sockets));
    const opts = { ...stepOpts(), guard: new NetGuard(['198.18.0.0/15']) };
    await expect(tcpConnect('127.0.0.1', port, opts)).rejects.toBeInstanceOf(GuardError);
    await new Promise((r) => setTimeout(r, 50));
    expect(connections).toBe(0);
  });

  // A listener whose accept queue is full drops further SYNs: the connect never completes. Node
  // always accepts, so a tiny python3 listener with backlog 0 holds the port (python3 comes with
  // the lab's python3-unbound, so every test machine has it).
  it('times out when SYNs go unanswered', async () => {
    if (!hasPython) throw new Error('python3 is missing: install the lab packages (.ci/debian-packages.txt)');
    const py = spawn('python3', ['-c', [
      'import socket, sys, time',
      's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
      'print(s.getsockname()[1], flush=True)',
      'sys.stdin.read()',
    ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(() => killChild(py));
    const port = Number(await new Promise<string>((resolve) => py.stdout?.once('data', (d: Buffer) => resolve(d.toString()))));
    // Fill the accept queue (backlog 0 holds one connection).
    const fillers: net.Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await tcpConnect('127.0.0.1', port, stepOpts(300));
      if (r.socket) fillers.push(r.socket);
    }
    cleanups.push(() => fillers.forEach((s) => s.destroy()));
    expect(fillers.length).toBeGreaterThanOrEqual(1);
    const began = Date.now();
    const { obs, socket } = await tcpConnect('127.0.0.1', port, stepOpts(400));
    expect(obs.status).toEqual({ success: false, failure: 'generic_timeout_error' });
    expect(socket).toBeNull();
    expect(Date.now() - began).toBeLessThan(1500);
    expect(obs.t - obs.t0).toBeGreaterThanOrEqual(0.39);
  });
});

function killChild(child: ChildProcess): void {
  child.stdin?.end();
  if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
}
