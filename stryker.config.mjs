// @ts-check
/**
 * Mutation testing (`npm run test:mutation`): StrykerJS mutates the modules where a silent break hurts most and
 * runs, per mutant, only the tests that reach it (vitest.mutation.config.ts). Reports: reports/mutation/.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', pool: 'forks' },
  mutate: [
    'src/security/**/*.ts',
    'src/files/signer.ts',
    'src/files/download.ts',
    'src/http/errors.ts',
    'src/http/problem.ts',
    'src/http/pipeline.ts',
    'src/backend/resilience*.ts',
    'src/backend/rpc/client.ts',
  ],
  coverageAnalysis: 'perTest',
  // A static mutant (one only hit while a module loads) needs every test run again in a fresh process: about
  // 4½ minutes each here, 85% of the run for 30% of the mutants. They are skipped.
  ignoreStatic: true,
  // Mutants whose code and tests are unchanged since the last run keep their result (reports/ is not committed: the
  // file is this machine's, and a fresh clone starts a full run).
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  // Two test runners: a 2-core machine that also runs other work.
  concurrency: 2,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'data', 'coverage', 'reports'],
  cleanTempDir: 'always',
  // break: just under the score reached over the modules measured (why, the figures per module, the date and the
  // modules not measured: docs/testing.md, "Mutation testing"); raise it as survivors get their tests.
  thresholds: { high: 80, low: 60, break: 66 },
};
