// Progress on stderr: a bar on a terminal; a plain line every few seconds elsewhere (CI, Docker);
// JSON lines for scripts (with the event loop's delay since the last line); nothing with --quiet.
// Counts by verdict are kept as results arrive.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Verdict } from '../analysis/types.js';

export type ProgressMode = 'tty' | 'lines' | 'json' | 'quiet';

export interface ProgressOptions {
  mode: ProgressMode;
  total: number;
  /** Entries already measured before this invocation (resume). */
  already: number;
  write?: (text: string) => void;
  intervalMs?: number;
  now?: () => number;
  /** Entries allowed in flight now (it moves with --concurrency auto). */
  concurrency?: () => number;
}

export interface Progress {
  update(verdict: Verdict): void;
  finish(): void;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function createProgress(o: ProgressOptions): Progress {
  const write = o.write ?? ((t: string) => process.stderr.write(t));
  const now = o.now ?? Date.now;
  const interval = o.intervalMs ?? (o.mode === 'tty' ? 200 : o.mode === 'json' ? 2000 : 5000);
  const started = now();
  // How late the event loop runs timers (ms): a busy probe answers its sockets late, and every step
  // time it records grows by as much. Scripts get it with --json.
  const lag = o.mode === 'json' ? monitorEventLoopDelay({ resolution: 10 }) : null;
  lag?.enable();
  const counts: Record<string, number> = {};
  let done = 0;
  let last = 0;
  // The process's CPU from the first entry on, and when the last entry was written: the measuring
  // loop's own cost, apart from the start, the idle-line calibrations and the summaries (--json).
  const cpuStart = o.mode === 'json' ? process.cpuUsage() : null;
  let loopCpu: NodeJS.CpuUsage | null = null;
  const cpuMs = (u: NodeJS.CpuUsage) => ({ user: Math.round(u.user / 1000), sys: Math.round(u.system / 1000) });

  const snapshot = () => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = o.total - o.already - done;
    return { done: o.already + done, total: o.total, rate, eta: rate > 0 ? left / rate : Infinity, elapsed, counts: { ...counts }, concurrency: o.concurrency?.() ?? null };
  };
  const render = (final: boolean) => {
    const s = snapshot();
    const countText = Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(' ');
    if (o.mode === 'json') {
      const loop = lag && lag.count > 0 ? { p50: Math.round(lag.percentile(50) / 1e6), p99: Math.round(lag.percentile(99) / 1e6), max: Math.round(lag.max / 1e6) } : null;
      lag?.reset();
      if (final) lag?.disable();
      const cpu = cpuStart ? cpuMs(process.cpuUsage(cpuStart)) : null;
      write(`${JSON.stringify({ type: final ? 'done' : 'progress', done: s.done, total: s.total, rate: Math.round(s.rate * 10) / 10, eta_s: Number.isFinite(s.eta) ? Math.round(s.eta) : null, counts: s.counts, concurrency: s.concurrency, loop_delay_ms: loop, cpu_ms: cpu, ...(final ? { loop_cpu_ms: loopCpu ? cpuMs(loopCpu) : null } : {}) })}\n`);
    } else if (o.mode === 'tty') {
      const width = 24;
      const filled = s.total > 0 ? Math.round((s.done / s.total) * width) : width;
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      write(`\r[${bar}] ${s.done}/${s.total} ${s.rate.toFixed(1)}/s${s.concurrency !== null ? ` x${s.concurrency}` : ''} ETA ${duration(s.eta)} ${countText}\x1b[K${final ? '\n' : ''}`);
    } else if (o.mode === 'lines') {
      write(`progress: ${s.done}/${s.total} entries, ${s.rate.toFixed(1)}/s${s.concurrency !== null ? `, ${s.concurrency} in flight at most` : ''}, ETA ${duration(s.eta)}${countText ? `, ${countText}` : ''}\n`);
    }
  };
  return {
    update(verdict) {
      done++;
      counts[verdict] = (counts[verdict] ?? 0) + 1;
      if (cpuStart && o.already + done >= o.total) loopCpu = process.cpuUsage(cpuStart);
      if (o.mode === 'quiet') return;
      const t = now();
      if (t - last >= interval) {
        last = t;
        render(false);
      }
    },
    finish() {
      if (o.mode !== 'quiet') render(true);
    },
  };
}
