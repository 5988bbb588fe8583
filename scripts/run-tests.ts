/**
 * `npm test`: every suite in order — the vitest suites (unit, integration against SQLite/PostgreSQL/Redis,
 * conformance), the browser end-to-end suite, newman against the generated Postman collection, and the canary
 * rollout scenarios (HAProxy, Prometheus) — then one
 * closing line `tests: N passed, N failed, N skipped` over all of them. Exit code ≠ 0 when anything failed.
 * `npm test -- <vitest filters>` runs only the main vitest suite with those filters.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/spec.js';

interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

const reports = path.join(ROOT, 'reports/tests');
mkdirSync(reports, { recursive: true });

function vitest(name: string, args: string[]): Totals & { ok: boolean } {
  const out = path.join(reports, `${name}.json`);
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (!existsSync(out)) return { ok: false, passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; success: boolean };
  return { ok: run.status === 0, passed: r.numPassedTests, failed: r.numFailedTests + (run.status === 0 ? 0 : r.numFailedTests === 0 ? 1 : 0), skipped: r.numPendingTests + r.numTodoTests };
}

function script(file: string): Totals & { ok: boolean } {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), file], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  // A script suite counts as one test, pass or fail, unless it writes its own totals next to it.
  const totalsFile = path.join(reports, `${path.basename(file, '.ts')}.totals.json`);
  if (existsSync(totalsFile)) {
    const t = JSON.parse(readFileSync(totalsFile, 'utf8')) as Totals;
    return { ok: run.status === 0, ...t, failed: t.failed + (run.status === 0 || t.failed > 0 ? 0 : 1) };
  }
  return { ok: run.status === 0, passed: run.status === 0 ? 1 : 0, failed: run.status === 0 ? 0 : 1, skipped: 0 };
}

const filters = process.argv.slice(2);
const suites: [string, () => Totals & { ok: boolean }][] = filters.length
  ? [['vitest', () => vitest('filtered', filters)]]
  : [
      ['unit + integration + conformance (vitest)', () => vitest('main', [])],
      ...(existsSync(path.join(ROOT, 'vitest.e2e.config.ts')) ? [['browser end-to-end (vitest + Chromium)', () => vitest('e2e', ['--config', 'vitest.e2e.config.ts'])] as [string, () => Totals & { ok: boolean }]] : []),
      ...(existsSync(path.join(ROOT, 'scripts/newman.ts')) ? [['newman (Postman collection)', () => script('scripts/newman.ts')] as [string, () => Totals & { ok: boolean }]] : []),
      ...(existsSync(path.join(ROOT, 'vitest.canary.config.ts')) ? [['canary rollout (HAProxy, Prometheus, PostgreSQL, Redis)', () => vitest('canary', ['--config', 'vitest.canary.config.ts'])] as [string, () => Totals & { ok: boolean }]] : []),
    ];

const total: Totals = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [];
for (const [name, run] of suites) {
  console.log(`\n### ${name}`);
  const r = run();
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
  lines.push(`${r.ok ? 'ok  ' : 'FAIL'} ${name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
}
console.log(`\n${lines.join('\n')}`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 ? 1 : 0;
