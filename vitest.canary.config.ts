/**
 * `npm run test:canary`: the canary rollout scenarios (test/canary) on the real HAProxy, Prometheus, PostgreSQL and
 * Redis, each under minutes of paced load. Their own suite, one file at a time and after the main suite, so the
 * latencies they judge are not those of a machine also running every other test file (two cores).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/canary/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
