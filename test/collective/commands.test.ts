// The collective's commands as scripts see them (the CLI as a process): token add prints the token
// alone on its last line, list never shows tokens, revoke stops them; join saves the collective in
// the XDG config after showing the sharing text; upload exits 0 when every run is stored (or already
// was) and 1 when one is refused, with the reason.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardEntries } from '../report/runs.js';
import { runFolder, testCollective, type TestCollective } from './fixtures.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const config = mkdtempSync(join(tmpdir(), 'cp-collective-cli-'));
let c: TestCollective;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: repo, env: { ...process.env, XDG_CONFIG_HOME: config } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  c = await testCollective();
}, 60_000);
afterAll(async () => {
  await c?.close();
  rmSync(config, { recursive: true, force: true });
});

describe('collective commands', () => {
  it('token add prints the token alone on its last line; list shows names only; revoke', async () => {
    const added = await cli('collective', 'token', 'add', 'eleni-pc', '--store', c.store);
    expect(added.code).toBe(0);
    const token = added.stdout.trim().split('\n').pop()!;
    expect(token).toMatch(/^cpt_[A-Za-z0-9_-]{43}$/);
    expect((await cli('collective', 'token', 'add', 'eleni-pc', '--store', c.store)).code).toBe(2);
    expect((await cli('collective', 'token', 'add', '192.168.1.5/x', '--store', c.store)).code).toBe(2);
    const list = await cli('collective', 'token', 'list', '--store', c.store, '--json');
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'eleni-pc', revoked_at: null, runs: 0 })]);
    expect(list.stdout).not.toContain(token);
    const stored = await c.sql<{ hash: Buffer }>("SELECT hash FROM collective_tokens WHERE name = 'eleni-pc'");
    expect(stored[0]!.hash.toString('hex')).not.toContain(Buffer.from(token).toString('hex'));
    expect((await cli('collective', 'token', 'revoke', 'eleni-pc', '--store', c.store)).code).toBe(0);
    expect((await cli('collective', 'token', 'revoke', 'eleni-pc', '--store', c.store)).code).toBe(2);
    const joinRevoked = await cli('join', c.url, '--token', token, '--accept');
    expect(joinRevoked.code).toBe(1);
    expect(joinRevoked.stderr).toMatch(/does not know this token \(or it was revoked\)/);
  }, 180_000);

  it('join shows what is shared and saves the collective; upload sends runs: 0 stored, 1 refused', async () => {
    const token = await c.token('kostas');
    const joined = await cli('join', `${c.url}/`, '--token', token, '--accept');
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stderr).toContain('Δεν στέλνεται ποτέ: η δημόσια διεύθυνση IP σας');
    expect(joined.stderr).toContain('Never sent: your public IP address');
    expect(joined.stdout).toContain('as kostas');
    const file = join(config, 'censorprobe', 'collective.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: c.url, token });
    expect(statSync(file).mode & 0o077).toBe(0);
    // Defaults from join: two runs stored, then both again (already stored): 0.
    const a = runFolder({ runId: 'cli-a' });
    const b = runFolder({ runId: 'cli-b' });
    const first = await cli('upload', a, b);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/run cli-a stored/);
    const again = await cli('upload', a, b);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/cli-b was stored already/);
    // One refused (it holds 127.0.0.1, the uploader's address on loopback), one fine: 1, with the reason.
    const bad = runFolder({ runId: 'cli-bad' }, standardEntries());
    const mixed = await cli('upload', bad, runFolder({ runId: 'cli-c' }));
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/cli-bad refused: .*not scrubbed.* \[client_address\]/);
    expect(mixed.stdout).toMatch(/run cli-c stored/);
    expect((await c.sql("SELECT run_id FROM runs WHERE run_id LIKE 'cli-%' ORDER BY run_id")).map((r) => r.run_id)).toEqual(['cli-a', 'cli-b', 'cli-c']);
    // Wrong token given explicitly: refused, 1.
    const wrong = await cli('upload', a, '--to', c.url, '--token', 'cpt_wrong');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/\[unauthorized\]/);
  }, 180_000);
});
