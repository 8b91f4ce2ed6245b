// The workflows are checked against SchemaStore's GitHub workflow schema (as bundled by
// @action-validator/core) and against our own rules: SHA-pinned actions, least permissions, timeouts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { validateWorkflow } = require('@action-validator/core') as typeof import('@action-validator/core');

const read = (name: string) => readFileSync(new URL(`../../.github/workflows/${name}`, import.meta.url), 'utf8');
const ci = read('ci.yml');
const probe = read('probe.yml');

/** `job name → its text`, from the two-space-indented keys under `jobs:`. */
function jobs(text: string): Map<string, string> {
  const body = text.slice(text.indexOf('\njobs:\n') + 7);
  const out = new Map<string, string>();
  for (const part of body.split(/\n(?=  [a-z][\w-]*:\n)/)) {
    const name = /^  ([a-z][\w-]*):/.exec(part)?.[1];
    if (name !== undefined) out.set(name, part);
  }
  return out;
}

describe('workflow files', () => {
  it('validate against the GitHub workflow schema', () => {
    for (const text of [ci, probe]) expect(validateWorkflow(text).errors).toEqual([]);
  });

  it('the validator does reject a broken workflow', () => {
    const broken = ci.replace('    runs-on: ubuntu-24.04\n', '').replace(/timeout-minutes: \d+/, 'timeout-minutes: soon');
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('pin every action by a full commit SHA with its tag in a comment', () => {
    for (const text of [ci, probe]) {
      const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(1);
      for (const [, ref, rest] of uses) {
        expect(ref, ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        expect(rest, ref).toMatch(/# v\d+\.\d+\.\d+/);
      }
    }
  });

  it('grant contents: read at the top and write only to the job that commits', () => {
    for (const text of [ci, probe]) expect(text).toMatch(/^permissions:\n  contents: read\n/m);
    expect(ci).not.toContain('write');
    const writers = [...jobs(probe)].filter(([, t]) => /contents: write/.test(t)).map(([n]) => n);
    expect(writers).toEqual(['publish-summary']);
    expect(jobs(probe).get('publish-summary')).toContain('git push');
  });

  it('run the CI entry point in the Debian it is written for, with the rights the lab needs', () => {
    const test = jobs(ci).get('test')!;
    expect(test).toMatch(/\n    container:\n      image: debian:bookworm\n      options: --privileged\n/);
    expect(test).toMatch(/\n        run: bash \.ci\/run\n/);
  });

  it('give every job a timeout', () => {
    for (const text of [ci, probe]) {
      const all = jobs(text);
      expect(all.size).toBeGreaterThan(0);
      for (const [name, t] of all) expect(t, name).toMatch(/\n    timeout-minutes: \d+\n/);
    }
  });

  it('ci runs the README test command on push and pull request', () => {
    expect(ci).toMatch(/^on:\n  push:\n  pull_request:\n/m);
    expect(ci).toMatch(/^        run: bash \.ci\/run$/m);
    const run = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(run).toMatch(/^npm ci\b/m);
    expect(run).toMatch(/^npm test\b/m);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme.split('\n').slice(0, 10).join('\n')).toMatch(/^bash \.ci\/run\b/m);
  });

  it('probe runs on a schedule and by hand, on the self-hosted Greek runner, with --accept, and keeps the report', () => {
    expect(probe).toMatch(/^  schedule:\n    - cron: '[^']+'/m);
    expect(probe).toContain('  workflow_dispatch:');
    const job = jobs(probe).get('probe') ?? '';
    expect(job).toContain('runs-on: [self-hosted, censorprobe-gr]');
    expect(job).toMatch(/censorprobe run --accept /);
    expect(job).toMatch(/upload-artifact@[0-9a-f]{40}[^\n]*\n(?:.*\n)*?\s+retention-days: \d+/);
  });

  it('ci tests every supported Node line, the ones package.json engines names', () => {
    const matrix = /matrix:\n\s+node: \[([^\]]+)\]/.exec(ci)?.[1]?.split(',').map((v) => v.trim());
    expect(matrix).toEqual(['20', '22', '24']);
    expect(ci).toContain('node-version: ${{ matrix.node }}');
    const engines = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;
    for (const major of matrix ?? []) expect(engines).toMatch(new RegExp(`(\\^|>=)${major}\\.`));
  });

  it('probe alerts on confirmed changes by failing visibly after the run, from the history store', () => {
    const job = jobs(probe).get('probe') ?? '';
    const measure = job.indexOf('censorprobe run --accept');
    const alert = job.indexOf('censorprobe history changes --last 2 --confirm 2 --fail-on-change');
    expect(measure).toBeGreaterThan(0);
    expect(alert).toBeGreaterThan(measure);
    expect(job.match(/CENSORPROBE_STORE: \$\{\{ secrets\.CENSORPROBE_STORE \}\}/g)).toHaveLength(2);
  });

  it('probe passes the control token by environment, never as a flag other users can read', () => {
    const job = jobs(probe).get('probe') ?? '';
    expect(job).toMatch(/\n\s+CENSORPROBE_CONTROL_TOKEN: \$\{\{ secrets\.CENSORPROBE_CONTROL_TOKEN \}\}/);
    expect(job).not.toContain('--control-token');
  });
});
