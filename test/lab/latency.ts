// Measures the lab's resolver reply times from the client, as `lab up` calibrates them
// (src/lab/services/latency-probe.ts): the lab's delay ratio at this moment.
import { expect } from 'vitest';
import { median } from '../../src/lab/endpoints.js';
import type { LabEndpoints } from '../../src/lab/index.js';
import { nodeModuleCommand, repoRoot } from '../../src/lab/paths.js';
import { run } from '../../src/lab/shell.js';
import { NS } from '../../src/lab/topology.js';

export async function measureLabLatency(e: LabEndpoints) {
  const ispSpec = `udp://${e.isp_resolver}`;
  const probe = new URL('../../src/lab/services/latency-probe.ts', import.meta.url);
  const r = await run('ip', ['netns', 'exec', NS.client, ...nodeModuleCommand(probe, ['21', e.ca_file, ispSpec, ...e.foreign])], { timeoutMs: 30_000, cwd: repoRoot });
  expect(r.code, r.stderr).toBe(0);
  const samples = JSON.parse(r.stdout) as Record<string, number[]>;
  const isp = median(samples[ispSpec] ?? []);
  // Under interception port-53 "foreign" resolvers are answered by the ISP: only DoH escapes.
  const escaping = e.foreign.filter((f) => !e.intercept || f.startsWith('https:'));
  const foreign = median(escaping.map((f) => median(samples[f] ?? [])));
  const slowGap = median(samples['udp://198.18.3.54:53'] ?? []) - median(samples['udp://198.18.3.53:53'] ?? []);
  return { isp, foreign, slowGap, penalty: foreign / isp };
}
