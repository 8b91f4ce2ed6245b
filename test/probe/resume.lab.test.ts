// Crash safety in the lab: `censorprobe run` killed with SIGKILL at random points (several times in
// one run, possibly mid-write), then `run --resume DIR` until done, must end with exactly the lab
// list's entries in measurements.jsonl (none lost, none twice) and complete summaries.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readEndpoints, type LabEndpoints } from '../../src/lab/index.js';
import { probeCommand } from '../../src/lab/probe-run.js';
import { countLines, sleep } from './lab-run.js';



interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Starts the probe in the client namespace (a fresh run, or `--resume out`); when `killAt` is set,
 * SIGKILLs its process group once measurements.jsonl holds that many lines, after a random few ms
 * so that some kills land in the middle of a write.
 */
async function probe(e: LabEndpoints, out: string, resume: boolean, killAt: number | null): Promise<Exit> {
  const fresh = probeCommand(e, out, ['--concurrency', '6', '--quiet', '--accept']);
  // A resume takes only the folder: everything else comes from its run.json.
  const argv = resume ? [...fresh.slice(0, fresh.indexOf('run')), 'run', '--resume', out, '--quiet', '--accept'] : fresh;
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: e.ca_file }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  if (killAt === null) return exited;
  let running = true;
  void exited.then(() => (running = false));
  const jsonl = join(out, 'measurements.jsonl');
  const deadline = Date.now() + 60_000;
  while (running && countLines(jsonl) < killAt && Date.now() < deadline) await sleep(5);
  if (running) {
    await sleep(Math.floor(Math.random() * 40));
    // The whole group: node and tsx's esbuild helper, all started here.
    process.kill(-child.pid!, 'SIGKILL');
  }
  return exited;
}

describe('resume after kill -9 in the lab', () => {
  it('three kills at random points, then resumes, give exactly the list, once each', async () => {
    const e = readEndpoints();
    const listed = (parse(readFileSync(e.list, 'utf8'), { columns: true }) as { url: string }[]).map((r) => r.url);
    const total = listed.length;
    expect(total).toBeGreaterThan(20);
    const out = join(mkdtempSync(join(tmpdir(), 'cp-resume-')), 'run');
    const jsonl = join(out, 'measurements.jsonl');

    // Kill points spread over the first two thirds of the list, each after at least one new entry.
    const kills: number[] = [];
    let at = 0;
    for (let k = 0; k < 3; k++) {
      const span = Math.floor((total * 2) / 3 / 3);
      at = at + 1 + Math.floor(Math.random() * span);
      kills.push(at);
    }
    const log: string[] = [`kill points ${kills.join(', ')} of ${total}`];
    let killed = 0;
    for (const [i, k] of kills.entries()) {
      const before = countLines(jsonl);
      const r = await probe(e, out, i > 0, Math.max(k, before + 1));
      log.push(`run ${i}: ${r.signal ?? r.code}, ${countLines(jsonl)} lines; ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      if (r.signal === 'SIGKILL') killed++;
      else expect(r.code, log.join('\n')).toBe(0);
    }
    expect(killed, log.join('\n')).toBe(3);

    // Resume until the run says it is complete (once should do; a few tries guard nothing but a bug).
    let complete = false;
    for (let i = 0; i < 3 && !complete; i++) {
      const r = await probe(e, out, true, null);
      log.push(`resume: ${r.code}; ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      expect(r.code, log.join('\n')).toBe(0);
      complete = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { complete: boolean }).complete;
    }
    expect(complete, log.join('\n')).toBe(true);

    const lines = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean);
    const inputs = lines.map((l) => (JSON.parse(l) as { input: string }).input);
    const counts = new Map<string, number>();
    for (const i of inputs) counts.set(i, (counts.get(i) ?? 0) + 1);
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([i]) => i);
    const lost = listed.filter((u) => !counts.has(u));
    const extra = inputs.filter((i) => !listed.includes(i));
    expect({ lost, duplicated, extra }, log.join('\n')).toEqual({ lost: [], duplicated: [], extra: [] });
    expect(inputs.length).toBe(total);

    const csv = parse(readFileSync(join(out, 'summary.csv'), 'utf8'), { columns: true, bom: true }) as { input: string }[];
    expect(csv.map((r) => r.input).sort()).toEqual([...listed].sort());
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { total_entries: number; counts: Record<string, number>; measurement_start_time: string };
    expect(report.total_entries).toBe(total);
    // The run began when it first started, not when the last resume did; run.json says when.
    const settings = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { started: string; lists: string[] };
    expect(report.measurement_start_time).toBe(settings.started.slice(0, 19).replace('T', ' '));
    expect(settings.lists).toEqual(['lists/list.csv']);
    expect(Object.values(report.counts).reduce((a, b) => a + b, 0)).toBe(total);
  }, 240_000);
});
