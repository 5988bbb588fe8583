/**
 * The "Done when" list at the HTTP edge of the two-tier deployment: the real Portal API (createApp, configured by
 * PORTAL_BACKEND_URL exactly as in production) → fault proxy → real backend service (createBackendServer) → the
 * seeded SQLite store. What the user of /v1 sees when the backend misbehaves.
 */
import http from 'node:http';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { withResilience } from '../../src/backend/resilience.js';
import { openSqlStore, type SqlStore } from '../../src/backend/sql/store.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { auth, startTestApp, type TestApp } from '../support/app.js';
import { FAST, SECRET, sleep, startServer, until } from './harness.js';

let store: SqlStore;
let backendServer: Server;
let backendUrl: string;
let proxy: FaultProxy | undefined;
let portal: TestApp | undefined;

beforeAll(async () => {
  store = await openSqlStore({ dataDir: inject('seededDataDir') });
  ({ url: backendUrl, server: backendServer } = await startServer(withResilience(store, { ...FAST, timeoutMs: 5000 })));
});
afterAll(async () => {
  backendServer.closeAllConnections();
  await new Promise<void>((resolve) => backendServer.close(() => resolve()));
  await store.close();
});
afterEach(async () => {
  await portal?.close();
  await proxy?.close();
  portal = undefined;
  proxy = undefined;
});

async function start(env: Record<string, string> = {}): Promise<{ portal: TestApp; proxy: FaultProxy }> {
  proxy = await startFaultProxy(backendUrl);
  portal = await startTestApp({
    PORTAL_BACKEND_URL: proxy.url,
    PORTAL_BACKEND_SECRET: SECRET,
    PORTAL_BACKEND_TIMEOUT_MS: '1000',
    PORTAL_BACKEND_RETRY_BASE_MS: '20',
    PORTAL_BREAKER_HALF_OPEN_MS: '600',
    PORTAL_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  return { portal, proxy };
}

async function get(base: string, path: string, headers: Record<string, string> = auth()) {
  const started = performance.now();
  const res = await fetch(base + path, { headers });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started };
}

describe('the portal over a faulty backend tier', () => {
  it('one transient 503 from the backend → the request still answers 200', async () => {
    const { portal, proxy } = await start();
    proxy.nextFaults({ kind: 'status', status: 503 }, 1);
    const r = await get(portal.url, '/v1/contacts?limit=3');
    expect(r.status).toBe(200);
    expect((r.body.data as unknown[]).length).toBe(3);
    expect(proxy.seen[0]!.fault).toBe('status');
    expect(proxy.seen.length).toBeGreaterThanOrEqual(2);
  });

  it('upstream latency past the timeout → 504 problem+json at about the timeout, without leaking anything upstream', async () => {
    const { portal, proxy } = await start();
    proxy.setFault({ kind: 'latency', ms: 3000 });
    const r = await get(portal.url, '/v1/jobs?limit=5');
    expect(r.status).toBe(504);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 504, type: expect.stringMatching(/backend-timeout$/), traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(r.ms).toBeGreaterThanOrEqual(950);
    expect(r.ms).toBeLessThan(2500);
    expect(proxy.seen).toHaveLength(1);
  });

  it('consecutive failures open the circuit: 503 + Retry-After at once, health down (503); after the delay one probe recovers', async () => {
    const { portal, proxy } = await start({ PORTAL_BACKEND_MAX_RETRIES: '0' });
    proxy.setFault({ kind: 'status', status: 500, body: 'SECRET-UPSTREAM-BODY' });
    for (let i = 0; i < 5; i++) {
      const r = await get(portal.url, '/v1/contacts');
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).not.toMatch(/SECRET-UPSTREAM-BODY/);
    }
    const seen = proxy.seen.length;
    const open = await get(portal.url, '/v1/contacts');
    expect(open.status).toBe(503);
    expect(open.headers.get('retry-after')).toBe('1');
    expect(open.body).toMatchObject({ type: expect.stringMatching(/backend-unavailable$/) });
    const health = await get(portal.url, '/v1/health', {});
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'down', checks: { backend: { status: 'down', detail: 'circuit open' } } });
    expect(proxy.seen.length).toBe(seen); // neither reached the backend

    proxy.setFault({ kind: 'pass' });
    await sleep(650);
    const probe = await get(portal.url, '/v1/health', {});
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ status: 'degraded', checks: { backend: { status: 'degraded', detail: 'circuit half-open' } } });
    expect((await get(portal.url, '/v1/health', {})).body).toMatchObject({ status: 'ok' });
    expect((await get(portal.url, '/v1/contacts?limit=1')).status).toBe(200);
  });

  it('a client that disconnects cancels its backend request (the proxy sees the portal close the upstream socket)', async () => {
    const { portal, proxy } = await start({ PORTAL_BACKEND_TIMEOUT_MS: '10000' });
    // The API-key look-up succeeds quickly; the data call then hangs upstream.
    await get(portal.url, '/v1/health', {});
    proxy.nextFaults({ kind: 'pass' }, 1);
    proxy.setFault({ kind: 'blackhole' });
    const closed = proxy.waitForClientClose(3000);
    const req = http.get(`${portal.url}/v1/jobs?limit=5`, { headers: auth() });
    req.on('error', () => {});
    await until(() => proxy.seen.length === 3, 3000, 'the data call to reach the proxy');
    expect(proxy.seen[2]!.fault).toBe('blackhole');
    req.destroy();
    await closed;
    expect(proxy.clientCloses).toBe(1);
  });
});
