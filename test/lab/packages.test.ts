import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labPackages } from '../../src/lab/packages.js';
import { missingPackages } from '../../src/lab/preflight.js';
import { LabMissingPackageError } from '../../src/lab/errors.js';
import { repoRoot } from '../../src/lab/paths.js';

describe('the lab packages', () => {
  it('are all installed by CI', () => {
    const file = path.join(repoRoot, '.ci', 'debian-packages.txt');
    expect(existsSync(file), file).toBe(true);
    const ci = new Set(readFileSync(file, 'utf8').split(/\s+/).filter(Boolean));
    expect(labPackages.filter((p) => !ci.has(p))).toEqual([]);
  });

  it('are installed here, or the error names the missing ones', () => {
    const missing = missingPackages();
    expect(missing, new LabMissingPackageError(missing).message).toEqual([]);
    const err = new LabMissingPackageError(['python3-unbound']);
    expect(err.code).toBe('CP_LAB_PACKAGE');
    expect(err.message).toContain('python3-unbound');
    expect(err.hint).toContain('apt-get install');
  });
});
