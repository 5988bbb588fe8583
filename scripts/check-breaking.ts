/**
 * `npm run check:breaking [base] [head]`: fails when the contract breaks its released baseline (removed
 * operation, property or enum value; new required parameter; narrowed type; changed status codes…), using Optic
 * offline (telemetry off). Base defaults to the newest baseline in openapi/released/ (v<MAJOR.MINOR.PATCH>.yaml), head
 * to openapi/openapi.yaml. Then checks the release history (checkReleases).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEVEL_RANK, baselines, diffContract, nextVersion, readYaml, stepLevel } from './lib/contract-diff.js';
import { ROOT } from './lib/spec.js';

export interface BreakingResult {
  ok: boolean;
  output: string;
}

export function checkBreaking(base: string, head: string): BreakingResult {
  // Optic writes ci-run-details.json into its working directory under CI: keep that out of the tree.
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'portal-optic-'));
  try {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@useoptic/optic/build/index.js'), 'diff', path.resolve(base), path.resolve(head), '--check'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, OPTIC_TELEMETRY_LEVEL: 'off', NO_COLOR: '1' },
      timeout: 120_000,
    });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * The released history is honest: every baseline's info.version is its file name, each release's semver step is at
 * least the level its change needed (Optic's diff against the release before: breaking → major, additive →
 * minor), and the working contract still says the newest released version (only `npm run release` moves it).
 */
export function checkReleases(releasedDir = path.join(ROOT, 'openapi/released'), spec = path.join(ROOT, 'openapi/openapi.yaml')): string[] {
  const problems: string[] = [];
  const all = baselines(releasedDir);
  for (const b of all) {
    const v = String(readYaml(b.file).info?.version ?? '');
    if (v !== b.version) problems.push(`${path.basename(b.file)} says info.version ${v}`);
  }
  for (let i = 1; i < all.length; i++) {
    const [prev, next] = [all[i - 1]!, all[i]!];
    const step = stepLevel(prev.version, next.version);
    const need = diffContract(prev.file, next.file).level;
    if (!step) problems.push(`${next.version} is not a next version of ${prev.version}`);
    else if (LEVEL_RANK[step] < LEVEL_RANK[need]) problems.push(`${next.version} was released as a ${step} release, but its change from ${prev.version} needs a ${need} one`);
  }
  const newest = all.at(-1);
  const current = String(readYaml(spec).info?.version ?? '');
  if (newest && current !== newest.version) {
    problems.push(`openapi/openapi.yaml says info.version ${current}, but the newest release is ${newest.version}: versions move only with \`npm run release -- <version>\``);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const newest = baselines().at(-1);
  if (!newest) throw new Error('no released baseline in openapi/released/');
  const base = path.resolve(process.argv[2] ?? newest.file);
  const head = path.resolve(process.argv[3] ?? path.join(ROOT, 'openapi/openapi.yaml'));
  const result = checkBreaking(base, head);
  console.log(result.output.trim());
  if (!result.ok) {
    console.error(`\ncheck:breaking: ${path.relative(ROOT, head)} breaks ${path.relative(ROOT, base)}. Make the change additive, or release a new major version (npm run release -- ${nextVersion(newest.version, 'major')}).`);
    process.exitCode = 1;
  } else {
    console.log(`\ncheck:breaking: no breaking change against ${path.relative(ROOT, base)}.`);
  }
  const history = checkReleases();
  if (history.length) {
    console.error(`\ncheck:breaking: the release history is wrong:\n  ${history.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`check:breaking: ${baselines().length} released baseline(s), each step at the semver level its change needs; info.version is ${newest.version}.`);
  }
}
