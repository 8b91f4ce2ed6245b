// What the lab needs before it touches anything: root and its Debian packages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LabMissingPackageError, LabNotRootError } from './errors.js';
import { packageProbes } from './packages.js';
import { installQuietly } from './quiet-install.js';

export function missingPackages(): string[] {
  return [...new Set(packageProbes.filter((p) => !existsSync(p.file)).map((p) => p.pkg))];
}

/**
 * As root, installs the missing Debian packages with apt-get (the offline demo's promise on a fresh
 * machine); a failure names exactly what is missing. Prints what it does on stderr.
 */
export function installMissingPackages(log: (line: string) => void = (l) => console.error(l)): void {
  const missing = missingPackages();
  if (missing.length === 0 || typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  log(`lab: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let status: number | null = null;
  // Nothing the install brings may stay running or enabled (src/lab/quiet-install.ts).
  installQuietly(() => {
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    status = update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env }).status
      : update.status;
  }, log);
  if (status !== 0 || missingPackages().length > 0) throw new LabMissingPackageError(missingPackages());
}

export function preflight(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabNotRootError('the lab needs root: it creates network namespaces and iptables rules', {
      hint: 'run it as root, e.g. `sudo npx censorprobe lab up`',
    });
  }
  const missing = missingPackages();
  if (missing.length) throw new LabMissingPackageError(missing);
}
