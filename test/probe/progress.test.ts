import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/probe/progress.js';

describe('progress', () => {
  it('writes plain lines at an interval when not on a terminal, with counts by verdict', () => {
    let t = 0;
    const out: string[] = [];
    const p = createProgress({ mode: 'lines', total: 10, already: 2, write: (s) => out.push(s), now: () => t, intervalMs: 5000 });
    for (let i = 0; i < 8; i++) {
      t += 1000;
      p.update(i % 2 ? 'dns' : 'ok');
    }
    p.finish();
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out.length).toBe(2); // one at 5 s, then the final line
    expect(out.at(-1)).toMatch(/^progress: 10\/10 entries, 1\.0\/s, ETA 0s, ok 4 dns 4\n$/);
  });

  it('writes JSON lines for scripts and nothing when quiet', () => {
    const out: string[] = [];
    const p = createProgress({ mode: 'json', total: 1, already: 0, write: (s) => out.push(s), now: () => 0 });
    p.update('ip');
    p.finish();
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ type: 'done', done: 1, total: 1, counts: { ip: 1 } });
    const quiet: string[] = [];
    const q = createProgress({ mode: 'quiet', total: 1, already: 0, write: (s) => quiet.push(s) });
    q.update('ok');
    q.finish();
    expect(quiet).toEqual([]);
  });

  it('gives the CPU spent since the first entry, and the measuring loop\'s own when the last entry is written', () => {
    const out: string[] = [];
    const p = createProgress({ mode: 'json', total: 2, already: 0, write: (s) => out.push(s), now: () => 0, intervalMs: 0 });
    p.update('ok');
    // Burn some CPU before the last entry, more after it (the summaries).
    const spin = (ms: number) => { const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) / 1000 < ms); };
    spin(30);
    p.update('ok');
    spin(60);
    p.finish();
    type Cpu = { user: number; sys: number };
    const done = JSON.parse(out.at(-1)!) as { cpu_ms: Cpu; loop_cpu_ms: Cpu };
    const total = (c: Cpu) => c.user + c.sys;
    expect(total(done.loop_cpu_ms)).toBeGreaterThanOrEqual(25);
    expect(total(done.cpu_ms)).toBeGreaterThanOrEqual(total(done.loop_cpu_ms) + 55);
    expect((JSON.parse(out[0]!) as { cpu_ms: Cpu }).cpu_ms).toBeDefined();
  });

  it('says how many entries the run allows in flight as the adaptive concurrency moves it', () => {
    let limit = 16;
    const lines: string[] = [];
    const json: string[] = [];
    const p = createProgress({ mode: 'lines', total: 3, already: 0, write: (s) => lines.push(s), now: () => 0, intervalMs: 0, concurrency: () => limit });
    const j = createProgress({ mode: 'json', total: 3, already: 0, write: (s) => json.push(s), now: () => 0, intervalMs: 0, concurrency: () => limit });
    p.update('ok');
    j.update('ok');
    limit = 64;
    p.update('ok');
    j.update('ok');
    expect(lines[0]).toContain('16 in flight at most');
    expect(lines[1]).toContain('64 in flight at most');
    expect(json.map((l) => (JSON.parse(l) as { concurrency: number }).concurrency)).toEqual([16, 64]);
  });
});
