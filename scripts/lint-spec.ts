/**
 * `npm run lint:spec [file…]`: two linters, zero errors and zero warnings allowed from either. Telemetry off;
 * runs offline.
 * - Redocly (recommended-strict + this API's rules in redocly.yaml), on both contracts of redocly.yaml.
 * - Spectral (.spectral.yaml: the OWASP API Security Top 10 2023 ruleset, Spectral's OpenAPI rules and the
 *   contract's lifecycle rules), on the public contract. Waivers live in .spectral.yaml as overrides for exact
 *   places, each with a one-line reason in a comment above it: a waiver without a reason, or one whose place is
 *   gone from the spec, fails the lint too.
 * - The lifecycle checks across the contract (scripts/lib/deprecation.ts): a sunset after its deprecation, and a
 *   documented 410 wherever a sunset can make one.
 * With files, each is linted as if it were openapi/openapi.yaml (tests lint edited copies of the contract, and
 * the waivers' places are written for that file).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { lifecycleProblems } from './lib/deprecation.js';
import { ROOT, SPEC_PATH, type SpecDoc } from './lib/spec.js';

export const SPECTRAL_RULESET = path.join(ROOT, '.spectral.yaml');

export interface LintResult {
  ok: boolean;
  errors: number;
  warnings: number;
  rules: string[];
  output: string;
}

interface Problem {
  linter: 'redocly' | 'spectral' | 'waivers' | 'lifecycle';
  severity: 'error' | 'warn' | 'info' | 'hint';
  rule: string;
  message: string;
  at: string;
}

function redocly(files: string[], configPath: string): Problem[] {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', ...files, '--config', configPath, '--format', 'json', '--max-problems', '1000'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } },
  );
  // One JSON report per API in redocly.yaml, concatenated: `{…}{…}`.
  type RedoclyProblem = { ruleId: string; severity: string; message: string; location?: { pointer?: string; source?: { ref?: string } }[] };
  try {
    const start = run.stdout.indexOf('{');
    const reports = JSON.parse(`[${run.stdout.slice(start).trim().replace(/\}\s*\{/g, '},{')}]`) as { problems: RedoclyProblem[] }[];
    const problems = reports.flatMap((r) => r.problems);
    if (run.status !== 0 && problems.length === 0) throw new Error('failed without problems');
    return problems.map((p) => ({
      linter: 'redocly',
      severity: p.severity === 'error' ? 'error' : 'warn',
      rule: p.ruleId,
      message: p.message,
      at: `${p.location?.[0]?.source?.ref ?? ''}${p.location?.[0]?.pointer ?? ''}`,
    }));
  } catch {
    return [{ linter: 'redocly', severity: 'error', rule: 'lint-crashed', message: (run.stdout + run.stderr).slice(0, 2000), at: '' }];
  }
}

const SPECTRAL_SEVERITY = ['error', 'warn', 'info', 'hint'] as const;

/** Spectral on one document's text, presented as the contract itself so the waivers' places apply. */
function spectral(text: string, shownAs: string, ruleset: string): Problem[] {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/@stoplight/spectral-cli/dist/index.js'), 'lint', '--stdin-filepath', SPEC_PATH, '--ruleset', ruleset, '--format', 'json', '--quiet', '--fail-severity', 'error'],
    { cwd: ROOT, encoding: 'utf8', input: text, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
  );
  type SpectralResult = { code: string; message: string; severity: number; path: (string | number)[] };
  let results: SpectralResult[];
  try {
    results = JSON.parse(run.stdout) as SpectralResult[];
  } catch {
    return [{ linter: 'spectral', severity: 'error', rule: 'lint-crashed', message: (run.stdout + run.stderr).slice(0, 2000), at: '' }];
  }
  return results.map((r) => ({
    linter: 'spectral',
    severity: SPECTRAL_SEVERITY[r.severity] ?? 'error',
    rule: r.code,
    message: r.message,
    at: `${shownAs}#/${r.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
  }));
}

/** Resolves a JSON Pointer as written in an override (`#/paths/~1v1~1jobs/get`, percent-encoded) in a document. */
function resolvePointer(doc: unknown, pointer: string): unknown {
  return decodeURIComponent(pointer)
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

/** Every waiver (override) in the ruleset has a reason, and every place it names exists in the linted spec. */
export function checkWaivers(ruleset: string, specText: string): Problem[] {
  const doc = YAML.parseDocument(readFileSync(ruleset, 'utf8'));
  const spec = YAML.parse(specText) as unknown;
  const overrides = doc.get('overrides', true);
  const problems: Problem[] = [];
  if (!YAML.isSeq(overrides)) return problems;
  overrides.items.forEach((item, i) => {
    const node = item as YAML.YAMLMap;
    // The yaml parser hands the comment above a sequence's first item to the sequence itself.
    const reason = (node.commentBefore ?? (i === 0 ? overrides.commentBefore : undefined) ?? '').trim();
    const files = (node.toJSON() as { files?: string[] }).files ?? [];
    const at = `${path.relative(ROOT, ruleset)}#/overrides/${i}`;
    if (!reason) problems.push({ linter: 'waivers', severity: 'error', rule: 'waiver-has-reason', message: `the waiver for ${files.join(', ')} has no one-line reason (a comment right above it)`, at });
    for (const f of files) {
      const [file, pointer] = f.split('#') as [string, string | undefined];
      if (path.resolve(path.dirname(ruleset), file) !== SPEC_PATH) {
        problems.push({ linter: 'waivers', severity: 'error', rule: 'waiver-names-a-place', message: `a waiver must name a place in openapi/openapi.yaml, not ${f}`, at });
      } else if (pointer === undefined || resolvePointer(spec, pointer) === undefined) {
        problems.push({ linter: 'waivers', severity: 'error', rule: 'waiver-names-a-place', message: `${f}: no such place in the spec (remove the stale waiver)`, at });
      }
    }
  });
  return problems;
}

export function lintSpec(files: string[] = [], configPath = path.join(ROOT, 'redocly.yaml'), ruleset = SPECTRAL_RULESET): LintResult {
  const problems: Problem[] = [...redocly(files, configPath)];
  for (const file of files.length > 0 ? files : [SPEC_PATH]) {
    const text = readFileSync(file, 'utf8');
    const shownAs = path.relative(ROOT, file);
    problems.push(
      ...spectral(text, shownAs, ruleset),
      ...checkWaivers(ruleset, text),
      ...lifecycleProblems(YAML.parse(text) as SpecDoc).map((p): Problem => ({ linter: 'lifecycle', severity: 'error', rule: 'lifecycle-sunset', message: p.message, at: `${shownAs}${p.at}` })),
    );
  }
  const failing = problems.filter((p) => p.severity === 'error' || p.severity === 'warn');
  const errors = failing.filter((p) => p.severity === 'error').length;
  const output = problems.map((p) => `${p.severity.toUpperCase()} ${p.linter} ${p.rule}: ${p.message}\n    at ${p.at}`).join('\n');
  return { ok: failing.length === 0, errors, warnings: failing.length - errors, rules: [...new Set(problems.map((p) => p.rule))], output };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = lintSpec(process.argv.slice(2));
  if (result.output) console.error(result.output);
  if (!result.ok) {
    console.error(`\nlint:spec failed: ${result.errors} error(s), ${result.warnings} warning(s) (zero of both allowed; waive a rule that does not fit in .spectral.yaml, for its exact place, with a reason).`);
    process.exitCode = 1;
  } else {
    console.log('lint:spec: Redocly and Spectral (OWASP API Top 10 2023): no errors, no warnings.');
  }
}
