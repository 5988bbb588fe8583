/**
 * The usage meter against the real SQL store (SQLite on disk; PostgreSQL when available): counts per tenant,
 * operation, status class and UTC day come out of the store exactly as recorded; flushes add up (increments,
 * never totals); a failing flush keeps its counts for the next one without double counting what was written; the
 * counters waiting are bounded. The same through the two-tier deployment's backend service (POST /rpc/v1/usage and
 * GET /rpc/v1/tenants/{tenantId}/usage over a real socket, responses validated against openapi/backend.yaml).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, UsageIncrement } from '../../src/backend/port.js';
import { createRpcBackend } from '../../src/backend/rpc/client.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { createBackendServer } from '../../src/backend-service/server.js';
import { createUsageMeter, statusClassOf } from '../../src/observability/usage-meter.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';

const DAY = Date.parse('2026-03-31T23:59:59.000Z');
const NEXT_DAY = Date.parse('2026-04-01T00:00:00.000Z');
const signal = () => AbortSignal.timeout(10_000);

type UsageStore = Pick<Backend, 'recordUsage' | 'getUsage' | 'close'>;
const targets: { name: string; open: () => Promise<{ store: UsageStore; cleanup: () => Promise<void> }> }[] = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-usage-meter-'));
      const store = await openSqlStore({ dataDir: dir });
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'the backend service (RPC) over SQLite',
    open: async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-usage-meter-rpc-'));
      const sql = await openSqlStore({ dataDir: dir });
      const secret = 'usage-meter-test-secret-0123456789abcdef';
      const server = createServer(createBackendServer({ backend: sql, secret, validateResponses: true }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const store = createRpcBackend({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret });
      return {
        store,
        cleanup: async () => {
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
          await sql.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
if (await hasPostgres()) {
  targets.push({
    name: 'PostgreSQL',
    open: async () => {
      const db = await createTestDatabase('portal_usage_meter');
      const store = await openSqlStore({ dataDir: os.tmpdir(), databaseUrl: db.url });
      return { store, cleanup: db.drop };
    },
  });
}

describe('status classes', () => {
  it('maps answered statuses to their class and leaves out the rest', () => {
    expect([200, 206, 304, 400, 429, 404, 500, 503, 499, 101].map(statusClassOf)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '4xx', '5xx', '5xx', '4xx', undefined]);
  });
});

describe.each(targets)('usage meter on $name', ({ open }) => {
  let store: UsageStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await open());
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('counts per tenant, operation, status class and UTC day, and later flushes add to the counters', async () => {
    let now = DAY;
    const meter = createUsageMeter({ sink: (rows, s) => store.recordUsage(rows, s), flushIntervalMs: 60_000, now: () => now });
    for (let i = 0; i < 5; i++) meter.record('ten_one', 'listContacts', 200);
    meter.record('ten_one', 'listContacts', 304);
    meter.record('ten_one', 'listContacts', 429);
    meter.record('ten_one', 'listContacts', 404);
    meter.record('ten_one', 'downloadFile', 200, 1000);
    meter.record('ten_one', 'downloadFile', 206, 24);
    meter.record('ten_two', 'getJob', 500);
    await meter.flush();
    expect(meter.pending()).toBe(0);
    now = NEXT_DAY;
    meter.record('ten_one', 'listContacts', 200);
    meter.record('ten_one', 'downloadFile', 200, 1);
    now = DAY;
    meter.record('ten_one', 'listContacts', 200); // a late request of the first day, in a second flush
    await meter.close();

    const days = await store.getUsage('ten_one', { from: '2026-03-01', to: '2026-04-30', granularity: 'day' }, signal());
    const classes = (c2: number, c3: number, c4: number, c5: number) => ({ '2xx': c2, '3xx': c3, '4xx': c4, '5xx': c5 });
    expect(days).toEqual([
      { period: '2026-03-31', operationId: 'downloadFile', statusClasses: classes(2, 0, 0, 0), rateLimited: 0, bytes: 1024 },
      { period: '2026-03-31', operationId: 'listContacts', statusClasses: classes(6, 1, 2, 0), rateLimited: 1, bytes: 0 },
      { period: '2026-04-01', operationId: 'downloadFile', statusClasses: classes(1, 0, 0, 0), rateLimited: 0, bytes: 1 },
      { period: '2026-04-01', operationId: 'listContacts', statusClasses: classes(1, 0, 0, 0), rateLimited: 0, bytes: 0 },
    ]);
    // Each month holds one day of counts here, so a month's rows are that day's with the month's first day as their
    // period, also when the range starts later in the month.
    const asMonths = days.map((r) => ({ ...r, period: `${r.period.slice(0, 7)}-01` }));
    expect(await store.getUsage('ten_one', { from: '2026-03-31', to: '2026-04-01', granularity: 'month' }, signal())).toEqual(asMonths);
    expect(await store.getUsage('ten_one', { from: '2026-03-01', to: '2026-04-30', granularity: 'month' }, signal())).toEqual(asMonths);
    // Another tenant's counters never show up, and a range outside the data is empty.
    expect(await store.getUsage('ten_two', { from: '2026-03-31', to: '2026-03-31', granularity: 'day' }, signal())).toEqual([
      { period: '2026-03-31', operationId: 'getJob', statusClasses: classes(0, 0, 0, 1), rateLimited: 0, bytes: 0 },
    ]);
    expect(await store.getUsage('ten_one', { from: '2026-05-01', to: '2026-05-31', granularity: 'month' }, signal())).toEqual([]);
  });

  it('keeps what a failing flush could not write, writes it with the next, and never writes a batch twice', async () => {
    const tenant = 'ten_flaky';
    let failOnCall = 2; // the second batch of the first flush fails: the first is in the store already
    let calls = 0;
    const outcomes: string[] = [];
    const meter = createUsageMeter({
      sink: async (rows: UsageIncrement[], s: AbortSignal) => {
        calls += 1;
        if (calls === failOnCall) throw new Error('store down');
        await store.recordUsage(rows, s);
      },
      flushIntervalMs: 60_000,
      now: () => DAY,
      onFlush: (outcome) => outcomes.push(outcome),
    });
    // 1,200 distinct counters: three batches of at most 500.
    for (let i = 0; i < 1200; i++) meter.record(tenant, `op${i}`, 200);
    for (let i = 0; i < 1200; i++) meter.record(tenant, `op${i}`, 200);
    await meter.flush();
    expect(outcomes).toEqual(['error']);
    expect(meter.pending()).toBe(700);
    for (let i = 0; i < 1200; i++) meter.record(tenant, `op${i}`, 200);
    failOnCall = -1;
    await meter.flush();
    expect(outcomes).toEqual(['error', 'ok']);
    const rows = await store.getUsage(tenant, { from: '2026-03-31', to: '2026-03-31', granularity: 'day' }, signal());
    expect(rows).toHaveLength(1200);
    expect(rows.every((r) => r.statusClasses['2xx'] === 3 && r.statusClasses['4xx'] === 0)).toBe(true);
  });

  it('bounds the counters waiting for the store, and reports the ones it drops', async () => {
    let dropped = 0;
    const meter = createUsageMeter({
      sink: async () => {
        throw new Error('store down');
      },
      flushIntervalMs: 60_000,
      maxPendingCounters: 3,
      onDropped: (n) => (dropped += n),
    });
    for (const op of ['a', 'b', 'c', 'd']) meter.record('ten_bounded', op, 200);
    meter.record('ten_bounded', 'a', 200); // an existing counter still counts
    expect(meter.pending()).toBe(3);
    expect(dropped).toBe(1);
    await meter.flush();
    expect(meter.pending()).toBe(3);
    await meter.close();
  });
});
