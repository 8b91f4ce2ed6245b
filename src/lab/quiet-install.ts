// Debian starts a daemon when its package is installed (nginx, unbound) and enables it at boot. The
// lab runs its own copies inside its namespaces, so installing its packages must leave nothing
// running or enabled that was not there before: invoke-rc.d is told not to start anything while
// apt-get runs (policy-rc.d, exit 101: "action forbidden", Debian policy's invoke-rc.d interface),
// and the services the install added are disabled afterwards, the ones already there left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InstallRoots {
  /** Where policy-rc.d goes (/usr/sbin). */
  sbin: string;
  /** Folders of systemd units and SysV init scripts. */
  unitDirs: string[];
  initDir: string;
}

export const SYSTEM_ROOTS: InstallRoots = {
  sbin: '/usr/sbin',
  unitDirs: ['/lib/systemd/system', '/usr/lib/systemd/system'],
  initDir: '/etc/init.d',
};

const POLICY = '#!/bin/sh\n# Written by censorprobe while it installs the lab\'s packages: start no service.\nexit 101\n';

/** Service names (unit files without `.service`, and init scripts) present now. */
export function installedServices(roots: InstallRoots = SYSTEM_ROOTS): Set<string> {
  const out = new Set<string>();
  for (const dir of roots.unitDirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.service') && !f.includes('@')) out.add(f.slice(0, -'.service'.length));
  }
  if (existsSync(roots.initDir)) for (const f of readdirSync(roots.initDir)) if (!f.startsWith('.') && f !== 'README') out.add(f);
  return out;
}

/** Forbids service starts until the returned function is called; an existing policy is kept as is. */
export function forbidServiceStarts(roots: InstallRoots = SYSTEM_ROOTS): () => void {
  const file = join(roots.sbin, 'policy-rc.d');
  if (existsSync(file)) return () => undefined;
  writeFileSync(file, POLICY, { mode: 0o755 });
  return () => rmSync(file, { force: true });
}

export type Runner = (cmd: string, args: string[]) => number | null;
const spawnRunner: Runner = (cmd, args) => spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] }).status;

/**
 * Stops and disables each service in `added` (systemd when it runs, else SysV links); returns the
 * ones handled.
 */
export function disableServices(added: readonly string[], run: Runner = spawnRunner, systemd = existsSync('/run/systemd/system')): string[] {
  for (const name of added) {
    if (systemd) {
      run('systemctl', ['disable', '--now', `${name}.service`]);
    } else {
      run('update-rc.d', [name, 'disable']);
      run('invoke-rc.d', [name, 'stop']);
    }
  }
  return [...added];
}

/** Runs `install` with service starts forbidden, then disables the services it added. */
export function installQuietly(install: () => void, log: (line: string) => void, o: { roots?: InstallRoots; run?: Runner; systemd?: boolean } = {}): string[] {
  const roots = o.roots ?? SYSTEM_ROOTS;
  const before = installedServices(roots);
  const allow = forbidServiceStarts(roots);
  let added: string[] = [];
  try {
    install();
  } finally {
    // Also after a failed install: what it did unpack must not stay enabled.
    allow();
    added = [...installedServices(roots)].filter((s) => !before.has(s)).sort();
    if (added.length > 0) {
      disableServices(added, o.run, o.systemd);
      log(`lab: the packages added these services; they were not started and are now disabled: ${added.join(', ')}`);
    }
  }
  return added;
}
