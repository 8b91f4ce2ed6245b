#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds it through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('censorprobe: dist/cli.js is missing; run `npm ci` or `npm run build` in the package folder first.');
  process.exitCode = 1;
} else {
  await import(compiled.href);
}
