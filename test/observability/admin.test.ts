import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startAdminServer, type AdminServer } from '../../src/observability/admin-server.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { recordRequests } from '../../src/observability/record-requests.js';
import { createLogger } from '../../src/observability/logger.js';
import { contextMiddleware, express, listen, LogCapture } from './support.js';

let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

describe('admin listener', () => {
  it('serves /metrics, /livez and /readyz on its own port, bound to the given host', async () => {
    const metrics = createMetrics({ version: '9.9.9', revision: 'deadbeef' });
    admin = await startAdminServer({ host: '127.0.0.1', port: 0, metrics, isReady: () => true });
    const base = `http://127.0.0.1:${admin.port}`;
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await m.text();
    expect(body).toContain('portal_build_info{version="9.9.9",revision="deadbeef"} 1');
    expect(body).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(body).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${base}/metrics`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/v1/health`)).status).toBe(404);
    expect((admin.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('/readyz is 503 when not ready, when the check throws or hangs, and once draining; /livez stays 200', async () => {
    let state: 'ready' | 'not' | 'throw' | 'hang' = 'not';
    admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      metrics: createMetrics({ version: '1', revision: 'r', defaultMetrics: false }),
      readyTimeoutMs: 200,
      isReady: async () => {
        if (state === 'throw') throw new Error('db down');
        if (state === 'hang') return new Promise<boolean>(() => {});
        return state === 'ready';
      },
    });
    const base = `http://127.0.0.1:${admin.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    state = 'throw';
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    state = 'hang';
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    state = 'ready';
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    admin.startDraining();
    const draining = await fetch(`${base}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: 'draining' });
    expect((await fetch(`${base}/livez`)).status).toBe(200);
  });

  it('/readyz bodies carry the process info it was given (the backend resilience pipeline), ready or not', async () => {
    let ready = true;
    const info = { backend: { name: 'sql', pipeline: 'embedded' } };
    admin = await startAdminServer({ host: '127.0.0.1', port: 0, metrics: createMetrics({ version: '1', revision: 'r', defaultMetrics: false }), info, isReady: () => ready });
    const base = `http://127.0.0.1:${admin.port}`;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', ...info });
    ready = false;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'not_ready', ...info });
  });

  it('the public app answers none of the admin paths, and its scrape shows the public requests', async () => {
    const metrics = createMetrics({ version: '1', revision: 'r', defaultMetrics: false });
    const app = express();
    app.use(contextMiddleware(createLogger({ level: 'silent' }, new LogCapture())));
    app.use(recordRequests({ metrics }));
    app.get('/v1/health', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.use((_req, res) => {
      res.status(404).json({ status: 404 });
    });
    const pub = await listen(app);
    admin = await startAdminServer({ host: '127.0.0.1', port: 0, metrics, isReady: () => true });
    try {
      for (const path of ['/metrics', '/livez', '/readyz']) {
        const res = await request(pub.url).get(path);
        expect(res.status).toBe(404);
        expect(res.text).not.toContain('http_server_request');
      }
      await request(pub.url).get('/v1/health').expect(200);
      const scrape = await (await fetch(`http://127.0.0.1:${admin.port}/metrics`)).text();
      expect(scrape).toMatch(/http_server_requests_total\{method="GET",route="\/v1\/health",status_code="200"\} 1/);
    } finally {
      await pub.close();
    }
  });
});
