/**
 * `npm run start:prod` (the compiled server, after `npm run build`) stopped under load by SIGTERM and SIGINT sent
 * to npm, to the server npm started and to the whole process group (test/ops/launch-cases.ts).
 *
 * The build goes to a release directory of its own, laid out as an image would be (package.json, dist/, and the
 * checkout's node_modules, generated/ and openapi/), so the test leaves no dist/ behind in the checkout: a stale
 * one there would be picked up by the `portal-admin` bin instead of the sources.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/bench/portal-process.js';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { CASES, SERVICES, stopUnderLoad, type Service } from './launch-cases.js';

let dataDir: string;
let release: string;
let service: Service;

beforeAll(async () => {
  release = mkdtempSync(path.join(os.tmpdir(), 'portal-release-'));
  copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(release, 'package.json'));
  for (const dir of ['node_modules', 'generated', 'openapi']) symlinkSync(path.join(REPO_ROOT, dir), path.join(release, dir));
  // The README's production path: `npm run build` (here with the release's dist/ as tsc's outDir), then
  // `npm run start:prod` runs dist/ with plain node (no tsx).
  const build = spawnSync('npm', ['run', 'build', '--', '--outDir', path.join(release, 'dist')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  service = { ...SERVICES.prod, cwd: release };
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-launch-prod-'));
  await seedDemoData({ dataDir });
}, 120_000);
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (release) rmSync(release, { recursive: true, force: true });
});

describe('npm run start:prod under load from eight keep-alive clients', () => {
  it.each(CASES)('%s gets %s: no failed request, npm and the server exit 0 within the deadline after a logged drain, nothing left', async (target, signal) => {
    await stopUnderLoad(service, dataDir, target, signal);
  });
});
