/**
 * Usage metering of real server processes (spawned like every ops test: `node --import tsx src/server.ts`,
 * production mode):
 * - two replicas on one PostgreSQL database, each under concurrent keep-alive load from two tenants (a mix of
 *   200, 304, 400, 404 and 429 answers, flushing every 100 ms while the other replica flushes too): after a
 *   graceful stop the stored counters equal, per tenant, operation and status class, exactly what the clients
 *   received, 429s included;
 * - SIGKILL loses at most what was recorded since the last flush: counts recorded before a flush the test saw land
 *   survive the kill, and nothing is counted twice.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ACME_KEY, GLOBEX_KEY, freePort, productionEnv, startPortal, type PortalProcess } from '../../scripts/bench/portal-process.js';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import type { UsageRow } from '../../src/backend/port.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';
import { get } from './load-client.js';

const running: PortalProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const classOf = (status: number) => `${Math.floor(status / 100)}xx`;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** What the store holds for a tenant around today: `operationId statusClass` → [requests, rateLimited]. */
async function stored(target: { dataDir: string; databaseUrl?: string }, tenantId: string): Promise<Record<string, [number, number]>> {
  const store = await openSqlStore({ dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrate: false });
  try {
    const rows: UsageRow[] = await store.getUsage(tenantId, { from: day(-1), to: day(1), granularity: 'day' }, AbortSignal.timeout(10_000));
    const out: Record<string, [number, number]> = {};
    for (const r of rows) {
      for (const [statusClass, n] of Object.entries(r.statusClasses)) {
        // A 429 is a 4xx: the rate-limited count belongs with that class.
        if (n > 0) out[`${r.operationId} ${statusClass}`] = [n, statusClass === '4xx' ? r.rateLimited : 0];
      }
    }
    return out;
  } finally {
    await store.close();
  }
}

interface Tally {
  counts: Record<string, Record<string, [number, number]>>;
  failures: string[];
}

/** One keep-alive client: `requests` GETs cycling through `plan`, tallied per tenant, operation and status class. */
async function client(base: string, key: string, tenant: string, plan: { op: string; path: string; headers?: Record<string, string> }[], requests: number, tally: Tally) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < requests; i++) {
      const step = plan[i % plan.length]!;
      try {
        const res = await get(base + step.path, { agent, headers: { Authorization: `Bearer ${key}`, ...step.headers } });
        const perTenant = (tally.counts[tenant] ??= {});
        const k = `${step.op} ${classOf(res.status)}`;
        const [n, l] = perTenant[k] ?? [0, 0];
        perTenant[k] = [n + 1, l + (res.status === 429 ? 1 : 0)];
      } catch (err) {
        tally.failures.push(String(err));
      }
    }
  } finally {
    agent.destroy();
  }
}

const PLAN = [
  { op: 'listContacts', path: '/v1/contacts?limit=2' },
  { op: 'getContact', path: '/v1/contacts/con_0000000000000000000000' },
  { op: 'listJobs', path: '/v1/jobs?limit=101' },
  { op: 'listJobs', path: '/v1/jobs?limit=1' },
  // An If-None-Match that matches every ETag: 304.
  { op: 'listContacts', path: '/v1/contacts?limit=2', headers: { 'If-None-Match': '*' } },
];

describe.skipIf(!(await hasPostgres()))('usage metering across two replicas on PostgreSQL', () => {
  it('stores exactly what the clients of both replicas received, per tenant, operation and status class', async () => {
    const db = await createTestDatabase('portal_usage_replicas');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-usage-replicas-'));
    cleanups.push(db.drop, () => rmSync(dataDir, { recursive: true, force: true }));
    await seedDemoData({ dataDir, databaseUrl: db.url });
    const envFor = async () =>
      productionEnv(await freePort(), await freePort(), {
        DATABASE_URL: db.url,
        PORTAL_DATA_DIR: dataDir,
        PORTAL_MIGRATE_ON_START: 'false',
        LOG_LEVEL: 'warn',
        // Per replica and key, in memory: each client mix runs into 429s, which must be counted too.
        PORTAL_RATE_LIMIT_PER_MINUTE: '70',
        PORTAL_USAGE_FLUSH_INTERVAL_MS: '100',
      });
    const replicas = await Promise.all([startPortal({ env: await envFor() }), startPortal({ env: await envFor() })]);
    running.push(...replicas);

    const tally: Tally = { counts: {}, failures: [] };
    await Promise.all(
      replicas.flatMap((r) => [
        client(r.url, ACME_KEY, 'ten_acme', PLAN, 60, tally),
        client(r.url, ACME_KEY, 'ten_acme', PLAN, 60, tally),
        client(r.url, GLOBEX_KEY, 'ten_globex', PLAN.slice(1), 40, tally),
      ]),
    );
    expect(tally.failures).toEqual([]);
    // Both kinds of answer happened, so the comparison below covers them.
    expect(tally.counts.ten_acme?.['listContacts 4xx']?.[1]).toBeGreaterThan(0);
    expect(tally.counts.ten_acme?.['listContacts 3xx']?.[0]).toBeGreaterThan(0);

    const exits = await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expect(await stored({ dataDir, databaseUrl: db.url }, 'ten_acme')).toEqual(tally.counts.ten_acme);
    expect(await stored({ dataDir, databaseUrl: db.url }, 'ten_globex')).toEqual(tally.counts.ten_globex);
  }, 120_000);
});

describe('usage metering when the process is killed', () => {
  it('loses at most what was recorded since the last flush', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-usage-kill-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    await seedDemoData({ dataDir });
    const env = productionEnv(await freePort(), await freePort(), {
      PORTAL_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PORTAL_RATE_LIMIT_PER_MINUTE: '1000000',
      PORTAL_USAGE_FLUSH_INTERVAL_MS: '1000',
    });
    const p = await startPortal({ env });
    running.push(p);
    const tally: Tally = { counts: {}, failures: [] };
    const plan = [{ op: 'listContacts', path: '/v1/contacts?limit=1' }];

    await client(p.url, ACME_KEY, 'ten_acme', plan, 30, tally);
    // A periodic flush (the process is running, nobody stops it) brings the first 30 to the store.
    const deadline = Date.now() + 30_000;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = (await stored({ dataDir }, 'ten_acme'))['listContacts 2xx']?.[0] ?? 0;
      if (seen >= 30) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(30);

    await client(p.url, ACME_KEY, 'ten_acme', plan, 20, tally);
    const exit = await p.stop('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const after = (await stored({ dataDir }, 'ten_acme'))['listContacts 2xx']?.[0] ?? 0;
    // The 20 answered after that flush may be lost (at most one interval's worth); the 30 before never are, and
    // nothing is counted twice.
    expect(after).toBeGreaterThanOrEqual(30);
    expect(after).toBeLessThanOrEqual(50);
  }, 90_000);
});
