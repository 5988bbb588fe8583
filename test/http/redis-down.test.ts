/**
 * Redis down is not an API outage: with REDIS_URL pointing at nothing, requests are served (fail open, the
 * default), and each store failure is logged and counted in portal_rate_limit_store_errors_total.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import request from 'supertest';
import { auth, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  // A port that was just free and is closed again: connections to it are refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
});
afterAll(async () => t?.close());

it('serves requests and counts the store errors', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await request(t.url).get('/v1/contacts?limit=1').set(auth());
    expect(res.status).toBe(200);
  }
  const text = await t.metrics.render();
  const line = text.split('\n').find((l) => l.startsWith('portal_rate_limit_store_errors_total{limiter="api"}'));
  expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(3);
  expect(t.logs.text()).toContain('rate-limit store failed');
});
