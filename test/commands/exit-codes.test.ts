// The exit-code contract (README, --help): 0 success, 1 failure, 2 usage error; each command's
// errors point to its own --help. The CLI runs as a process, as scripts see it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cp-exit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: repo, env: { ...process.env, XDG_CONFIG_HOME: tmp } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('exit codes', () => {
  it('0 for --help and --version, which document the codes and the token variable', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+0\s+success$/m);
    expect(help.stdout).toMatch(/^\s+1\s+a failure/m);
    expect(help.stdout).toMatch(/^\s+2\s+a usage error/m);
    expect(help.stdout).toContain('143');
    expect(help.stdout).toContain('CENSORPROBE_CONTROL_TOKEN');
    const runHelp = await cli('run', '--help');
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toContain('CENSORPROBE_CONTROL_TOKEN');
    expect((await cli('--version')).code).toBe(0);
  });

  it('2 for an unknown command, an unknown option, a missing argument and a bad value, each pointing to its own --help', async () => {
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('censorprobe --help');
    const badFlag = await cli('run', '--bogus');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('`censorprobe run --help`');
    const missing = await cli('report', 'html');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('`censorprobe report html --help`');
    const badValue = await cli('run', '--list', 'x.csv', '--concurrency', 'many');
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('--concurrency');
    expect(badValue.stderr).toContain('`censorprobe run --help`');
  });

  it('2 and "no such folder" for report commands given a folder that does not exist', async () => {
    for (const args of [['report', 'html'], ['report', 'csv'], ['export', 'ooni']]) {
      const r = await cli(...args, join(tmp, 'typo'));
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`${join(tmp, 'typo')}: no such folder`);
      expect(r.stderr).not.toContain('did not finish');
      expect(r.stderr).toContain(`\`censorprobe ${args.join(' ')} --help\``);
    }
  });

  it('1 for a failure that is not a usage error', async () => {
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'url,category_code,category_description,date_added,source,notes\nnot a url,GMB,,2026-01-01,x,\n');
    const r = await cli('lists', 'check', bad);
    expect(r.code).toBe(1);
    const imp = await cli('lists', 'import', 'eeep', join(tmp, 'missing.xlsx'));
    expect(imp.code).toBe(1);
    expect(imp.stderr).toContain('missing.xlsx');
  });
});
