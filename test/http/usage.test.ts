/**
 * GET /v1/usage over HTTP (createApp on a listening socket, its own seeded SQLite store, responses validated
 * against the contract): per-period sums by operation and status class, 429s, downloads and bytes; every period
 * of the range listed; month periods clipped to the range; ETag and 304; only the caller's tenant, whatever it
 * asks; the `usage:read` scope; bounded ranges refused as problem+json naming the parameter; and the meter's
 * own counts of real requests, a download's bytes included, coming back through it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageIncrement } from '../../src/backend/port.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { ACME_KEY, GLOBEX_KEY, auth, startTestApp, type TestApp } from '../support/app.js';
import { seedInto } from '../support/global-setup.js';

let dataDir: string;
let t: TestApp;
let contactsOnlyKey: string;

const inc = (tenantId: string, day: string, operationId: string, statusClass: UsageIncrement['statusClass'], requests: number, extra: Partial<UsageIncrement> = {}): UsageIncrement => ({
  tenantId,
  day,
  operationId,
  statusClass,
  requests,
  rateLimited: 0,
  bytes: 0,
  ...extra,
});

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-usage-http-'));
  await seedInto(dataDir);
  const store = await openSqlStore({ dataDir });
  try {
    await store.recordUsage(
      [
        inc('ten_acme', '2026-01-30', 'listJobs', '2xx', 10),
        inc('ten_acme', '2026-01-30', 'listJobs', '4xx', 3, { rateLimited: 2 }),
        inc('ten_acme', '2026-01-31', 'downloadFile', '2xx', 2, { bytes: 2048 }),
        inc('ten_acme', '2026-01-31', 'getJob', '3xx', 4),
        inc('ten_acme', '2026-02-01', 'listJobs', '5xx', 1),
        inc('ten_acme', '2026-03-15', 'getContact', '2xx', 7),
        inc('ten_globex', '2026-01-30', 'listJobs', '2xx', 99),
      ],
      AbortSignal.timeout(5000),
    );
    contactsOnlyKey = (await store.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'], name: 'no usage scope' })).secret;
  } finally {
    await store.close();
  }
  t = await startTestApp({ PORTAL_DATA_DIR: dataDir, PORTAL_RATE_LIMIT_PER_MINUTE: '100000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '100000' }, { usageMeter: true });
});
afterAll(async () => {
  await t?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function usage(query: string, key = ACME_KEY, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/v1/usage${query}`, { headers: { ...auth(key), ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('GET /v1/usage', () => {
  it('sums each day by operation and status class, with 429s, downloads and bytes, and lists every day of the range', async () => {
    const { status, body } = await usage('?from=2026-01-30&to=2026-02-02');
    expect(status).toBe(200);
    expect(body).toEqual({
      tenantId: 'ten_acme',
      from: '2026-01-30',
      to: '2026-02-02',
      granularity: 'day',
      periods: [
        {
          start: '2026-01-30',
          end: '2026-01-30',
          requests: 13,
          rateLimited: 2,
          downloads: 0,
          bytes: 0,
          operations: [{ operationId: 'listJobs', requests: 13, statusClasses: { '2xx': 10, '3xx': 0, '4xx': 3, '5xx': 0 } }],
        },
        {
          start: '2026-01-31',
          end: '2026-01-31',
          requests: 6,
          rateLimited: 0,
          downloads: 2,
          bytes: 2048,
          operations: [
            { operationId: 'downloadFile', requests: 2, statusClasses: { '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 0 } },
            { operationId: 'getJob', requests: 4, statusClasses: { '2xx': 0, '3xx': 4, '4xx': 0, '5xx': 0 } },
          ],
        },
        {
          start: '2026-02-01',
          end: '2026-02-01',
          requests: 1,
          rateLimited: 0,
          downloads: 0,
          bytes: 0,
          operations: [{ operationId: 'listJobs', requests: 1, statusClasses: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 1 } }],
        },
        { start: '2026-02-02', end: '2026-02-02', requests: 0, rateLimited: 0, downloads: 0, bytes: 0, operations: [] },
      ],
    });
  });

  it('sums calendar months, the first and last clipped to the range', async () => {
    const { status, body } = await usage('?from=2026-01-31&to=2026-03-10&granularity=month');
    expect(status).toBe(200);
    expect(body!.periods.map((p: { start: string; end: string; requests: number }) => [p.start, p.end, p.requests])).toEqual([
      ['2026-01-31', '2026-01-31', 6],
      ['2026-02-01', '2026-02-28', 1],
      ['2026-03-01', '2026-03-10', 0],
    ]);
    const year = await usage('?from=2026-01-01&to=2026-12-31&granularity=month');
    expect(year.body!.periods).toHaveLength(12);
    expect(year.body!.periods.map((p: { requests: number }) => p.requests).slice(0, 3)).toEqual([19, 1, 7]);
  });

  it('defaults to the last 30 days (day) or 12 months (month) up to today', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const days = await usage('');
    expect([days.body!.to, days.body!.periods.length, days.body!.granularity]).toEqual([today, 30, 'day']);
    const months = await usage('?granularity=month');
    expect([months.body!.to, months.body!.from.slice(8), months.body!.periods.length]).toEqual([today, '01', 12]);
  });

  it('answers 304 to its ETag, and a new ETag once the usage changed', async () => {
    const q = '?from=2026-01-30&to=2026-01-31';
    const first = await usage(q);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await usage(q, ACME_KEY, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    const store = await openSqlStore({ dataDir });
    await store.recordUsage([inc('ten_acme', '2026-01-31', 'getJob', '2xx', 1)], AbortSignal.timeout(5000)).finally(() => store.close());
    const changed = await usage(q, ACME_KEY, { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it("shows only the caller's own tenant, and names no other tenant anywhere", async () => {
    const globex = await usage('?from=2026-01-30&to=2026-01-30', GLOBEX_KEY);
    expect(globex.body!.tenantId).toBe('ten_globex');
    expect(globex.body!.periods[0].operations).toEqual([{ operationId: 'listJobs', requests: 99, statusClasses: { '2xx': 99, '3xx': 0, '4xx': 0, '5xx': 0 } }]);
    // There is no parameter to ask for another tenant: an attempt is an unknown parameter.
    const asking = await usage('?from=2026-01-30&to=2026-01-30&tenant=ten_acme', GLOBEX_KEY);
    expect(asking.status).toBe(400);
    expect(asking.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(asking.body)).not.toContain('"requests"');
  });

  it('needs the usage:read scope', async () => {
    const res = await usage('', contactsOnlyKey);
    expect(res.status).toBe(403);
    expect(res.body!.detail).toContain('usage:read');
  });

  it.each([
    ['from after to', '?from=2026-02-02&to=2026-02-01', 'from'],
    ['367 days', '?from=2025-01-01&to=2026-01-02', 'from'],
    ['37 months', '?from=2023-01-01&to=2026-01-31&granularity=month', 'from'],
    ['not a calendar day', '?from=2026-02-30', 'from'],
    ['not a date', '?to=yesterday', 'to'],
    ['an unknown granularity', '?granularity=week', 'granularity'],
  ])('refuses %s with a problem naming the parameter', async (_label, query, name) => {
    const res = await usage(query);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, type: expect.stringMatching(/invalid-request$/), traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(res.body!.errors.map((e: { location: string; name: string }) => [e.location, e.name])).toEqual([['query', name]]);
  });

  it('accepts the longest ranges: 366 days, 36 months', async () => {
    expect((await usage('?from=2025-01-01&to=2026-01-01')).body!.periods).toHaveLength(366);
    expect((await usage('?from=2023-01-01&to=2025-12-31&granularity=month')).body!.periods).toHaveLength(36);
  });

  it("reports the meter's counts of real requests, with a download's bytes", async () => {
    const jobs = (await (await fetch(`${t.url}/v1/jobs?status=succeeded&limit=1`, { headers: auth() })).json()) as { data: { id: string }[] };
    const files = (await (await fetch(`${t.url}/v1/jobs/${jobs.data[0]!.id}/files`, { headers: auth() })).json()) as { data: { size: number; downloadUrl: string }[] };
    const file = files.data[0]!;
    const download = await fetch(file.downloadUrl.replace(/^https?:\/\/[^/]+/, t.url));
    expect((await download.arrayBuffer()).byteLength).toBe(file.size);
    await (await fetch(`${t.url}/v1/jobs?limit=101`, { headers: auth() })).arrayBuffer(); // 400
    await t.usageMeter!.flush();

    const today = new Date().toISOString().slice(0, 10);
    const { body } = await usage(`?from=${today}&to=${today}`);
    const period = body!.periods[0];
    const byOp = Object.fromEntries(period.operations.map((o: { operationId: string; statusClasses: object }) => [o.operationId, o.statusClasses]));
    expect(byOp.listJobs).toEqual({ '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 0 });
    expect(byOp.listJobFiles).toEqual({ '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0 });
    expect(byOp.downloadFile).toEqual({ '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0 });
    expect([period.downloads, period.bytes]).toEqual([1, file.size]);
  });
});
