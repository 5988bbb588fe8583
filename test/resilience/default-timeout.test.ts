/**
 * The production default, unscaled: with PORTAL_BACKEND_TIMEOUT_MS unset (5 s), an upstream that takes 6 s is
 * answered 504 at about 5 s — not 15 s (three attempts) and not 6 s — and only one request went upstream.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openSqlStore, type SqlStore } from '../../src/backend/sql/store.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { auth, startTestApp, type TestApp } from '../support/app.js';
import { SECRET, startServer, until } from './harness.js';

let store: SqlStore;
let backendServer: Server;
let proxy: FaultProxy;
let portal: TestApp;

beforeAll(async () => {
  store = await openSqlStore({ dataDir: inject('seededDataDir') });
  let url: string;
  ({ url, server: backendServer } = await startServer(store));
  proxy = await startFaultProxy(url);
  portal = await startTestApp({ PORTAL_BACKEND_URL: proxy.url, PORTAL_BACKEND_SECRET: SECRET });
});
afterAll(async () => {
  await portal?.close();
  await proxy?.close();
  backendServer.closeAllConnections();
  await new Promise<void>((resolve) => backendServer.close(() => resolve()));
  await store?.close();
});

it('upstream latency of 6 s → 504 at about 5 s (the default timeout), one upstream request', async () => {
  expect(loadConfig({ NODE_ENV: 'test' }).backend.timeoutMs).toBe(5000);
  expect(portal.config.backend.timeoutMs).toBe(5000);
  proxy.setFault({ kind: 'latency', ms: 6000 });
  const started = performance.now();
  const res = await fetch(`${portal.url}/v1/contacts`, { headers: auth() });
  const seconds = (performance.now() - started) / 1000;
  console.log(`6 s upstream → HTTP ${res.status} after ${seconds.toFixed(2)} s`);
  expect(res.status).toBe(504);
  expect(((await res.json()) as { status: number }).status).toBe(504);
  expect(seconds).toBeGreaterThanOrEqual(4.9);
  expect(seconds).toBeLessThan(5.9);
  expect(proxy.seen).toHaveLength(1);
  await until(() => proxy.clientCloses === 1, 2000, 'the portal to close the upstream request');
}, 20_000);
