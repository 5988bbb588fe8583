import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createMetrics, AUTH_FAILURE_REASONS, HTTP_DURATION_BUCKETS, downloadOutcome } from '../../src/observability/metrics.js';
import { recordRequests } from '../../src/observability/record-requests.js';
import { createLogger } from '../../src/observability/logger.js';
import { parseExposition, type Sample } from '../../src/observability/exposition.js';
import { AUTH_FAILURE_REASONS as SECURITY_REASONS } from '../../src/security/authenticate.js';
import { contextMiddleware, express, LogCapture } from './support.js';

function buildApp() {
  const metrics = createMetrics({ version: '1.2.3', revision: 'abc123' });
  const logger = createLogger({ level: 'info' }, new LogCapture());
  const app = express();
  app.use(contextMiddleware(logger));
  app.use(recordRequests({ metrics }));
  app.get('/v1/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/v1/contacts/:id', (req, res) => {
    if (req.params.id.startsWith('con_missing')) res.status(404).json({ status: 404 });
    else res.json({ id: req.params.id });
  });
  app.get('/v1/downloads/:id', (req, res) => {
    res.status(req.params.id === 'fil_ok' ? 200 : 403).end();
  });
  return { app, metrics };
}

const series = (samples: Sample[]) => samples.length;
const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('HTTP metrics', () => {
  const { app, metrics } = buildApp();

  it('histogram and counter counts equal the requests sent, per route template and status', async () => {
    for (let i = 0; i < 25; i++) await request(app).get('/v1/health').expect(200);
    for (let i = 0; i < 7; i++) await request(app).get(`/v1/contacts/con_${i}`).expect(200);
    for (let i = 0; i < 3; i++) await request(app).get(`/v1/contacts/con_missing${i}`).expect(404);
    const s = parseExposition(await metrics.render());
    const health = { method: 'GET', route: '/v1/health', status_code: '200' };
    expect(find(s, 'http_server_request_duration_seconds_count', health)).toBe(25);
    expect(find(s, 'http_server_requests_total', health)).toBe(25);
    expect(find(s, 'http_server_request_duration_seconds_bucket', { ...health, le: '+Inf' })).toBe(25);
    expect(find(s, 'http_server_request_duration_seconds_count', { route: '/v1/contacts/{contactId}', status_code: '200' })).toBe(7);
    expect(find(s, 'http_server_requests_total', { route: '/v1/contacts/{contactId}', status_code: '404' })).toBe(3);
    // Every SLO threshold is a bucket boundary.
    for (const le of [0.05, 0.1, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 5]) expect(HTTP_DURATION_BUCKETS).toContain(le);
    const les = s.filter((x) => x.name === 'http_server_request_duration_seconds_bucket' && x.labels.route === '/v1/health').map((x) => x.labels.le);
    expect(les).toEqual([...HTTP_DURATION_BUCKETS.map(String), '+Inf']);
  });

  it('1,000 distinct ids and 1,000 unknown paths leave the series count unchanged', async () => {
    // Warm up every label combination once.
    await request(app).get('/v1/contacts/con_warm').expect(200);
    await request(app).get('/no/such/path/warm').expect(404);
    const before = series(parseExposition(await metrics.render()).filter((x) => !x.name.startsWith('nodejs_') && !x.name.startsWith('process_')));
    const agent = request.agent(app);
    for (let i = 0; i < 1000; i++) {
      await agent.get(`/v1/contacts/con_${i.toString(36)}x${i}`).expect(200);
      await agent.get(`/x/${i}/unknown-${i}`).expect(404);
    }
    const after = parseExposition(await metrics.render());
    expect(series(after.filter((x) => !x.name.startsWith('nodejs_') && !x.name.startsWith('process_')))).toBe(before);
    expect(find(after, 'http_server_requests_total', { route: 'unmatched', status_code: '404' })).toBe(1001);
    expect(after.some((x) => Object.values(x.labels).some((v) => v.includes('con_1x1') || v.includes('/x/')))).toBe(false);
  });

  it('counts download outcomes from the download route status', async () => {
    await request(app).get('/v1/downloads/fil_ok').expect(200);
    await request(app).get('/v1/downloads/fil_bad').expect(403);
    const s = parseExposition(await metrics.render());
    expect(find(s, 'portal_downloads_total', { outcome: 'ok' })).toBe(1);
    expect(find(s, 'portal_downloads_total', { outcome: 'refused' })).toBe(1);
    expect(downloadOutcome(206)).toBe('partial');
    expect(downloadOutcome(499)).toBe('aborted');
    expect(downloadOutcome(502)).toBe('error');
  });
});

describe('metric helpers', () => {
  it('keep every label value in a closed set', async () => {
    const m = createMetrics({ version: '1.0.0', revision: 'r1', defaultMetrics: false });
    m.observeHttp('BREW', '/v1/health', 200, 0.01);
    m.observeHttp('GET', '/v1/health', 1000, 0.01);
    m.authFailure('expired');
    m.authFailure('something the attacker typed');
    m.rateLimited('api');
    m.rateLimited('evil{label="x"}');
    m.backendCall('listContacts', 'ok', 0.02);
    m.backendCall('bad op name!', 'weird' as never, 0.02);
    m.backendRetry('listContacts');
    m.backendTimeout('listContacts');
    m.bulkheadRejection();
    m.circuitState('open');
    m.corsBlocked();
    m.crossTenantAttempt();
    m.signedUrlIssued();
    const s = parseExposition(await m.render());
    expect(find(s, 'http_server_requests_total', { method: 'OTHER' })).toBe(1);
    expect(find(s, 'http_server_requests_total', { status_code: 'invalid' })).toBe(1);
    expect(find(s, 'portal_auth_failures_total', { reason: 'expired' })).toBe(1);
    expect(find(s, 'portal_auth_failures_total', { reason: 'other' })).toBe(1);
    expect(find(s, 'portal_rate_limited_total', { limiter: 'other' })).toBe(1);
    expect(find(s, 'portal_backend_call_duration_seconds_count', { operation: 'other', outcome: 'error' })).toBe(1);
    expect(find(s, 'portal_backend_call_duration_seconds_count', { operation: 'listContacts', outcome: 'ok' })).toBe(1);
    expect(find(s, 'portal_backend_retries_total', { operation: 'listContacts' })).toBe(1);
    expect(find(s, 'portal_backend_timeouts_total', { operation: 'listContacts' })).toBe(1);
    expect(find(s, 'portal_backend_bulkhead_rejections_total', {})).toBe(1);
    expect(find(s, 'portal_backend_circuit_state', {})).toBe(2);
    expect(find(s, 'portal_cors_blocked_total', {})).toBe(1);
    expect(find(s, 'portal_cross_tenant_attempts_total', {})).toBe(1);
    expect(find(s, 'portal_signed_urls_issued_total', {})).toBe(1);
    expect(find(s, 'portal_build_info', { version: '1.0.0', revision: 'r1' })).toBe(1);
    // Nothing an attacker sent became a label value.
    expect(s.some((x) => Object.values(x.labels).some((v) => /attacker|evil|BREW|bad op/.test(v)))).toBe(false);
  });

  it("cover every authentication failure reason the security module reports", () => {
    for (const reason of SECURITY_REASONS) expect(AUTH_FAILURE_REASONS).toContain(reason);
  });

  it('registries are independent and include the default process metrics', async () => {
    const a = createMetrics({ version: '1', revision: 'a' });
    const b = createMetrics({ version: '1', revision: 'b' });
    a.corsBlocked();
    const sa = parseExposition(await a.render());
    const sb = parseExposition(await b.render());
    expect(find(sa, 'portal_cors_blocked_total', {})).toBe(1);
    expect(find(sb, 'portal_cors_blocked_total', {})).toBe(0);
    expect(sa.some((x) => x.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(sa.some((x) => x.name.startsWith('nodejs_eventloop_lag'))).toBe(true);
  });
});
