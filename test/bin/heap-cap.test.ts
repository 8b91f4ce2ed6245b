// bin/censorprobe.js starts node with a heap cap through its `#!/usr/bin/env -S node ...` line: the
// kernel runs the shebang, so this executes the file itself, as npm's bin link does.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shippedArgs, shippedNodeFlags } from '../../bench/probe-process.js';

const run = promisify(execFile);
const bin = new URL('../../bin/censorprobe.js', import.meta.url);

describe('bin/censorprobe.js', () => {
  it('starts node with the heap cap written on its first line', async () => {
    const flags = shippedNodeFlags();
    const cap = Number(/^--max-old-space-size=(\d+)$/.exec(flags[0] ?? '')?.[1]);
    expect(cap).toBeGreaterThanOrEqual(128);
    // A copy of the launcher beside a dist/cli.js that reports the heap limit it runs under.
    const dir = mkdtempSync(join(tmpdir(), 'cp-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      mkdirSync(join(dir, 'dist'));
      copyFileSync(bin, join(dir, 'bin', 'censorprobe.js'));
      chmodSync(join(dir, 'bin', 'censorprobe.js'), 0o755);
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'dist', 'cli.js'), "import v8 from 'node:v8';\nconsole.log(v8.getHeapStatistics().heap_size_limit);\n");
      const { stdout } = await run(join(dir, 'bin', 'censorprobe.js'), [], { env: { ...process.env, NODE_OPTIONS: '' } });
      const limitMb = Number(stdout.trim()) / 1024 / 1024;
      // The limit covers old space plus the young generation: a little above the cap, far below V8's default.
      expect(limitMb).toBeGreaterThanOrEqual(cap);
      expect(limitMb).toBeLessThan(cap + 64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the benchmark runs the probe with the same flags and the compiled CLI', () => {
    const args = shippedArgs(['--import', 'tsx', '/x/src/cli.ts', 'run', '--list', 'l.csv'], false);
    expect(args).toEqual([...shippedNodeFlags(), '/x/dist/cli.js', 'run', '--list', 'l.csv']);
    expect(shippedArgs(['--import', 'tsx', '/x/src/cli.ts', 'run'], true)).toEqual(['--import', 'tsx', '/x/src/cli.ts', 'run']);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env -S node --max-old-space-size=')).toBe(true);
  });
});
