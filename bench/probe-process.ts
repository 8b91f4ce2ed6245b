// One measured `censorprobe run` in the lab's client namespace: wall time, CPU user/sys of the whole
// process tree (getrusage of the waited children: exact), peak RSS (the largest process's max RSS,
// exact; the tree's summed VmRSS, sampled every 200 ms), and bytes on the client's link.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { probeCommand, type ProbeEndpoints } from '../src/lab/probe-run.js';
import { LINK } from '../src/lab/topology.js';
import { must } from '../src/lab/shell.js';

export interface LinkBytes {
  tx: number;
  rx: number;
}

/** Bytes the client's veth sent (up) and received (down) so far. */
export async function clientLinkBytes(ns: string): Promise<LinkBytes> {
  const r = await must('ip', ['-n', ns, '-j', '-s', 'link', 'show', LINK.client]);
  const link = (JSON.parse(r.stdout) as { stats64: { rx: { bytes: number }; tx: { bytes: number } } }[])[0];
  if (!link) throw new Error(`no ${LINK.client} in ${ns}`);
  return { tx: link.stats64.tx.bytes, rx: link.stats64.rx.bytes };
}

/** TCP sockets in TIME_WAIT in namespace `ns` now. */
export async function timeWaitCount(ns: string): Promise<number> {
  return (await timeWaitSockets(ns)).length;
}

async function timeWaitSockets(ns: string): Promise<string[]> {
  const r = await must('ip', ['netns', 'exec', ns, 'ss', '-H', '-t', '-a', '-n', 'state', 'time-wait']);
  return r.stdout.split('\n').filter((l) => l.trim());
}

/** The same by the peer's port, most first: `80: 1200, 443: 12` (which connections leave them). */
export async function timeWaitByPort(ns: string): Promise<string> {
  const counts = new Map<string, number>();
  for (const line of await timeWaitSockets(ns)) {
    // Recv-Q Send-Q Local:Port Peer:Port
    const peer = line.trim().split(/\s+/)[3] ?? '';
    const port = peer.slice(peer.lastIndexOf(':') + 1);
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([p, n]) => `${p}: ${n}`).join(', ') || 'none';
}

/** Busy and total CPU time of the whole machine so far (s), from /proc/stat: every process and the kernel. */
export function machineCpu(): { busyS: number; totalS: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal ...
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const hz = 100; // USER_HZ: 100 on Linux
  const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (t[3] ?? 0) + (t[4] ?? 0);
  return { busyS: (total - idle) / hz, totalS: total / hz };
}

/** CPU seconds (user + sys) so far of every live process, with a short label, from /proc. */
export function processCpu(): Map<number, { label: string; cpuS: number }> {
  const out = new Map<number, { label: string; cpuS: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpuS = (Number(rest[11]) + Number(rest[12])) / 100;
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // node and python: name the script and its first argument (the lab's services are one script).
      const script = args.findIndex((a) => /\.(ts|js|py)$/.test(a));
      const label = script >= 0 ? `${comm} ${args[script]!.split('/').pop()} ${args[script + 1] ?? ''}`.trim() : comm;
      out.set(Number(d), { label, cpuS });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds per label spent between two snapshots by processes alive in both (the lab's servers). */
export function cpuByLabel(before: ReturnType<typeof processCpu>, after: ReturnType<typeof processCpu>): [string, number][] {
  const sums = new Map<string, number>();
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (!b || b.label !== a.label) continue;
    const d = a.cpuS - b.cpuS;
    if (d > 0) sums.set(a.label, (sums.get(a.label) ?? 0) + d);
  }
  return [...sums].sort((x, y) => y[1] - x[1]);
}

/** Kernel time of the whole machine so far (s): system, irq and softirq (packet processing, netfilter). */
export function kernelCpu(): { systemS: number; softirqS: number; irqS: number } {
  const t = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  return { systemS: (t[2] ?? 0) / 100, irqS: (t[5] ?? 0) / 100, softirqS: (t[6] ?? 0) / 100 };
}

/** The node flags `bin/censorprobe.js` starts with (its `#!/usr/bin/env -S node ...` line). */
export function shippedNodeFlags(): string[] {
  const first = readFileSync(new URL('../bin/censorprobe.js', import.meta.url), 'utf8').split('\n')[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node (.+)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/) : [];
}

/**
 * The probe's node command line as a volunteer runs it: `bin/censorprobe.js`'s node flags and the
 * compiled `dist/cli.js` it loads, instead of the sources through tsx, unless `fromSources`.
 */
export function shippedArgs(nodeArgs: string[], fromSources: boolean): string[] {
  if (fromSources || nodeArgs[0] !== '--import' || nodeArgs[1] !== 'tsx') return nodeArgs;
  const [, , file, ...rest] = nodeArgs;
  return [...shippedNodeFlags(), file!.replace(/\/src\/cli\.ts$/, '/dist/cli.js'), ...rest];
}

export interface ProbeMeasure {
  code: number | null;
  /** CPU seconds the whole machine was busy during the run (probe, lab servers, kernel). */
  machineBusyS: number;
  /** CPU seconds of the processes that outlived the run (the lab's servers), by label. */
  labCpu: [string, number][];
  /** Softirq seconds of the machine during the run (veth packets, netfilter), not billed to any process. */
  softirqS: number;
  wallS: number;
  cpuUserS: number;
  cpuSysS: number;
  /** Peak resident set of the probe's node process (kernel's high-water mark). */
  probeHwmMb: number;
  /** Peak of the summed resident sets of every process in the tree (sampled every 200 ms). */
  treePeakMb: number;
  /** The probe's RSS samples (MB) over the run, for the flatness check. */
  rssSamples: number[];
  bytesUp: number;
  bytesDown: number;
  /** TCP sockets in TIME_WAIT in the client's namespace when the probe exited (they last 60 s). */
  timeWait: number;
  /** timeWait by the peer's port (timeWaitByPort). */
  timeWaitPorts: string;
  stderrTail: string;
}

function status(pid: number): { ppid: number; rssKb: number; hwmKb: number; name: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { ppid: field('PPid'), rssKb: field('VmRSS'), hwmKb: field('VmHWM'), name: /^Name:\s+(\S+)/m.exec(text)?.[1] ?? '' };
  } catch {
    return null;
  }
}

/** The root and every descendant, from /proc. */
function tree(root: number): Map<number, NonNullable<ReturnType<typeof status>>> {
  const all = new Map<number, NonNullable<ReturnType<typeof status>>>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = status(Number(d));
    if (s) all.set(Number(d), s);
  }
  const out = new Map<number, NonNullable<ReturnType<typeof status>>>();
  const want = [root];
  while (want.length) {
    const pid = want.pop() as number;
    const s = all.get(pid);
    if (!s || out.has(pid)) continue;
    out.set(pid, s);
    for (const [p, st] of all) if (st.ppid === pid) want.push(p);
  }
  return out;
}

/** `profileDir`: the probe writes a V8 CPU profile there (node --cpu-prof), for finding hot spots. */
export async function measureProbe(
  ep: ProbeEndpoints,
  out: string,
  extra: string[],
  onProgress?: (line: string) => void,
  profileDir?: string,
  nodeOptions?: string,
  fromSources = false,
): Promise<ProbeMeasure> {
  const [ip, netns, exec, ns, nodeBin, ...sourceArgs] = probeCommand(ep, out, extra);
  const nodeArgs = shippedArgs(sourceArgs, fromSources);
  // --cpu-prof is refused in NODE_OPTIONS: it goes on the node command line.
  const node = [nodeBin!, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...nodeArgs];
  // python runs the probe as its child and then reports the children's rusage on fd 3: CPU times
  // and max RSS of the whole waited tree, exact (no sampling gap at the end of the run).
  const script = [
    'import json, os, resource, subprocess, sys',
    'rc = subprocess.call(sys.argv[1:])',
    'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
    'os.write(3, json.dumps({"user": u.ru_utime, "sys": u.ru_stime, "maxrss_kb": u.ru_maxrss}).encode())',
    'sys.exit(rc)',
  ].join('\n');
  const before = await clientLinkBytes(ep.namespaces.client);
  const cpuBefore = machineCpu();
  const procBefore = processCpu();
  const kernelBefore = kernelCpu();
  const t0 = performance.now();
  const child = spawn(ip!, [netns!, exec!, ns!, 'python3', '-c', script, ...node], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ep.ca_file, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let times = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
    if (onProgress) for (const l of d.split('\n')) if (l.trim()) onProgress(l);
  });
  (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => (times += d));
  let treePeakKb = 0;
  let probeHwmKb = 0;
  const rssSamples: number[] = [];
  let tick = 0;
  const sample = () => {
    if (!child.pid) return;
    const t = tree(child.pid);
    let sum = 0;
    for (const s of t.values()) {
      sum += s.rssKb;
      if (s.name === 'node') {
        probeHwmKb = Math.max(probeHwmKb, s.hwmKb);
        if (tick++ % 5 === 0) rssSamples.push(Math.round(s.rssKb / 1024));
      }
    }
    treePeakKb = Math.max(treePeakKb, sum);
  };
  const timer = setInterval(sample, 200);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(timer);
  const wallS = (performance.now() - t0) / 1000;
  const machineBusyS = machineCpu().busyS - cpuBefore.busyS;
  const labCpu = cpuByLabel(procBefore, processCpu());
  const softirqS = kernelCpu().softirqS - kernelBefore.softirqS;
  const after = await clientLinkBytes(ep.namespaces.client);
  const timeWait = await timeWaitCount(ep.namespaces.client);
  const timeWaitPorts = await timeWaitByPort(ep.namespaces.client);
  const usage = times ? (JSON.parse(times) as { user: number; sys: number; maxrss_kb: number }) : { user: NaN, sys: NaN, maxrss_kb: NaN };
  return {
    code,
    machineBusyS,
    labCpu,
    softirqS,
    wallS,
    cpuUserS: usage.user,
    cpuSysS: usage.sys,
    probeHwmMb: Math.max(probeHwmKb, usage.maxrss_kb) / 1024,
    treePeakMb: treePeakKb / 1024,
    rssSamples,
    bytesUp: after.tx - before.tx,
    bytesDown: after.rx - before.rx,
    timeWait,
    timeWaitPorts,
    stderrTail: stderr.trim().split('\n').slice(-5).join('\n'),
  };
}
