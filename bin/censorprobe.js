#!/usr/bin/env -S node --max-old-space-size=160 --max-semi-space-size=16
// Runs the compiled CLI; `npm ci` builds it through the `prepare` script.
// The heap cap: V8 sizes its heap by the machine's memory and collects lazily, so on a big machine a
// whole-list run would hold ~450 MB of garbage; the live set stays far below the cap
// (docs/performance.md). `node --max-old-space-size=N bin/censorprobe.js` overrides it. The young
// generation is pinned at Node 20's size: Node 24 triples it (heap limit 352 MB instead of 208 MB).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('censorprobe: dist/cli.js is missing; run `npm ci` or `npm run build` in the package folder first.');
  process.exitCode = 1;
} else {
  await import(compiled.href);
}
