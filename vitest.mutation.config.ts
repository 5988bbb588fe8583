/**
 * The vitest run behind `npm run test:mutation` (StrykerJS, stryker.config.mjs): the suites that exercise the
 * mutated modules through their real interfaces in this process, in a few seconds each. Left out: suites that
 * start processes or a browser (a mutant lives in this process; a child would never see it) and suites that wait
 * out real timeouts or seconds of load (each surviving mutant would pay that again).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/security/{authenticate,cors,headers,method-guard,rate-limit,tenancy}.test.ts',
      'test/files/{signer,urls,download,range,app}.test.ts',
      'test/http/{problems,pipeline,refusals,redis-down}.test.ts',
      'test/resilience/{pipeline,attempt-signal}.test.ts',
    ],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One worker runs every file of a mutant's run: the app's modules load once per run, not once per file.
    isolate: false,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
