/**
 * `npm run backend` (the RPC backend service) stopped under load by SIGTERM and SIGINT sent to npm, to the service
 * npm started and to the whole process group (test/ops/launch-cases.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { CASES, SERVICES, stopUnderLoad } from './launch-cases.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-launch-backend-'));
  await seedDemoData({ dataDir });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run backend under load from eight keep-alive clients', () => {
  it.each(CASES)('%s gets %s: no failed request, npm and the service exit 0 within the deadline after a logged drain, nothing left', async (target, signal) => {
    await stopUnderLoad(SERVICES.backend, dataDir, target, signal);
  });
});
