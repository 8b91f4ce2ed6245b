// Summarises a V8 CPU profile (node --cpu-prof) by self time: per function and per file/package,
// so the benchmark can say where the probe's CPU goes. `node --import tsx bench/profile-summary.ts F`.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Where a script URL belongs: a package under node_modules, a project file, or node itself. */
export function owner(url: string): string {
  if (!url) return '(native/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  if (url.startsWith('node:')) return url;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

export function summarise(p: CpuProfile, top = 20): { totalMs: number; byFunction: [string, number][]; byOwner: [string, number][] } {
  const totalMs = (p.endTime - p.startTime) / 1000;
  const perSample = totalMs / Math.max(1, p.samples.length);
  const fn = new Map<string, number>();
  const own = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName || '(anonymous)'} ${owner(url)}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + hits * perSample);
    const o = owner(url);
    own.set(o, (own.get(o) ?? 0) + hits * perSample);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, byFunction: sorted(fn), byOwner: sorted(own) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    console.log(`${file}: ${(s.totalMs / 1000).toFixed(1)} s profiled`);
    console.log('  by file/package (self time):');
    for (const [k, ms] of s.byOwner) console.log(`    ${((ms / s.totalMs) * 100).toFixed(1).padStart(5)} %  ${k}`);
    console.log('  by function (self time):');
    for (const [k, ms] of s.byFunction) console.log(`    ${((ms / s.totalMs) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
}
