/**
 * Observability through the production pipeline: createApp over the real SQL store (seeded SQLite on disk),
 * scraped from the real admin listener, with every log line captured.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../src/observability/admin-server.js';
import { parseExposition, type Sample } from '../../src/observability/exposition.js';
import { ACME_KEY, GLOBEX_KEY, auth, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let admin: AdminServer;

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${admin.port}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}
const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

beforeAll(async () => {
  t = await startTestApp({ PORTAL_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000' });
  admin = await startAdminServer({ host: '127.0.0.1', port: 0, metrics: t.metrics, isReady: () => true });
});
afterAll(async () => {
  await admin?.close();
  await t?.close();
});

describe('observability through createApp', () => {
  it('serves no admin path on the public port; the admin port serves them', async () => {
    for (const path of ['/metrics', '/livez', '/readyz']) {
      const res = await request(t.url).get(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.text).not.toContain('http_server_request');
    }
    expect((await fetch(`http://127.0.0.1:${admin.port}/livez`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${admin.port}/readyz`)).status).toBe(200);
  });

  it('histogram counts, request counters and access lines all equal the requests sent', async () => {
    const before = await scrape();
    const linesBefore = t.logs.records().filter((l) => l.msg === 'request').length;
    const route = { route: '/v1/contacts', method: 'GET', status_code: '200' };
    const beforeCount = sum(before, 'http_server_request_duration_seconds_count', route);
    const sent = { ok: 12, unauthorized: 4, health: 5 };
    for (let i = 0; i < sent.ok; i++) await request(t.url).get('/v1/contacts?limit=2').set(auth()).expect(200);
    for (let i = 0; i < sent.unauthorized; i++) await request(t.url).get('/v1/contacts').set('Authorization', 'Bearer pk_live_wrong_key_000000000000000000').expect(401);
    for (let i = 0; i < sent.health; i++) await request(t.url).get('/v1/health').expect(200);
    const after = await scrape();
    expect(sum(after, 'http_server_request_duration_seconds_count', route) - beforeCount).toBe(sent.ok);
    expect(sum(after, 'http_server_request_duration_seconds_bucket', { ...route, le: '+Inf' }) - beforeCount).toBe(sent.ok);
    expect(sum(after, 'http_server_requests_total', { route: '/v1/contacts', status_code: '401' }) - sum(before, 'http_server_requests_total', { route: '/v1/contacts', status_code: '401' })).toBe(sent.unauthorized);
    expect(sum(after, 'portal_auth_failures_total') - sum(before, 'portal_auth_failures_total')).toBe(sent.unauthorized);
    const total = sent.ok + sent.unauthorized + sent.health;
    expect(sum(after, 'http_server_requests_total') - sum(before, 'http_server_requests_total')).toBe(total);
    // Counters match the access log exactly.
    const access = t.logs.records().filter((l) => l.msg === 'request');
    expect(access.length - linesBefore).toBe(total);
    const last = access.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', route: '/v1/health', status: 200 });
    expect(last.traceId).toMatch(/^[0-9a-f]{32}$/);
    const authed = access.find((l) => l.route === '/v1/contacts' && l.status === 200)!;
    expect(authed).toMatchObject({ tenant: 'ten_acme', operationId: 'listContacts' });
    expect(typeof authed.principal).toBe('string');
  });

  it('1,000 distinct ids leave the series count unchanged', async () => {
    // Warm every label combination the loop will produce.
    await request(t.url).get('/v1/contacts/con_000000000000000000Warm').set(auth()).expect(404);
    await request(t.url).get('/v1/contacts/not-an-id').set(auth()).expect(400);
    await request(t.url).get('/v1/nope/warm').set(auth()).expect(404);
    const before = (await scrape()).length;
    for (let i = 0; i < 1000; i++) {
      const id = `con_${i.toString(36).padStart(22, 'z')}`;
      // Unknown ids (404), malformed ids (400) and unknown paths (404, route "unmatched").
      const path = [`/v1/contacts/${id}`, `/v1/contacts/${id}-x`, `/v1/nope/${id}`][i % 3];
      const res = await request(t.url).get(path!).set(auth());
      expect(res.status).toBe(i % 3 === 1 ? 400 : 404);
    }
    const after = await scrape();
    expect(after.length).toBe(before);
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes('zzz')))).toBe(false);
  });

  it('the log capture of the whole run holds no Authorization value, API key or sig= value; audit lines are marked', async () => {
    // Signed URLs issued and used, a cross-tenant probe, bad keys in every spelling.
    const jobs = await request(t.url).get('/v1/jobs?status=succeeded&limit=20').set(auth()).expect(200);
    const job = jobs.body.data.find((j: { fileCount: number }) => j.fileCount > 0);
    const files = await request(t.url).get(`/v1/jobs/${job.id}/files`).set(auth()).expect(200);
    const downloadUrl: string = files.body.data[0].downloadUrl;
    const sig = new URL(downloadUrl).searchParams.get('sig')!;
    expect(sig.length).toBeGreaterThan(10);
    const dl = await fetch(downloadUrl);
    expect(dl.status).toBe(200);
    await dl.arrayBuffer();
    const tampered = downloadUrl.replace(/sig=[^&]+/, `sig=${sig.slice(0, -4)}AAAA`);
    expect((await fetch(tampered)).status).toBe(403);
    await request(t.url).get(`/v1/jobs/${job.id}`).set(auth(GLOBEX_KEY)).expect(404);
    await request(t.url).get('/v1/contacts').set('X-API-Key', ACME_KEY).set('Cookie', `session=${ACME_KEY}`);
    await request(t.url).get(`/v1/contacts?api_key=${ACME_KEY}&sig=${sig}`).set(auth());

    await new Promise((r) => setTimeout(r, 50));
    const text = t.logs.text();
    expect(t.logs.lines.length).toBeGreaterThan(10);
    for (const secret of [ACME_KEY, GLOBEX_KEY, sig, sig.slice(0, -4)]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/Bearer [A-Za-z0-9_]/);
    expect(text).not.toMatch(/sig=(?!REDACTED)/);

    const audits = t.logs.records().filter((l) => l.audit === true);
    const events = audits.map((l) => l.event);
    expect(events).toContain('file.url_issued');
    expect(events).toContain('file.downloaded');
    expect(events).toContain('authz.cross_tenant');
    for (const a of audits) expect(typeof a.event).toBe('string');
    const s = await scrape();
    expect(sum(s, 'portal_signed_urls_issued_total')).toBeGreaterThan(0);
    expect(sum(s, 'portal_cross_tenant_attempts_total')).toBe(1);
    expect(sum(s, 'portal_downloads_total', { outcome: 'ok' })).toBe(1);
    expect(sum(s, 'portal_downloads_total', { outcome: 'refused' })).toBe(1);
    expect(sum(s, 'portal_backend_call_duration_seconds_count')).toBeGreaterThan(0);
  });

  it('every response carries traceparent and every problem body the same traceId', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await request(t.url).get('/v1/contacts/con_missing000000000000000').set(auth()).set('traceparent', `00-${traceId}-b7ad6b7169203331-01`);
    expect(res.status).toBe(404);
    expect(res.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(res.body.traceId).toBe(traceId);
    const lines = t.logs.records().filter((l) => l.traceId === traceId);
    expect(lines.some((l) => l.msg === 'request' && l.status === 404)).toBe(true);
    const fresh = await request(t.url).get('/v1/health');
    expect(fresh.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
});
