// What the lab needs before it touches anything: root and its Debian packages.
import { existsSync } from 'node:fs';
import { LabMissingPackageError, LabNotRootError } from './errors.js';
import { packageProbes } from './packages.js';

export function missingPackages(): string[] {
  return [...new Set(packageProbes.filter((p) => !existsSync(p.file)).map((p) => p.pkg))];
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
