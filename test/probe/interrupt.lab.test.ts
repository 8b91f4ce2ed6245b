// Ctrl-C in the lab: SIGINT mid-run stops new entries, lets those under way finish, writes the
// summaries of exactly what is in measurements.jsonl (report.json says complete=false), prints the
// resume command and exits 130. Progress on a non-TTY stderr is plain lines.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readEndpoints } from '../../src/lab/index.js';
import { probeCommand } from '../../src/lab/probe-run.js';
import { countLines, sleep } from './lab-run.js';


function jsonlInputs(path: string): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { input: string }).input);
}


describe('Ctrl-C during a run in the lab', () => {
  it('exits 130 with summaries of exactly what was measured and the resume command on stderr', async () => {
    const e = readEndpoints();
    const out = join(mkdtempSync(join(tmpdir(), 'cp-int-')), 'run');
    const jsonl = join(out, 'measurements.jsonl');
    const listed = (parse(readFileSync(e.list, 'utf8'), { columns: true }) as { url: string }[]).map((r) => r.url);
    // A low concurrency keeps most of the list still to do when the signal comes.
    const [cmd, ...args] = probeCommand(e, out, ['--concurrency', '4', '--accept']);
    const child = spawn(cmd!, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: e.ca_file }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    let running = true;
    void exited.then(() => (running = false));

    const target = 8;
    const deadline = Date.now() + 90_000;
    while (running && countLines(jsonl) < target && Date.now() < deadline) await sleep(25);
    expect(running, `the probe ended before ${target} entries: ${stderr.slice(-500)}`).toBe(true);
    const atSignal = countLines(jsonl);
    expect(atSignal).toBeGreaterThanOrEqual(target);
    child.kill('SIGINT');
    const { code, signal } = await exited;

    expect(signal).toBeNull();
    expect(code, stderr.slice(-800)).toBe(130);
    expect(stderr).toContain(`censorprobe run --resume ${out}`);

    // Entries under way when the signal came were finished and written, no new ones were started:
    // at most the 4 in flight, plus the few that may have started in the milliseconds between
    // counting the lines and the signal's delivery.
    const inputs = jsonlInputs(jsonl);
    expect(inputs.length).toBeGreaterThanOrEqual(atSignal);
    expect(inputs.length).toBeLessThanOrEqual(atSignal + 8);
    expect(inputs.length).toBeLessThan(listed.length);
    expect(new Set(inputs).size).toBe(inputs.length);
    for (const i of inputs) expect(listed).toContain(i);

    // summary.csv and report.json describe exactly the lines of measurements.jsonl.
    const csv = parse(readFileSync(join(out, 'summary.csv'), 'utf8'), { columns: true, bom: true }) as { input: string }[];
    expect(csv.map((r) => r.input).sort()).toEqual([...inputs].sort());
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { complete: boolean; total_entries: number; counts: Record<string, number> };
    expect(report.complete).toBe(false);
    expect(report.total_entries).toBe(listed.length);
    expect(Object.values(report.counts).reduce((a, b) => a + b, 0)).toBe(inputs.length);
    expect(stdout).toContain(`measured ${inputs.length} of ${listed.length} entries`);

    // Not a terminal: progress is plain lines, the last one giving the final count.
    const progress = stderr.split('\n').filter((l) => l.startsWith('progress'));
    expect(progress.length).toBeGreaterThan(0);
    for (const l of progress) expect(l).toMatch(/^progress: \d+\/\d+ entries/);
    expect(stderr).not.toContain('\r');
    expect(progress.at(-1)).toMatch(new RegExp(`^progress: ${inputs.length}/${listed.length} entries`));
  }, 150_000);

  it('SIGTERM twice at once (as `timeout` and CI runners send) is one clean stop: exit 143 with the summaries', async () => {
    const e = readEndpoints();
    const out = join(mkdtempSync(join(tmpdir(), 'cp-term-')), 'run');
    const jsonl = join(out, 'measurements.jsonl');
    const [cmd, ...args] = probeCommand(e, out, ['--concurrency', '4', '--accept', '--quiet']);
    const child = spawn(cmd!, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: e.ca_file }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (countLines(jsonl) < 4 && Date.now() < deadline) await sleep(25);
    child.kill('SIGTERM');
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr.slice(-800)).toBe(143);
    expect(stderr).toContain(`censorprobe run --resume ${out}`);
    const inputs = jsonlInputs(jsonl);
    const csv = parse(readFileSync(join(out, 'summary.csv'), 'utf8'), { columns: true, bom: true }) as { input: string }[];
    expect(csv.map((r) => r.input).sort()).toEqual([...inputs].sort());
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { complete: boolean };
    expect(report.complete).toBe(false);
  }, 150_000);
});
