/**
 * The security suite against the real app: createApp with the real SQL store (SQLite on disk) and the demo
 * tenants, OIDC against a real JWKS server. Every bad token kind → 401; every foreign-tenant id on every resource
 * → the same 404 as a missing one plus exactly one audit event; missing scope → 403; CORS; headers on every
 * answer kind; 60/120 per minute; traversal payloads never 5xx and never another tenant's data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DEMO_API_KEYS } from '../../src/backend/sql/seed.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { openDependencies, type Dependencies } from '../../src/runtime/dependencies.js';
import { applyServerHardening, serverOptions } from '../../src/security/server-hardening.js';
import { startJwksServer, type JwksServer } from '../support/jwks.js';

const ACME = `Bearer ${DEMO_API_KEYS.acme.secret}`;
const GLOBEX = `Bearer ${DEMO_API_KEYS.globex.secret}`;

let jwks: JwksServer;
let dir: string;
let deps: Dependencies;
let servers: Server[] = [];
const audit: Array<{ event: string; fields: Record<string, unknown> }> = [];

async function start(env: Record<string, string> = {}): Promise<Server> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: dir,
    PORTAL_OIDC_ISSUER: jwks.issuer,
    PORTAL_OIDC_AUDIENCE: jwks.audience,
    PORTAL_OIDC_JWKS_URL: jwks.url,
    PORTAL_RESPONSE_VALIDATION: 'throw',
    ...env,
  });
  const logger = createLogger({ level: 'silent', debugLogSampleRate: 0 });
  const app = createApp({ config, backend: deps.backend, blobs: deps.blobs, logger, audit: (event, fields) => audit.push({ event, fields }) });
  const server = createServer(serverOptions(config.http), app);
  applyServerHardening(server, config.http);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return server;
}

/** Globex ids, read through the API with Globex's own key. */
const globex = { contact: '', job: '', file: '' };
const acme = { job: '' };
let s: Server;

beforeAll(async () => {
  jwks = await startJwksServer();
  dir = mkdtempSync(path.join(tmpdir(), 'portal-sec-app-'));
  const config = loadConfig({ NODE_ENV: 'test', PORTAL_DATA_DIR: dir });
  deps = await openDependencies(config, createLogger({ level: 'silent', debugLogSampleRate: 0 }));
  s = await start();
  globex.contact = (await request(s).get('/v1/contacts?limit=1').set('Authorization', GLOBEX)).body.data[0].id;
  const jobs = (await request(s).get('/v1/jobs?limit=50').set('Authorization', GLOBEX)).body.data as Array<{ id: string; fileCount: number }>;
  const withFiles = jobs.find((j) => j.fileCount > 0)!;
  globex.job = withFiles.id;
  globex.file = (await request(s).get(`/v1/jobs/${globex.job}/files`).set('Authorization', GLOBEX)).body.data[0].id;
  const acmeJobs = (await request(s).get('/v1/jobs?limit=50').set('Authorization', ACME)).body.data as Array<{ id: string; fileCount: number }>;
  acme.job = acmeJobs.find((j) => j.fileCount > 0)!.id;
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((x) => new Promise<void>((r) => x.close(() => r()))));
  servers = [];
  await deps?.close();
  await jwks?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('authentication on the real app', () => {
  const cases: Array<[string, () => Promise<string | undefined> | string | undefined]> = [
    ['missing', () => undefined],
    ['malformed', () => 'Bearer not-a-token'],
    ['unknown API key', () => 'Bearer pk_live_UnknownUnknownUnknownUnknown00'],
    ['expired', async () => `Bearer ${await jwks.sign({}, { expiresIn: -120 })}`],
    ['not yet valid', async () => `Bearer ${await jwks.sign({}, { notBefore: 600 })}`],
    ['wrong issuer', async () => `Bearer ${await jwks.sign({}, { issuer: 'https://evil.example.com/' })}`],
    ['wrong audience', async () => `Bearer ${await jwks.sign({}, { audience: 'other' })}`],
    ['alg none', () => `Bearer ${jwks.unsigned()}`],
    ['HS256 with the public key', async () => `Bearer ${await jwks.hs256WithPublicKey()}`],
    ['unknown kid', async () => {
      await jwks.addKey('never-published');
      return `Bearer ${await jwks.sign({}, { kid: 'never-published' })}`;
    }],
  ];
  it.each(cases)('%s → 401 with WWW-Authenticate', async (_name, auth) => {
    const header = await auth();
    const req = request(s).get('/v1/contacts');
    if (header) req.set('Authorization', header);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.body.detail ?? JSON.parse(res.text).detail).toBe('A valid bearer token is required.');
  });

  it('a revoked key → 401 at once', async () => {
    const store = (await import('../../src/backend/sql/store.js')).openSqlStore;
    const admin = await store({ dataDir: dir, migrate: false });
    try {
      const created = await admin.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'] });
      const auth = `Bearer ${created.secret}`;
      expect((await request(s).get('/v1/contacts').set('Authorization', auth)).status).toBe(200);
      await admin.revokeApiKey(created.key.id);
      const res = await request(s).get('/v1/contacts').set('Authorization', auth);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      // Its scopes: contacts only.
    } finally {
      await admin.close();
    }
  });

  it('a good JWT → the tenant of its claim; a missing scope → 403', async () => {
    const ok = await request(s).get('/v1/contacts?limit=1').set('Authorization', `Bearer ${await jwks.sign({ tenant_id: 'ten_globex', scope: 'contacts:read' })}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data[0].id).toBe(globex.contact);
    const res = await request(s).get('/v1/jobs').set('Authorization', `Bearer ${await jwks.sign({ scope: 'contacts:read' })}`);
    expect(res.status).toBe(403);
    expect(res.body.type ?? JSON.parse(res.text).type).toMatch(/\/insufficient-scope$/);
  });
});

describe('tenant isolation on the real app', () => {
  const resources = () => [
    ['contact', `/v1/contacts/${globex.contact}`, 'con_000000000000000000000z'.replace(/z$/, '0'), (id: string) => `/v1/contacts/${id}`],
    ['job', `/v1/jobs/${globex.job}`, 'job_0000000000000000000000', (id: string) => `/v1/jobs/${id}`],
    ['job (its files)', `/v1/jobs/${globex.job}/files`, 'job_0000000000000000000000', (id: string) => `/v1/jobs/${id}/files`],
    ['file (of a foreign job)', `/v1/jobs/${globex.job}/files/${globex.file}`, 'fil_0000000000000000000000', (id: string) => `/v1/jobs/${globex.job}/files/${id}`],
    ['file (under an own job)', `/v1/jobs/${acme.job}/files/${globex.file}`, 'fil_0000000000000000000000', (id: string) => `/v1/jobs/${acme.job}/files/${id}`],
  ] as const;

  it('every foreign-tenant id on every resource → the same 404 as a missing id, and one audit event each', async () => {
    for (const [label, foreignPath, missingId, pathFor] of resources()) {
      audit.length = 0;
      const foreign = await request(s).get(foreignPath).set('Authorization', ACME);
      expect(foreign.status, label).toBe(404);
      expect(audit.filter((a) => a.event === 'authz.cross_tenant'), label).toHaveLength(1);
      expect(audit[0]!.fields, label).toMatchObject({ tenant: 'ten_acme', ownerTenant: 'ten_globex', principal: DEMO_API_KEYS.acme.keyId });
      expect(String(audit[0]!.fields.route), label).toMatch(/^\/v1\/(contacts|jobs)\//);

      audit.length = 0;
      const missing = await request(s).get(pathFor(missingId)).set('Authorization', ACME);
      expect(missing.status, label).toBe(404);
      expect(audit, label).toEqual([]);
      const strip = (b: Record<string, unknown>) => ({ ...b, traceId: undefined, instance: undefined, detail: undefined });
      expect(strip(JSON.parse(foreign.text)), label).toEqual(strip(JSON.parse(missing.text)));
      expect(foreign.text, label).not.toContain('ten_globex');
    }
  });
});

describe('headers, CORS and hygiene on the real app', () => {
  const sec = (h: Record<string, string>) => {
    expect(h['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('no-referrer');
    expect(h['content-security-policy']).toMatch(/^default-src 'none'; /);
    expect(h['x-powered-by']).toBeUndefined();
  };

  it('every answer kind carries the headers: 200, 304, 401, 403, 404, 405, 400, 503', async () => {
    const first = await request(s).get(`/v1/contacts/${globex.contact}`).set('Authorization', GLOBEX);
    expect(first.status).toBe(200);
    sec(first.headers as Record<string, string>);
    expect(first.headers.ratelimit).toMatch(/^"60-in-1min"; r=\d+; t=\d+$/);
    const etag = first.headers.etag as string;
    const notModified = await request(s).get(`/v1/contacts/${globex.contact}`).set('Authorization', GLOBEX).set('If-None-Match', etag);
    expect(notModified.status).toBe(304);
    sec(notModified.headers as Record<string, string>);
    for (const [status, req] of [
      [401, request(s).get('/v1/jobs')],
      [403, request(s).get('/v1/jobs').set('Origin', 'https://evil.example.com')],
      [404, request(s).get('/v1/nope').set('Authorization', ACME)],
      [405, request(s).post('/v1/jobs').set('Authorization', ACME)],
      [400, request(s).get('/v1/jobs?limit=1000').set('Authorization', ACME)],
    ] as const) {
      const res = await req;
      expect(res.status).toBe(status);
      sec(res.headers as Record<string, string>);
    }
    jwks.failing(true);
    try {
      // A fresh app: its key set is not cached yet, and the provider answers 500.
      const fresh = await start();
      const res = await request(fresh).get('/v1/jobs').set('Authorization', `Bearer ${await jwks.sign()}`);
      expect(res.status).toBe(503);
      sec(res.headers as Record<string, string>);
    } finally {
      jwks.failing(false);
    }
  });

  it('one RateLimit header per answer (limiters never stack)', async () => {
    for (const p of ['/v1/health', '/openapi.json', '/v1/contacts']) {
      const res = await request(s).get(p).set('Authorization', ACME);
      expect(res.status, p).toBe(200);
      expect(String(res.headers.ratelimit), p).not.toContain(',');
      expect(String(res.headers['ratelimit-policy']), p).not.toContain(',');
    }
  });

  it('CORS: allowed, blocked, preflight', async () => {
    const ok = await request(s).get('/v1/health').set('Origin', 'https://portal.example.com');
    expect(ok.headers['access-control-allow-origin']).toBe('https://portal.example.com');
    expect(ok.headers['access-control-expose-headers']).toContain('RateLimit');
    const bad = await request(s).get('/v1/health').set('Origin', 'https://evil.example.com');
    expect(bad.status).toBe(403);
    expect(Object.keys(bad.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const pre = await request(s).options(`/v1/jobs/${globex.job}`).set('Origin', 'https://portal.example.com').set('Access-Control-Request-Method', 'GET');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-max-age']).toBe('600');
  });

  it('the docs page gets its own CSP: our scripts only', async () => {
    const res = await request(s).get('/docs/');
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')*;/);
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|\*|https?:)/);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  const TRAVERSALS = [
    '/v1/contacts/..%2fjobs',
    '/v1/contacts/%2e%2e%2fjobs',
    '/v1/contacts/%252e%252e%252fjobs',
    '/v1/contacts/..%5c..%5cjobs',
    '/v1/contacts/..\\jobs',
    '/v1/contacts/con_x%00',
    '/v1/contacts?q=%00',
    '/v1/jobs/../contacts',
    '/v1/jobs/JOB/files/..%2f..%2f..%2fetc%2fpasswd',
    '/v1/jobs/JOB/files/%2e%2e',
    '/v1/downloads/..%2f..%2fblobs?tenant=ten_globex&expires=9999999999&kid=dev&sig=x',
    `/v1/contacts/${'a'.repeat(300)}`,
    '/v1/contacts/con_4k9Qx2VbN7mT1pLs8ZrY3a%20',
  ];
  it.each(TRAVERSALS)('%s → 400 or 404, never 5xx, never data', async (target) => {
    const t = target.replace('JOB', globex.job);
    const { port } = s.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => sock.write(`GET ${t} HTTP/1.1\r\nHost: x\r\nAuthorization: ${ACME}\r\nConnection: close\r\n\r\n`));
      let data = '';
      sock.on('data', (c) => (data += c.toString('latin1')));
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
    expect([400, 404]).toContain(status);
    expect(raw).toMatch(/application\/problem\+json/);
    expect(raw).not.toContain('"data"');
    expect(raw).not.toContain('ten_globex');
  });
});

describe('rate limits on the real app', () => {
  it('the 61st request in a minute → 429 with Retry-After ≤ 60; files routes allow 120', async () => {
    const fresh = await start();
    const token = `Bearer ${await jwks.sign({ sub: 'rate-limit-subject', tenant_id: 'ten_globex' })}`;
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await request(fresh).get('/v1/jobs?limit=1').set('Authorization', token)).status);
    expect(statuses.every((x) => x === 200)).toBe(true);
    const over = await request(fresh).get('/v1/jobs?limit=1').set('Authorization', token);
    expect(over.status).toBe(429);
    const retry = Number(over.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(over.headers.ratelimit).toMatch(/^"60-in-1min"; r=0; t=\d+$/);
    expect(over.headers['ratelimit-policy']).toMatch(/^"60-in-1min"; q=60; w=60/);

    const files: number[] = [];
    for (let i = 0; i < 120; i++) files.push((await request(fresh).get(`/v1/jobs/${globex.job}/files?limit=1`).set('Authorization', token)).status);
    expect(files.every((x) => x === 200)).toBe(true);
    expect((await request(fresh).get(`/v1/jobs/${globex.job}/files?limit=1`).set('Authorization', token)).status).toBe(429);
  }, 60_000);
});
