/**
 * `npm run test:e2e`: the browser end-to-end suites (test/e2e) in Debian's Chromium via playwright-core. One file
 * at a time: each drives a real browser, and the machine has two cores.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
