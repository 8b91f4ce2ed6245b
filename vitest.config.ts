import { defineConfig } from 'vitest/config';

// Two projects: unit tests run in parallel, no network but loopback; lab tests share one simulated
// ISP per machine (network namespaces), brought up once by the global setup, one file at a time.
const LAB = ['test/**/*.lab.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: LAB },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          include: LAB,
          globalSetup: ['test/lab/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
        },
      },
    ],
  },
});
