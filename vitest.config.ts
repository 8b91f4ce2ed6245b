import { defineConfig } from 'vitest/config';

// Two projects: unit tests run in parallel, no network but loopback; then the lab tests, which share
// one simulated ISP per machine (network namespaces), one file at a time.
const LAB = ['test/**/*.lab.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: LAB, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          include: LAB,
          globalSetup: ['test/lab/global-setup.ts'],
          setupFiles: ['test/lab/ensure.ts'],
          // After the unit project: the lab's latency calibration wants a quiet machine.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 180_000,
        },
      },
    ],
  },
});
