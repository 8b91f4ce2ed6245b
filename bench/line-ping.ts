// Is the line still usable while the probe runs? A "ping" to the ISP's resolver from the client's
// namespace, alongside the run: one small DNS query every 200 ms (the lab has no ping binary, and a
// resolver's round trip is what a volunteer's browsing waits on first). A lost query counts as its
// 2 s timeout. python3 keeps it off the probe's node and light on the CPU.
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = [
  'import socket, struct, sys, time',
  'host = sys.argv[1]',
  'q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\\x07neutral\\x03lab\\x00" + struct.pack(">HH", 1, 1)',
  's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
  's.settimeout(2.0)',
  'i = 0',
  'while True:',
  '    i = (i + 1) % 65536',
  '    t = time.monotonic()',
  '    s.sendto(q(i), (host, 53))',
  '    ms = 2000.0',
  '    try:',
  '        while True:',
  '            d = s.recv(4096)',
  '            if struct.unpack(">H", d[:2])[0] == i:',
  '                ms = (time.monotonic() - t) * 1000',
  '                break',
  '    except socket.timeout:',
  '        pass',
  '    print("%.2f" % ms, flush=True)',
  '    time.sleep(max(0.0, 0.2 - (time.monotonic() - t)))',
].join('\n');

export interface LinePing {
  /** Round trips (ms) so far, and a fresh list from now on. */
  take(): number[];
  stop(): void;
}

export function linePing(ns: string, resolverIp: string): LinePing {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', SCRIPT, resolverIp], { stdio: ['ignore', 'pipe', 'ignore'] });
  let samples: number[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (rest + d).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) samples.push(Number(l));
  });
  return {
    take() {
      const s = samples;
      samples = [];
      return s;
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
