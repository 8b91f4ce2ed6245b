// Summarises a V8 CPU profile (node --cpu-prof) so the benchmark can say where the probe's CPU goes:
// shares of the busy time (idle left out), by function (self time; a native frame such as a socket
// write or a TLS call is named with the JavaScript function that called it, since "writev" alone
// says nothing), by file or package counting each sample once for every file on its stack
// (inclusive), and busy time per slice of the run (start, loop, summaries).
// `node --import tsx bench/profile-summary.ts F [--slice S]`.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas?: number[];
}

/** Where a script URL belongs: a package under node_modules, a project file, or node itself. */
export function owner(url: string): string {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  if (url.startsWith('node:')) return url;
  const src = /\/(src|bench|dist)\/(.+?)(?:\.[jt]s)?$/.exec(url);
  return src ? `${src[1] === 'dist' ? 'src' : src[1]}/${src[2]}` : url;
}

const IDLE = '(idle)';

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  /** Self time by function, native frames named with their JavaScript caller. */
  byFunction: [string, number][];
  /** Inclusive time by file or package. */
  byOwner: [string, number][];
}

export function summarise(p: CpuProfile, top = 25): ProfileSummary {
  const totalMs = (p.endTime - p.startTime) / 1000;
  const perSample = totalMs / Math.max(1, p.samples.length);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${owner(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const fn = new Map<string, number>();
  const own = new Map<string, number>();
  let busyMs = 0;
  for (const n of byId.values()) {
    const hits = n.hitCount ?? 0;
    if (!hits || n.callFrame.functionName === IDLE) continue;
    const ms = hits * perSample;
    busyMs += ms;
    let caller: ProfileNode | undefined = n;
    while (caller && !caller.callFrame.url) caller = parent.get(caller.id);
    const key = n.callFrame.url ? name(n) : `${n.callFrame.functionName || '(native)'}${caller ? ` <- ${name(caller)}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const seen = new Set<string>();
    for (let x: ProfileNode | undefined = n; x; x = parent.get(x.id)) {
      const o = owner(x.callFrame.url);
      if (seen.has(o)) continue;
      seen.add(o);
      own.set(o, (own.get(o) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, busyMs, byFunction: sorted(fn), byOwner: sorted(own).filter(([o]) => o !== '(native)') };
}

/** Busy milliseconds per `sliceS`-second slice of the profile, from its samples' times. */
export function busyBySlice(p: CpuProfile, sliceS: number): number[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out: number[] = [];
  const deltas = p.timeDeltas ?? [];
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += deltas[i] ?? 0;
    const next = deltas[i + 1] ?? 0;
    const node = byId.get(p.samples[i] as number);
    if (!node || node.callFrame.functionName === IDLE) continue;
    const slice = Math.floor(t / 1e6 / sliceS);
    out[slice] = (out[slice] ?? 0) + next / 1000;
  }
  return Array.from(out, (x) => x ?? 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--slice');
  const sliceS = at >= 0 ? Number(args.splice(at, 2)[1]) : 5;
  for (const file of args) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const s = summarise(p);
    const pct = (ms: number) => `${((ms / s.busyMs) * 100).toFixed(1).padStart(5)} %`;
    console.log(`${file}: ${(s.totalMs / 1000).toFixed(1)} s profiled, ${(s.busyMs / 1000).toFixed(1)} s busy`);
    console.log('  by file/package (inclusive, share of busy time):');
    for (const [k, ms] of s.byOwner) console.log(`    ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(6)} s  ${k}`);
    console.log('  by function (self time, share of busy time):');
    for (const [k, ms] of s.byFunction) console.log(`    ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(6)} s  ${k.length > 160 ? `${k.slice(0, 160)}...` : k}`);
    console.log(`  busy per ${sliceS} s: ${busyBySlice(p, sliceS).map((ms) => (ms / 1000).toFixed(1)).join(' ')}`);
  }
}
