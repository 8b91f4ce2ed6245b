// The house rule on imports (RULES.md, docs): commands -> probe -> dns/net/control -> observations,
// and the analysis and the reports never reach the measuring code. This walks every import of src/
// (type-only imports too: a type drags its module's design along) so a change that breaks the rule
// fails here, whoever makes it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

// `import ... from '...'`, `export ... from '...'`, `import '...'` and `import('...')`.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The relative imports of a source file, as paths of src/ files. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
    const path = existsSync(target) ? target : join(target, 'index.ts');
    out.push(path);
  }
  return out;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(SRC, f).split('\\').join('/');

/** Every file reachable from `from`, with the chain of imports that reaches it. */
function reachable(from: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[from, [from]]]);
  const queue = [from];
  while (queue.length > 0) {
    const f = queue.shift()!;
    for (const g of graph.get(f) ?? []) {
      if (seen.has(g)) continue;
      seen.set(g, [...seen.get(f)!, g]);
      queue.push(g);
    }
  }
  return seen;
}

/** Chains from files under `from` to files under any of `banned` (folders or files of src/). */
function violations(from: string[], banned: string[]): string[] {
  const inside = (f: string, places: string[]) => places.some((p) => rel(f) === p || rel(f).startsWith(`${p}/`));
  const out: string[] = [];
  for (const f of files.filter((x) => inside(x, from))) {
    for (const [g, chain] of reachable(f)) if (inside(g, banned)) out.push(chain.map(rel).join(' -> '));
  }
  return out;
}

const MEASURING = ['probe', 'dns', 'net', 'control'];
const ENTRY = ['commands', 'cli.ts', 'lab'];

describe('imports flow one way', () => {
  it('reads the imports of a file, type-only, re-exports and dynamic ones included', () => {
    const file = join(SRC, 'report', 'x.ts');
    const text = "import type { A } from '../record.js';\nexport { b } from './run-folder/index.js';\nconst c = await import('../net/guard.js');\nimport { d } from 'node:fs';";
    expect(importsOf(file, text).map(rel)).toEqual(['record.ts', 'report/run-folder/index.ts', 'net/guard.ts']);
  });

  it('finds a forbidden import when there is one (the check can fail)', () => {
    graph.set(join(SRC, 'report', 'planted.ts'), [join(SRC, 'report', 'summary.ts'), join(SRC, 'probe', 'run.ts')]);
    files.push(join(SRC, 'report', 'planted.ts'));
    try {
      expect(violations(['report'], MEASURING)).toContain('report/planted.ts -> probe/run.ts');
    } finally {
      graph.delete(join(SRC, 'report', 'planted.ts'));
      files.pop();
    }
  });

  it('the analysis and the reports import nothing of the measuring code, not even through another module', () => {
    expect(violations(['analysis', 'report'], [...MEASURING, ...ENTRY])).toEqual([]);
  });

  it("the record's schema and the shared helpers at the bottom import nothing above them", () => {
    expect(violations(['observations.ts', 'record.ts', 'stats.ts', 'address.ts', 'ip.ts', 'special-addresses.ts', 'errors.ts'], [...MEASURING, ...ENTRY, 'report', 'lists', 'isp'])).toEqual([]);
  });

  it('the measuring steps import neither the probe, the reports nor the commands', () => {
    expect(violations(['dns', 'net', 'control'], ['probe', 'report', ...ENTRY])).toEqual([]);
  });

  it('no module imports itself through others (no import cycles)', () => {
    const inCycle = (f: string) => (graph.get(f) ?? []).some((g) => g !== f && reachable(g).has(f));
    expect(files.filter(inCycle).map(rel)).toEqual([]);
    // The check can fail: a planted pair that import each other is found.
    const [a, b] = [join(SRC, 'isp', 'planted-a.ts'), join(SRC, 'isp', 'planted-b.ts')];
    graph.set(a, [b]).set(b, [a]);
    try {
      expect(inCycle(a)).toBe(true);
    } finally {
      graph.delete(a);
      graph.delete(b);
    }
  });

  it("the pure layers' unit tests build their input themselves, never with the measuring code", () => {
    // A test of the analysis or the reports that calls the probe tests the probe too, and hides a
    // pure function's dependence on it. Lab tests (*.lab.test.ts) run the whole probe on purpose.
    const TEST = resolve(import.meta.dirname);
    const tests = ['analysis', 'report'].flatMap((d) => sourceFiles(join(TEST, d))).filter((f) => !f.endsWith('.lab.test.ts'));
    const measuring = (g: string) => MEASURING.some((p) => rel(g).startsWith(`${p}/`));
    const found = tests.flatMap((f) => importsOf(f).filter(measuring).map((g) => `${relative(TEST, f)} -> ${rel(g)}`));
    expect(found).toEqual([]);
    // The check can fail: a planted test importing the probe is found.
    expect(importsOf(join(TEST, 'report', 'x.test.ts'), "import { a } from '../../src/probe/record-entry.js';").filter(measuring).map(rel)).toEqual(['probe/record-entry.ts']);
  });

  it('nothing but the commands and the CLI imports the commands', () => {
    const importers = files.filter((f) => !rel(f).startsWith('commands/') && rel(f) !== 'cli.ts' && (graph.get(f) ?? []).some((g) => rel(g).startsWith('commands/')));
    expect(importers.map(rel)).toEqual([]);
  });
});
