// The collective in the lab: its server runs in the lab's "world" (abroad), backed by a PostgreSQL
// reached over a Unix socket (namespaces share the file system, not loopback). The lab's volunteer
// joins it, runs with its control helper and uploads; the public view shows the run. A later
// scenario set (a new list edition) then shows up as confirmed changes once it held for --confirm
// (2) runs, and not after one.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labUp, readEndpoints, type LabEndpoints } from '../../src/lab/index.js';
import { cliCommand } from '../../src/lab/control.js';
import { files, repoRoot } from '../../src/lab/paths.js';
import { startInNs, stopPids, type TrackedProcess } from '../../src/lab/processes.js';
import { probeCommand } from '../../src/lab/probe-run.js';
import { ADDR, NS, ONLY_NETS } from '../../src/lab/topology.js';
import { parseScenarios } from '../../src/lab/scenarios.js';
import { openCollectiveDb } from '../../src/collective/serve.js';
import { addToken } from '../../src/collective/tokens.js';

const PGBIN = '/usr/lib/postgresql/15/bin';
const PORT = 8090;
const URL_ = `http://${ADDR.control}:${PORT}`;
const pgDir = mkdtempSync(join(tmpdir(), 'cp-collective-lab-pg-'));
const xdg = mkdtempSync(join(tmpdir(), 'cp-collective-lab-xdg-'));
const runs = mkdtempSync(join(tmpdir(), 'cp-collective-lab-runs-'));
const store = `postgres://postgres@localhost/postgres?host=${encodeURIComponent(pgDir)}`;
const asPg = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
let server: TrackedProcess | null = null;

function sh(argv: string[], env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, cwd: repoRoot, timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const pgCtl = (what: string) => sh([...asPg, `${PGBIN}/pg_ctl`, '-D', join(pgDir, 'data'), '-l', join(pgDir, 'log'), '-o', `-c listen_addresses='' -k ${pgDir}`, '-w', '-m', 'fast', what]);

async function startServer(): Promise<void> {
  if (server) await stopPids([server.pid]);
  server = startInNs('collective', NS.world, [...cliCommand(), 'collective', 'serve', '--listen', `${ADDR.control}:${PORT}`, '--store', store,
    '--allow-nets', ONLY_NETS, '--only-nets', ONLY_NETS, '--ca', files.caCert(), '--confirm', '2']);
  for (let i = 0; i < 150; i++) {
    if (readFileSync(server.log, 'utf8').includes('listening on')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the collective did not start: ${readFileSync(server.log, 'utf8')}`);
}

/** A command in the volunteer's namespace, with the volunteer's own config and data folders. */
function volunteer(args: string[], ep: LabEndpoints) {
  return sh(['ip', 'netns', 'exec', ep.namespaces.client, ...cliCommand(), ...args], { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg, NODE_EXTRA_CA_CERTS: ep.ca_file });
}

/** `censorprobe run` as the lab runs it, but without --control: the joined collective gives it. */
function labRun(ep: LabEndpoints, name: string) {
  const argv = probeCommand(ep, join(runs, name), ['--quiet', '--accept']);
  const at = argv.indexOf('--control');
  argv.splice(at, 2);
  return sh(argv, { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg, NODE_EXTRA_CA_CERTS: ep.ca_file });
}

/** A page of the public view, fetched from the volunteer's side (the test runs outside the lab). */
function view(ep: LabEndpoints, path: string): string {
  const r = sh(['ip', 'netns', 'exec', ep.namespaces.client, process.execPath, '-e', `fetch(${JSON.stringify(URL_ + path)}).then(async (r) => { if (r.status !== 200) process.exit(1); process.stdout.write(await r.text()); })`]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  chmodSync(pgDir, 0o777);
  const init = sh([...asPg, `${PGBIN}/initdb`, '-D', join(pgDir, 'data'), '-A', 'trust', '-U', 'postgres']);
  expect(init.code, init.stderr).toBe(0);
  expect(pgCtl('start').code).toBe(0);
  await startServer();
}, 120_000);

afterAll(async () => {
  if (server) await stopPids([server.pid]);
  pgCtl('stop');
  for (const d of [pgDir, xdg, runs]) rmSync(d, { recursive: true, force: true });
});

describe('a collective in the lab', () => {
  it('a volunteer joins, runs with its control helper and uploads; the view shows the run; a later edition shows as confirmed changes', async () => {
    let ep = readEndpoints();
    // Every scenario of the lab's list is one measurement; the count follows the scenario set.
    const entries = parseScenarios(readFileSync(join(repoRoot, 'lab', 'scenarios.csv'), 'utf8')).length;
    expect(entries).toBeGreaterThan(50);
    const db = await openCollectiveDb(store);
    const token = await addToken(db, 'lab-volunteer');
    await db.close();

    const joined = volunteer(['join', URL_, '--token', token, '--accept', '--only-nets', ONLY_NETS], ep);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toContain('as lab-volunteer');

    const first = labRun(ep, 'first');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`run first stored (${entries} measurements`);
    // The run used the collective's control helper: report.json names it.
    const report = JSON.parse(readFileSync(join(runs, 'first', 'report.json'), 'utf8')) as { settings: { control: string }; control_failure: string | null };
    expect(report.settings.control).toBe(URL_);
    expect(report.control_failure).toBeNull();

    const overview = JSON.parse(view(ep, '/?format=json')) as { isps: Array<{ name: string | null; latest_run_id: string; runs: number; volunteers: number; verdicts: Record<string, number> }> };
    expect(overview.isps).toHaveLength(1);
    expect(overview.isps[0]).toMatchObject({ latest_run_id: 'first', runs: 1, volunteers: 1 });
    expect(Object.values(overview.isps[0]!.verdicts).reduce((a, b) => a + b, 0)).toBe(entries);
    expect(overview.isps[0]!.name).toBeTruthy();
    expect(view(ep, '/?lang=en')).toContain(overview.isps[0]!.name!);

    // The later edition: one run of it is not news yet; two are.
    ep = await labUp({ scenarios: join(repoRoot, 'lab', 'scenarios-later.csv') });
    await startServer();
    const later1 = labRun(ep, 'later-1');
    expect(later1.code, later1.stderr).toBe(0);
    expect((JSON.parse(view(ep, '/changes?format=json')) as { changes: unknown[] }).changes).toEqual([]);
    const later2 = labRun(ep, 'later-2');
    expect(later2.code, later2.stderr).toBe(0);
    const changes = (JSON.parse(view(ep, '/changes?format=json')) as { changes: Array<{ input: string; change: string; from: string; to: string; run: string; held: number }> }).changes;
    const by = Object.fromEntries(changes.map((c) => [c.input, c]));
    expect(Object.keys(by).sort()).toEqual(['http://www.euro-bet.gr/', 'https://1xbet.com/']);
    expect(by['https://1xbet.com/']).toMatchObject({ change: 'unblocked', to: 'ok', run: 'later-1', held: 2 });
    expect(by['http://www.euro-bet.gr/']).toMatchObject({ change: 'method_changed', run: 'later-1' });
    expect(by['http://www.euro-bet.gr/']!.from).toMatch(/^dpi:/);
    expect(by['http://www.euro-bet.gr/']!.to).toMatch(/^dns:/);
    const atom = view(ep, '/changes.atom');
    expect(atom.match(/<entry>/g)).toHaveLength(2);
  }, 600_000);
});
