/**
 * `npm run check:breaking [base] [head]`: fails when the contract breaks its released baseline (removed
 * operation, property or enum value; new required parameter; narrowed type; changed status codes…), using Optic
 * offline (telemetry off). Base defaults to openapi/released/v1.yaml, head to openapi/openapi.yaml.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = path.resolve(process.argv[2] ?? path.join(ROOT, 'openapi/released/v1.yaml'));
  const head = path.resolve(process.argv[3] ?? path.join(ROOT, 'openapi/openapi.yaml'));
  const result = checkBreaking(base, head);
  console.log(result.output.trim());
  if (!result.ok) {
    console.error(`\ncheck:breaking: ${path.relative(ROOT, head)} breaks ${path.relative(ROOT, base)}. Make the change additive, or release a new major version.`);
    process.exitCode = 1;
  } else {
    console.log(`\ncheck:breaking: no breaking change against ${path.relative(ROOT, base)}.`);
  }
}
