// Installing the lab's packages leaves no new service running or enabled: service starts are
// forbidden through policy-rc.d while apt-get runs (the script itself is run and must exit 101), and
// exactly the services the install added are disabled afterwards. Played in a scratch root.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installQuietly, type InstallRoots } from '../../src/lab/quiet-install.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function roots(): InstallRoots {
  dir = mkdtempSync(join(tmpdir(), 'cp-quiet-'));
  const r = { sbin: join(dir, 'sbin'), unitDirs: [join(dir, 'units')], initDir: join(dir, 'init.d') };
  for (const d of [r.sbin, ...r.unitDirs, r.initDir]) mkdirSync(d);
  writeFileSync(join(r.unitDirs[0]!, 'ssh.service'), '');
  writeFileSync(join(r.initDir, 'ssh'), '');
  return r;
}

describe('installQuietly', () => {
  it('forbids service starts during the install, then disables only the services it added', () => {
    const r = roots();
    const calls: string[] = [];
    let policyExit: number | null = null;
    const added = installQuietly(
      () => {
        policyExit = spawnSync(join(r.sbin, 'policy-rc.d'), ['nginx', 'start']).status;
        writeFileSync(join(r.unitDirs[0]!, 'nginx.service'), '');
        writeFileSync(join(r.unitDirs[0]!, 'unbound.service'), '');
        writeFileSync(join(r.unitDirs[0]!, 'unbound-resolvconf.service'), '');
        writeFileSync(join(r.unitDirs[0]!, 'getty@.service'), '');
        writeFileSync(join(r.initDir, 'nginx'), '');
      },
      () => undefined,
      { roots: r, systemd: true, run: (cmd, args) => (calls.push(`${cmd} ${args.join(' ')}`), 0) },
    );
    expect(policyExit).toBe(101);
    expect(existsSync(join(r.sbin, 'policy-rc.d'))).toBe(false);
    expect(added).toEqual(['nginx', 'unbound', 'unbound-resolvconf']);
    expect(calls).toEqual(['systemctl disable --now nginx.service', 'systemctl disable --now unbound.service', 'systemctl disable --now unbound-resolvconf.service']);
  });

  it('without systemd disables the SysV links and stops the service; a failed install still lifts the ban and disables', () => {
    const r = roots();
    const calls: string[] = [];
    expect(() =>
      installQuietly(
        () => {
          writeFileSync(join(r.initDir, 'unbound'), '');
          throw new Error('apt-get failed');
        },
        () => undefined,
        { roots: r, systemd: false, run: (cmd, args) => (calls.push(`${cmd} ${args.join(' ')}`), 0) },
      ),
    ).toThrow('apt-get failed');
    expect(existsSync(join(r.sbin, 'policy-rc.d'))).toBe(false);
    expect(calls).toEqual(['update-rc.d unbound disable', 'invoke-rc.d unbound stop']);
  });

  it("keeps an administrator's own policy-rc.d as it was", () => {
    const r = roots();
    writeFileSync(join(r.sbin, 'policy-rc.d'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const calls: string[] = [];
    installQuietly(() => writeFileSync(join(r.initDir, 'unbound'), ''), () => undefined, { roots: r, systemd: false, run: (cmd, args) => (calls.push(`${cmd} ${args.join(' ')}`), 0) });
    expect(readFileSync(join(r.sbin, 'policy-rc.d'), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
    expect(calls).toEqual(['update-rc.d unbound disable', 'invoke-rc.d unbound stop']);
  });
});
