/**
 * `npm start` stopped under load by SIGTERM and SIGINT sent to npm, to the server npm started and to the whole
 * process group (test/ops/launch-cases.ts), and what a later, second signal does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logRecords } from '../../scripts/bench/portal-process.js';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { startService, until } from '../support/launch.js';
import { CASES, CLIENTS, SERVICES, exitWithin, expectGroupGone, startLoad, stopUnderLoad } from './launch-cases.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-launch-start-'));
  await seedDemoData({ dataDir });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start under load from eight keep-alive clients', () => {
  it.each(CASES)('%s gets %s: no failed request, npm and the server exit 0 within the deadline after a logged drain, nothing left', async (target, signal) => {
    await stopUnderLoad(SERVICES.start, dataDir, target, signal);
  });
});

describe('a second stop signal more than a second after the first', () => {
  // A long drain delay keeps the first shutdown busy, so only the second signal can end the process early.
  const SLOW_DRAIN = { PORTAL_SHUTDOWN_DRAIN_MS: '8000', PORTAL_SHUTDOWN_TIMEOUT_MS: '20000' };

  it.each([
    ['group', 'SIGINT', 130],
    ['script', 'SIGTERM', 143],
  ] as const)('%s gets %s twice, 1.5 s apart: the process exits at once with %i (npm too), without finishing the drain', async (target, signal, code) => {
    const running = await startService(SERVICES.start, dataDir, SLOW_DRAIN);
    const { launch } = running;
    try {
      let exited = false;
      void launch.exited.then(() => (exited = true));
      const load = startLoad(running, () => exited);
      expect(await until(() => load.outcome.responses >= 5 * CLIENTS, 20_000)).toBe(true);

      launch.signal(target, signal);
      await new Promise((r) => setTimeout(r, 1500));
      // Still draining, still answering.
      expect(exited).toBe(false);
      const secondAt = Date.now();
      launch.signal(target, signal);
      const exit = await exitWithin(launch, 5000);
      const elapsed = Date.now() - secondAt;
      await load.done;

      expect(exit, launch.stderr()).toEqual({ code, signal: null });
      expect(elapsed).toBeLessThan(1500);
      await expectGroupGone(launch);
      const messages = logRecords(launch.stdout()).map((r) => r.msg);
      expect(messages).toContain('shutting down: readiness off, draining');
      expect(messages).toContain('second stop signal: exiting now without finishing the drain');
      expect(messages).not.toContain('shutdown complete');
    } finally {
      launch.killGroup();
    }
  });
});
