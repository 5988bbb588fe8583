/**
 * `npm run lint:spec [file…]`: Redocly lint (recommended-strict + this API's rules in redocly.yaml) with zero
 * warnings allowed. Telemetry off; runs offline.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib/spec.js';

export interface LintResult {
  ok: boolean;
  errors: number;
  warnings: number;
  rules: string[];
  output: string;
}

export function lintSpec(files: string[] = [], configPath = path.join(ROOT, 'redocly.yaml')): LintResult {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', ...files, '--config', configPath, '--format', 'json', '--max-problems', '1000'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } },
  );
  // One JSON report per API in redocly.yaml, concatenated: `{…}{…}`.
  let problems: { ruleId: string; severity: string; message: string; location?: { pointer?: string; source?: { ref?: string } }[] }[] = [];
  try {
    const start = run.stdout.indexOf('{');
    const reports = JSON.parse(`[${run.stdout.slice(start).trim().replace(/\}\s*\{/g, '},{')}]`) as { problems: typeof problems }[];
    problems = reports.flatMap((r) => r.problems);
  } catch {
    return { ok: false, errors: 1, warnings: 0, rules: ['lint-crashed'], output: run.stdout + run.stderr };
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.filter((p) => p.severity === 'warn').length;
  const output = problems
    .map((p) => `${p.severity.toUpperCase()} ${p.ruleId}: ${p.message}\n    at ${p.location?.[0]?.source?.ref ?? ''}${p.location?.[0]?.pointer ?? ''}`)
    .join('\n');
  return { ok: errors === 0 && warnings === 0 && run.status === 0, errors, warnings, rules: [...new Set(problems.map((p) => p.ruleId))], output };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = lintSpec(process.argv.slice(2));
  if (result.output) console.error(result.output);
  if (!result.ok) {
    console.error(`\nlint:spec failed: ${result.errors} error(s), ${result.warnings} warning(s) (zero of both allowed).`);
    process.exitCode = 1;
  } else {
    console.log('lint:spec: no errors, no warnings.');
  }
}
