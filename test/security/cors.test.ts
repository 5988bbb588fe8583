/**
 * CORS allow-list: allowed origins get the CORS headers (204 on preflight); any other Origin gets a 403 problem
 * with no CORS headers, counted; requests without Origin are untouched.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CORS_EXPOSED_HEADERS } from '../../src/security/cors.js';
import { buildApp, KeyRing, newCounters } from './harness.js';

const KEY = 'pk_live_CorsKeyCorsKeyCorsKey0001';
const keys = new KeyRing();
keys.add(KEY, { tenantId: 'ten_acme' });
const ALLOWED = 'https://portal.example.com';

function setup() {
  const counters = newCounters();
  return { ...buildApp({ keys, counters, corsOrigins: [ALLOWED, 'http://localhost:5173'] }), counters };
}

const noCorsHeaders = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((h) => h.startsWith('access-control-'));

describe('CORS', () => {
  it('an allowed origin gets the CORS headers on a real request', async () => {
    const { app, counters } = setup();
    const res = await request(app).get('/v1/contacts').set('Origin', ALLOWED).set('Authorization', `Bearer ${KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-expose-headers']).toBe(CORS_EXPOSED_HEADERS.join(','));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
    expect(counters.corsBlocked).toEqual([]);
  });

  it('an allowed origin can read error answers too (CORS headers on 401)', async () => {
    const { app } = setup();
    const res = await request(app).get('/v1/contacts').set('Origin', ALLOWED);
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('a preflight from an allowed origin → 204 with methods, headers and max-age', async () => {
    const { app } = setup();
    const res = await request(app)
      .options('/v1/contacts')
      .set('Origin', 'http://localhost:5173')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization, if-none-match');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,OPTIONS');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/If-None-Match/);
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it.each([
    ['a foreign origin', 'https://evil.example.com'],
    ['a look-alike origin', 'https://portal.example.com.evil.com'],
    ['the right host over http', 'http://portal.example.com'],
    ['another port', 'https://portal.example.com:8443'],
    ['the null origin', 'null'],
  ])('%s → 403 origin-not-allowed, no CORS headers, counted', async (_label, origin) => {
    const { app, counters } = setup();
    const res = await request(app).get('/v1/contacts').set('Origin', origin).set('Authorization', `Bearer ${KEY}`);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ type: expect.stringMatching(/\/origin-not-allowed$/) });
    expect(noCorsHeaders(res.headers)).toEqual([]);
    expect(counters.corsBlocked).toEqual([origin]);
  });

  it('a preflight from a foreign origin → 403, no CORS headers, counted', async () => {
    const { app, counters } = setup();
    const res = await request(app).options('/v1/contacts').set('Origin', 'https://evil.example.com').set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(403);
    expect(noCorsHeaders(res.headers)).toEqual([]);
    expect(counters.corsBlocked).toEqual(['https://evil.example.com']);
  });

  it('a request without Origin is not a CORS request: no CORS headers, not counted', async () => {
    const { app, counters } = setup();
    const res = await request(app).get('/v1/contacts').set('Authorization', `Bearer ${KEY}`);
    expect(res.status).toBe(200);
    expect(noCorsHeaders(res.headers)).toEqual([]);
    expect(counters.corsBlocked).toEqual([]);
  });

  it('a same-origin request that carries Origin (module scripts of /docs) passes without CORS headers', async () => {
    const { app, counters } = setup();
    const res = await request(app).get('/v1/health').set('Host', 'api.portal.example.com').set('Origin', 'https://api.portal.example.com');
    expect(res.status).toBe(200);
    expect(noCorsHeaders(res.headers)).toEqual([]);
    expect(counters.corsBlocked).toEqual([]);
    // Same host name, other port: another origin.
    const other = await request(app).get('/v1/health').set('Host', 'api.portal.example.com').set('Origin', 'https://api.portal.example.com:8443');
    expect(other.status).toBe(403);
  });

  it('a plain OPTIONS (no Origin) lists the allowed methods', async () => {
    const { app } = setup();
    const res = await request(app).options('/v1/contacts');
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});
