import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Lab tests share one set of namespaces per machine: never run files in parallel with them.
    fileParallelism: false,
    reporters: ['default'],
  },
});
