/**
 * `npm run dev` (`node --watch`: a watcher process that runs the server as its child) stopped under load by SIGTERM
 * and SIGINT sent to the whole process group, and SIGTERM to npm (test/ops/launch-cases.ts): the watcher
 * passes the signal on and waits, so the server drains like any other launch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { SERVICES, stopUnderLoad } from './launch-cases.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-launch-dev-'));
  await seedDemoData({ dataDir });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run dev under load from eight keep-alive clients', () => {
  // Ctrl-C in the terminal and systemd's default reach the whole group; an orchestrator signals npm.
  it.each([
    ['group', 'SIGINT'],
    ['group', 'SIGTERM'],
    ['npm', 'SIGTERM'],
  ] as const)('%s gets %s: no failed request, npm, watcher and server exit 0 within the deadline after a logged drain, nothing left', async (target, signal) => {
    await stopUnderLoad(SERVICES.dev, dataDir, target, signal);
  });
});
