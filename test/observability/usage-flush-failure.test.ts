/**
 * A store that refuses the usage meter's flushes never fails a request: every request is answered as usual, the
 * failure is logged and counted (`portal_usage_flushes_total{outcome="error"}`, no tenant label on any series),
 * and once the store takes writes again the kept counts arrive, exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedInto } from '../support/global-setup.js';
import { auth, startTestApp, type TestApp } from '../support/app.js';

let dataDir: string;
let t: TestApp;
let storeDown = false;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-usage-flush-'));
  await seedInto(dataDir);
  t = await startTestApp(
    { PORTAL_DATA_DIR: dataDir, PORTAL_USAGE_FLUSH_INTERVAL_MS: '300000' },
    {
      usageMeter: true,
      wrapBackend: (b) => ({
        ...b,
        recordUsage: (rows, signal) => (storeDown ? Promise.reject(new Error('connection refused (test)')) : b.recordUsage(rows, signal)),
      }),
    },
  );
});
afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function storedRequests(): Promise<number> {
  const today = new Date().toISOString().slice(0, 10);
  const rows = await t.deps.backend.getUsage('ten_acme', { from: today, to: today, granularity: 'day' }, AbortSignal.timeout(5000));
  return rows.filter((r) => r.operationId === 'listJobs').reduce((n, r) => n + Object.values(r.statusClasses).reduce((a, b) => a + b, 0), 0);
}

describe('usage flush failures', () => {
  it('answer every request, are logged and counted without a tenant label, and keep the counts for the next flush', async () => {
    storeDown = true;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${t.url}/v1/jobs?limit=1`, { headers: auth() });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await t.usageMeter!.flush();
    expect(t.usageMeter!.pending()).toBeGreaterThan(0);
    const exposition = await t.metrics.render();
    expect(exposition).toMatch(/^portal_usage_flushes_total\{outcome="error"\} 1$/m);
    for (const line of exposition.split('\n').filter((l) => l.startsWith('portal_usage_') || l.startsWith('portal_download_bytes'))) {
      expect(line).not.toMatch(/tenant|ten_/);
    }
    expect(t.logs.records().some((r) => r.msg === 'usage flush failed: the counts are kept for the next flush' && r.level === 'warn')).toBe(true);
    expect(await storedRequests()).toBe(0);

    storeDown = false;
    await t.usageMeter!.flush();
    expect(t.usageMeter!.pending()).toBe(0);
    expect(await storedRequests()).toBe(12);
    expect(await t.metrics.render()).toMatch(/^portal_usage_flushes_total\{outcome="ok"\} 1$/m);
  });
});
