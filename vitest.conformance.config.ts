/**
 * `npm run test:conformance`: the spec-driven suite (test/conformance/). Its own config so it runs as one CI step
 * with its own budget, apart from `npm test`. Files run one after another: each starts its own server and the
 * machine has two cores.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
