/**
 * `npm run start:prod` (the compiled server, after `npm run build`) stopped under load by SIGTERM and SIGINT sent
 * to npm, to the server npm started and to the whole process group (test/ops/launch-cases.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/bench/portal-process.js';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { CASES, SERVICES, stopUnderLoad } from './launch-cases.js';

let dataDir: string;
beforeAll(async () => {
  // The README's production path: `npm run build`, then `npm run start:prod` runs dist/ (no tsx).
  const build = spawnSync('npm', ['run', 'build'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-launch-prod-'));
  await seedDemoData({ dataDir });
}, 120_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run start:prod under load from eight keep-alive clients', () => {
  it.each(CASES)('%s gets %s: no failed request, npm and the server exit 0 within the deadline after a logged drain, nothing left', async (target, signal) => {
    await stopUnderLoad(SERVICES.prod, dataDir, target, signal);
  });
});
