// No Docker engine runs here, so the Dockerfile is linted (dockerfile-utils, the validator of the
// VS Code Docker extension) and its runtime stage is replayed in a clean directory: the same
// files copied, `npm ci --omit=dev` (offline, from npm's cache), and the CLI started from there.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions per stage name (continuation lines joined, comments dropped). */
function stages(text: string): Map<string, Instruction[]> {
  const out = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  const joined = text.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  for (const line of joined) {
    const [, keyword = '', args = ''] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      current = [];
      out.set(/\sAS\s+(\S+)/i.exec(args)?.[1] ?? String(out.size), current);
    }
    current.push({ keyword: keyword.toUpperCase(), args: args.trim() });
  }
  return out;
}

const runtime = stages(dockerfile).get('runtime') ?? [];
const build = stages(dockerfile).get('build') ?? [];
/** The value of `ARG NAME=value` before the first stage. */
const arg = (name: string) => new RegExp(`^ARG\\s+${name}=(\\S+)`, 'm').exec(dockerfile)?.[1] ?? '';

describe('Dockerfile', () => {
  it('has no lint problems', () => {
    expect(validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the linter does find problems in a bad Dockerfile', () => {
    expect(validate('FROM node:20-bookworm-slim\nMAINTAINER x\nEXPOSE port\nENTRYPOINT [\'node\']\n').length).toBeGreaterThan(1);
  });

  it('builds on the current Node LTS (24) slim in stages and runs as a non-root user with the CLI as entrypoint', () => {
    const all = stages(dockerfile);
    expect(all.size).toBeGreaterThanOrEqual(2);
    expect(arg('NODE_IMAGE')).toMatch(/^node:24[\w.-]*-slim(@sha256:[0-9a-f]{64})?$/);
    for (const stage of all.values()) expect(stage[0]?.args).toMatch(/^\$\{NODE_IMAGE\}\s/);
    const last = (k: string) => runtime.filter((i) => i.keyword === k).at(-1)?.args ?? '';
    expect(last('USER')).not.toMatch(/^(root|0)$/);
    expect(last('USER')).not.toBe('');
    expect(last('ENTRYPOINT')).toMatch(/^\[\s*"node",\s*"[^"]*bin\/censorprobe\.js"\s*\]$/);
    expect(runtime.some((i) => i.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'VOLUME' && i.args.includes('/reports'))).toBe(true);
  });

  it('makes the default output folder the volume, owned by the image user, and exposes the control port', () => {
    const setup = runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');
    // `run` without --out writes reports/<UTC>/ under WORKDIR /app: that must reach /reports.
    expect(runtime.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args).toBe('/app');
    expect(setup).toMatch(/ln -s \/reports \/app\/reports/);
    expect(setup).toMatch(/chown node:node \/reports/);
    expect(runtime.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
    expect(runtime.some((i) => i.keyword === 'EXPOSE' && /^8080\b/.test(i.args))).toBe(true);
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    expect(readme).toMatch(/writable by uid 1000/);
  });

  it('stops the build at npm ci when the install or its build step fails', () => {
    const install = build.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))?.args ?? '';
    // npm can exit 0 after a failed step: the product itself is checked in the same RUN.
    expect(install).toMatch(/npm ci\b.*&&\s*test -f dist\/cli\.js/);
  });

  it('keeps node_modules, .git and reports out of the build context', () => {
    const ignore = readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['**/node_modules', '.git', 'reports', '.lab', 'dist']) expect(ignore, p).toContain(p);
    // What the Dockerfile copies must not be ignored.
    for (const p of ['src', 'bin', 'lists', 'data', 'package.json', 'package-lock.json']) expect(ignore, p).not.toContain(p);
  });

  describe('the runtime stage replayed in a clean directory', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cp-docker-'));
    const build = join(tmp, 'build');
    const app = join(tmp, 'app');
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('installs only production dependencies and runs the CLI', { timeout: 600_000 }, async () => {
      // The build stage's output: other engineers' in-progress files may carry type errors, which
      // `npm test` reports; here only the emitted JavaScript matters.
      await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(build, 'dist')], { cwd: repo }).catch(() => undefined);
      expect(existsSync(join(build, 'dist', 'cli.js'))).toBe(true);

      for (const { keyword, args } of runtime) {
        if (keyword === 'COPY') {
          const words = args.split(/\s+/);
          const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
          const paths = words.filter((w) => !w.startsWith('--'));
          const dest = paths.pop() ?? '';
          for (const src of paths) {
            const source = from === undefined ? join(repo, src) : join(build, src.replace(/^\/app\//, ''));
            const target = dest.endsWith('/') ? join(app, dest, src.split('/').at(-1) ?? '') : join(app, dest);
            cpSync(source, target, { recursive: true });
          }
        } else if (keyword === 'RUN' && /\bnpm ci\b/.test(args) && /--omit=dev/.test(args)) {
          // As in the image, but from npm's cache (no network here) and without cleaning that cache.
          await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { cwd: app }).catch(async () =>
            run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app }),
          );
        }
      }
      for (const dev of ['vitest', 'typescript', 'tsx', '@action-validator/core', '@ip-location-db/asn', 'exceljs']) {
        expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
      }
      for (const prod of ['undici', 'commander', 'unpdf', 'mmdb-lib']) expect(existsSync(join(app, 'node_modules', prod)), prod).toBe(true);

      const { stdout } = await run('node', ['bin/censorprobe.js', '--help'], { cwd: app });
      expect(stdout).toMatch(/^Usage: censorprobe/m);
      for (const command of ['lists', 'run', 'lab']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    });

    // The ASN table must ship in the image.
    it('ships the ASN table', async () => {
      expect(dockerfile).toMatch(/^COPY\s+data\b/m);
      const { stdout } = await run('node', ['--input-type=module', '-e', "import('./dist/isp/asn.js').then((m) => console.log(m.asnOf('83.235.64.20')?.asn))"], { cwd: app });
      expect(stdout.trim()).toBe('6799');
    });
  });
});
