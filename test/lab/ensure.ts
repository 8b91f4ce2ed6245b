// Setup file of the lab project: before each lab test file, the default lab is up (brought up once
// when missing or when an earlier file left another configuration). Failing to come up fails the file.
import path from 'node:path';
import { beforeAll } from 'vitest';
import { labStatus, labUp, readEndpoints } from '../../src/lab/index.js';
import { defaultScenarios } from '../../src/lab/paths.js';

beforeAll(async () => {
  if ((await labStatus()).up) {
    const e = readEndpoints();
    if (!e.intercept && path.resolve(e.scenarios) === path.resolve(defaultScenarios)) return;
  }
  const e = await labUp({});
  console.log(`censorprobe lab up in ${(e.up_ms / 1000).toFixed(1)} s (endpoints in ${e.state_dir}/endpoints.json)`);
}, 180_000);
