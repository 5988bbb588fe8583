import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createLogger, isDebugSampled, requestLogger } from '../../src/observability/logger.js';
import { recordRequests } from '../../src/observability/record-requests.js';
import { createAudit, AUDIT_EVENTS } from '../../src/observability/audit.js';
import { traceContextMiddleware } from '../../src/observability/trace.js';
import { contextMiddleware, express, LogCapture } from './support.js';

const API_KEY = 'pk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const BEARER = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ';
const SIG = 'Zm9vYmFyYmF6cXV4c2lnbmF0dXJlMTIzNDU2';

function buildApp(capture: LogCapture, level = 'info', debugLogSampleRate = 1) {
  const logger = createLogger({ level, debugLogSampleRate }, capture);
  const app = express();
  app.use(traceContextMiddleware());
  app.use(contextMiddleware(logger));
  app.use(recordRequests({ logger }));
  app.use((req, _res, next) => {
    if (req.headers.authorization || req.headers['x-api-key']) {
      req.ctx.principal = { tenantId: 'ten_acme', subject: 'key_123', keyId: 'key_123', scopes: [], method: 'api_key' };
    }
    next();
  });
  app.get('/v1/contacts/:id', (req, res) => {
    // Handlers and libraries log carelessly: redaction must hold anyway.
    req.ctx.log.debug({ headers: req.headers, url: req.originalUrl }, 'debug detail');
    req.ctx.log.info({ authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] }, 'careless');
    res.json({ id: req.params.id });
  });
  app.get('/v1/downloads/:id', (req, res) => {
    req.ctx.log.warn({ url: req.originalUrl, err: new Error(`fetch failed for ${req.originalUrl}`) }, 'download refused');
    res.status(403).json({ status: 403 });
  });
  return { app, logger };
}

describe('request logs', () => {
  it('write one compact access line per request with route template, status, duration, trace id, tenant, principal — no headers', async () => {
    const capture = new LogCapture();
    const { app } = buildApp(capture);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await request(app)
      .get('/v1/contacts/con_abc?limit=5')
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .set('X-API-Key', API_KEY)
      .expect(200);
    expect(res.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const access = capture.lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(1);
    const line = access[0]!;
    expect(line).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/v1/contacts/{contactId}',
      status: 200,
      traceId,
      tenant: 'ten_acme',
      principal: 'key_123',
    });
    expect(typeof line.durationMs).toBe('number');
    expect(line).not.toHaveProperty('headers');
    expect(line).not.toHaveProperty('req');
    expect(JSON.stringify(line).length).toBeLessThan(400);
    // Every line written during the request carries the trace id.
    for (const l of capture.lines) expect(l.traceId).toBe(traceId);
  });

  it('a capture of many requests holds no Authorization value, API key or sig= value', async () => {
    const capture = new LogCapture();
    const { app, logger } = buildApp(capture, 'debug');
    await request(app).get('/v1/contacts/con_1').set('Authorization', `Bearer ${BEARER}`).set('Cookie', `session=${BEARER}`).expect(200);
    await request(app).get('/v1/contacts/con_2').set('X-API-Key', API_KEY).expect(200);
    await request(app).get(`/v1/downloads/fil_1?tenant=ten_acme&expires=1893456000&kid=k1&sig=${SIG}`).expect(403);
    await request(app).get(`/v1/contacts/con_3?sig=${SIG}&X-Amz-Signature=${SIG}`).set('Authorization', `ApiKey ${API_KEY}`).expect(200);
    logger.info({ url: `https://portal.example.com/v1/downloads/fil_1?sig=${SIG}` }, 'top-level url');
    expect(capture.raw.length).toBeGreaterThan(8);
    const text = capture.text;
    expect(text).not.toContain(BEARER);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SIG);
    expect(text).not.toMatch(/sig=(?!REDACTED)/i);
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('sig=REDACTED');
    // The redacted lines are still there (not dropped): the debug line with headers and the careless one.
    expect(capture.lines.filter((l) => l.msg === 'careless')).toHaveLength(3);
    expect(capture.lines.filter((l) => l.msg === 'debug detail')).toHaveLength(3);
  });

  it('samples debug lines per trace at debugLogSampleRate; info lines are never sampled', async () => {
    const none = new LogCapture();
    const { app: appNone } = buildApp(none, 'debug', 0);
    for (let i = 0; i < 5; i++) await request(appNone).get(`/v1/contacts/con_${i}`).expect(200);
    expect(none.lines.filter((l) => l.msg === 'debug detail')).toHaveLength(0);
    expect(none.lines.filter((l) => l.msg === 'request')).toHaveLength(5);

    const all = new LogCapture();
    const { app: appAll } = buildApp(all, 'debug', 1);
    for (let i = 0; i < 5; i++) await request(appAll).get(`/v1/contacts/con_${i}`).expect(200);
    expect(all.lines.filter((l) => l.msg === 'debug detail')).toHaveLength(5);

    // The decision is a function of the trace id: stable, and close to the rate over many ids.
    let kept = 0;
    for (let i = 0; i < 20_000; i++) {
      const id = (BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32);
      if (isDebugSampled(id, 0.1)) kept++;
    }
    expect(kept / 20_000).toBeGreaterThan(0.07);
    expect(kept / 20_000).toBeLessThan(0.13);
    expect(isDebugSampled('4bf92f3577b34da6a3ce929d0e0e4736', 0.5)).toBe(isDebugSampled('4bf92f3577b34da6a3ce929d0e0e4736', 0.5));
  });

  it('keeps info level for a request logger when the base level is info', () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', debugLogSampleRate: 1 }, capture);
    const child = requestLogger(logger, '0af7651916cd43dd8448eb211c80319c');
    child.debug('hidden');
    child.info('shown');
    expect(capture.lines.map((l) => l.msg)).toEqual(['shown']);
    expect(capture.lines[0]!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    // The binding appears exactly once in the raw line.
    expect(capture.raw[0]!.match(/"traceId"/g)).toHaveLength(1);
  });
});

describe('audit stream', () => {
  it('writes {audit: true, event, …} lines, even when LOG_LEVEL silences info, with URLs redacted', () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'warn' }, capture);
    const audit = createAudit(logger);
    audit('file.url_issued', {
      tenantId: 'ten_acme',
      principal: 'key_1',
      fileId: 'fil_1',
      url: `https://portal.example.com/v1/downloads/fil_1?tenant=ten_acme&kid=k1&sig=${SIG}`,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    audit('authz.cross_tenant', { principal: 'key_1', tenant: 'ten_acme', ownerTenant: 'ten_globex', kind: 'contact', route: '/v1/contacts/{contactId}', event: 'spoofed', audit: false });
    logger.info('ordinary info line is below warn');
    const lines = capture.lines;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ audit: true, event: 'file.url_issued', tenantId: 'ten_acme', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(lines[0]!.url).toContain('sig=REDACTED');
    expect(capture.text).not.toContain(SIG);
    expect(lines[1]).toMatchObject({ audit: true, event: 'authz.cross_tenant', ownerTenant: 'ten_globex' });
    expect(capture.raw[1]!.match(/"audit"/g)).toHaveLength(1);
    expect(capture.raw[1]!.match(/"event"/g)).toHaveLength(1);
    expect(AUDIT_EVENTS).toEqual(expect.arrayContaining(['authz.cross_tenant', 'file.url_issued', 'file.downloaded']));
  });

  it('writes nothing when the logger is silent', () => {
    const capture = new LogCapture();
    createAudit(createLogger({ level: 'silent' }, capture))('file.downloaded', { fileId: 'fil_1' });
    expect(capture.raw).toHaveLength(0);
  });
});

describe('recordRequests (metrics + access line from one listener)', () => {
  it('counts and logs every request once, including one the client abandoned (499)', async () => {
    const { createMetrics } = await import('../../src/observability/metrics.js');
    const { parseExposition } = await import('../../src/observability/exposition.js');
    const { listen } = await import('./support.js');
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info' }, capture);
    const metrics = createMetrics({ version: '1', revision: 'r', defaultMetrics: false });
    const app = express();
    app.use(traceContextMiddleware());
    app.use(contextMiddleware(logger));
    app.use(recordRequests({ logger, metrics }));
    app.get('/v1/health', (_req, res) => {
      res.json({ status: 'ok' });
    });
    let stalled!: () => void;
    const reached = new Promise<void>((r) => (stalled = r));
    app.get('/v1/jobs/:id', () => {
      stalled(); // never answers: the client gives up
    });
    const server = await listen(app);
    try {
      for (let i = 0; i < 3; i++) await (await fetch(`${server.url}/v1/health`)).arrayBuffer();
      const ctrl = new AbortController();
      const abandoned = fetch(`${server.url}/v1/jobs/job_1`, { signal: ctrl.signal }).catch(() => 'aborted');
      await reached;
      ctrl.abort();
      expect(await abandoned).toBe('aborted');
      for (let i = 0; i < 50 && capture.lines.filter((l) => l.msg === 'request').length < 4; i++) await new Promise((r) => setTimeout(r, 20));
      const access = capture.lines.filter((l) => l.msg === 'request');
      expect(access.map((l) => [l.route, l.status])).toEqual([
        ['/v1/health', 200],
        ['/v1/health', 200],
        ['/v1/health', 200],
        ['/v1/jobs/{jobId}', 499],
      ]);
      const s = parseExposition(await metrics.render());
      const total = (status: string, route: string) => s.find((x) => x.name === 'http_server_requests_total' && x.labels.status_code === status && x.labels.route === route)?.value;
      expect(total('200', '/v1/health')).toBe(3);
      expect(total('499', '/v1/jobs/{jobId}')).toBe(1);
    } finally {
      await server.close();
    }
  });
});
