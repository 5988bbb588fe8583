/**
 * Authentication, table-driven: every bad credential kind → the same 401 (with `WWW-Authenticate`), counted by
 * its own reason; good API keys and JWTs (verified against a real JWKS served over HTTP) → a principal.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksServer, type JwksServer } from '../support/jwks.js';
import { buildApp, KeyRing, newCounters } from './harness.js';

const GOOD_KEY = 'pk_live_GoodKeyGoodKeyGoodKey0001';
const REVOKED_KEY = 'pk_live_RevokedKeyRevokedKey0002';
const NARROW_KEY = 'pk_live_NarrowKeyNarrowKey00003';

let jwks: JwksServer;
const keys = new KeyRing();
const logLines: string[] = [];

function setup(extra: { jwksCooldownMs?: number } = {}) {
  const counters = newCounters();
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  );
  const { app } = buildApp({
    keys,
    counters,
    log,
    limits: { api: 10_000 },
    oidc: {
      issuer: jwks.issuer,
      audience: jwks.audience,
      jwksUrl: jwks.url,
      tenantClaim: 'tenant_id',
      clockToleranceSeconds: 60,
      jwksCooldownMs: extra.jwksCooldownMs,
    },
  });
  return { app, counters };
}

beforeAll(async () => {
  jwks = await startJwksServer();
  keys.add(GOOD_KEY, { tenantId: 'ten_acme', id: 'key_good' });
  keys.add(REVOKED_KEY, { tenantId: 'ten_acme', id: 'key_revoked', revokedAt: '2025-01-01T00:00:00.000Z' });
  keys.add(NARROW_KEY, { tenantId: 'ten_acme', id: 'key_narrow', scopes: ['jobs:read'] });
  await jwks.addKey('unpublished-1');
});

afterAll(async () => {
  await jwks?.close();
});

type Case = { name: string; reason: string; auth: () => Promise<string | undefined> | string | undefined };

const bearer = (t: string) => `Bearer ${t}`;
const cases: Case[] = [
  { name: 'missing header', reason: 'missing', auth: () => undefined },
  { name: 'empty header', reason: 'missing', auth: () => '' },
  { name: 'not a bearer scheme', reason: 'malformed', auth: () => `Basic ${Buffer.from('a:b').toString('base64')}` },
  { name: 'bearer without token', reason: 'malformed', auth: () => 'Bearer ' },
  { name: 'garbage token', reason: 'malformed', auth: () => bearer('not-a-token') },
  { name: 'two tokens', reason: 'malformed', auth: () => `Bearer ${GOOD_KEY} ${GOOD_KEY}` },
  { name: 'api key with bad characters', reason: 'malformed', auth: () => bearer('pk_live_bad!chars!here!!') },
  { name: 'unknown api key', reason: 'unknown_key', auth: () => bearer('pk_live_UnknownUnknownUnknown0000') },
  { name: 'revoked api key', reason: 'revoked_key', auth: () => bearer(REVOKED_KEY) },
  { name: 'expired JWT (beyond the 60 s skew)', reason: 'expired', auth: async () => bearer(await jwks.sign({}, { expiresIn: -120 })) },
  { name: 'JWT not yet valid', reason: 'not_yet_valid', auth: async () => bearer(await jwks.sign({}, { notBefore: 600 })) },
  { name: 'JWT wrong issuer', reason: 'bad_issuer', auth: async () => bearer(await jwks.sign({}, { issuer: 'https://evil.example.com/' })) },
  { name: 'JWT wrong audience', reason: 'bad_audience', auth: async () => bearer(await jwks.sign({}, { audience: 'someone-else' })) },
  { name: 'JWT without exp', reason: 'bad_claims', auth: async () => bearer(await jwks.sign({}, { omit: ['exp'] })) },
  { name: 'JWT alg none', reason: 'bad_alg', auth: () => bearer(jwks.unsigned()) },
  { name: 'JWT HS256 signed with the public key', reason: 'bad_alg', auth: async () => bearer(await jwks.hs256WithPublicKey()) },
  { name: 'JWT unknown kid', reason: 'unknown_kid', auth: async () => bearer(await jwks.sign({}, { kid: 'unpublished-1' })) },
  {
    name: 'JWT tampered payload',
    reason: 'bad_signature',
    auth: async () => {
      const [h, , s] = (await jwks.sign()).split('.');
      const forged = Buffer.from(JSON.stringify({ tenant_id: 'ten_globex', sub: 'x', iss: jwks.issuer, aud: jwks.audience, exp: 9999999999 })).toString('base64url');
      return bearer(`${h}.${forged}.${s}`);
    },
  },
  { name: 'JWT without tenant claim', reason: 'no_tenant', auth: async () => bearer(await jwks.sign({ tenant_id: undefined })) },
  { name: 'JWT with an invalid tenant', reason: 'no_tenant', auth: async () => bearer(await jwks.sign({ tenant_id: '../ten_acme' })) },
  { name: 'JWT without sub', reason: 'no_subject', auth: async () => bearer(await jwks.sign({}, { omit: ['sub'] })) },
  { name: 'JWT with an empty sub', reason: 'no_subject', auth: async () => bearer(await jwks.sign({ sub: '' })) },
  { name: 'JWT with a sub over 256 characters', reason: 'no_subject', auth: async () => bearer(await jwks.sign({ sub: 's'.repeat(257) })) },
];

describe('authentication failures', () => {
  it.each(cases)('$name → 401 counted as $reason', async ({ auth, reason }) => {
    const { app, counters } = setup();
    const header = await auth();
    const req = request(app).get('/v1/contacts');
    if (header !== undefined) req.set('Authorization', header);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    // One fixed body for every reason: nothing tells the caller which part failed.
    expect(JSON.parse(res.text)).toMatchObject({ status: 401, type: expect.stringMatching(/\/unauthorized$/), detail: 'A valid bearer token is required.' });
    expect(res.text).not.toContain(reason);
    expect(counters.authFailures).toEqual([reason]);
  });

  it('never logs the token', () => {
    const all = logLines.join('');
    expect(all).toContain('auth.failure');
    expect(all).not.toContain(REVOKED_KEY);
    expect(all).not.toContain('eyJ');
  });
});

describe('good credentials', () => {
  it('an API key → its tenant and key id', async () => {
    const { app, counters } = setup();
    const res = await request(app).get('/v1/contacts').set('Authorization', bearer(GOOD_KEY));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenant: 'ten_acme', subject: 'key_good' });
    expect(counters.authFailures).toEqual([]);
  });

  it.each(['rsa-1', 'ec-1'])('a JWT signed by %s → tenant from the claim, subject from sub', async (kid) => {
    const { app } = setup();
    const token = await jwks.sign({ tenant_id: 'ten_globex', sub: 'alice' }, { kid });
    const res = await request(app).get('/v1/contacts').set('Authorization', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenant: 'ten_globex', subject: 'alice' });
  });

  it('accepts a token expired 30 s ago (within the clock tolerance)', async () => {
    const { app } = setup();
    const res = await request(app).get('/v1/contacts').set('Authorization', bearer(await jwks.sign({}, { expiresIn: -30 })));
    expect(res.status).toBe(200);
  });

  it('takes scopes from scp (array) as well as scope (string)', async () => {
    const { app } = setup();
    const withScp = await jwks.sign({ scope: undefined, scp: ['contacts:read'] });
    expect((await request(app).get('/v1/contacts').set('Authorization', bearer(withScp))).status).toBe(200);
    expect((await request(app).get('/v1/jobs').set('Authorization', bearer(withScp))).status).toBe(403);
    const withScpString = await jwks.sign({ scope: undefined, scp: 'jobs:read  contacts:read' });
    expect((await request(app).get('/v1/contacts').set('Authorization', bearer(withScpString))).status).toBe(200);
    expect((await request(app).get('/v1/jobs').set('Authorization', bearer(withScpString))).status).toBe(200);
    const sub256 = await jwks.sign({ sub: 's'.repeat(256) });
    expect((await request(app).get('/v1/contacts').set('Authorization', bearer(sub256))).status).toBe(200);
  });

  it('reads the scheme case-insensitively and tolerates extra spaces around the token (RFC 9110 §11.1)', async () => {
    const { app, counters } = setup();
    for (const header of [`bearer ${GOOD_KEY}`, `BEARER ${GOOD_KEY}`, `Bearer   ${GOOD_KEY}`, `Bearer ${GOOD_KEY}  `]) {
      const res = await request(app).get('/v1/contacts').set('Authorization', header);
      expect(res.status, JSON.stringify(header)).toBe(200);
      expect(res.body).toMatchObject({ tenant: 'ten_acme', subject: 'key_good' });
    }
    expect(counters.authFailures).toEqual([]);
  });

  it('public routes need no credentials and ignore a bad one', async () => {
    const { app, counters } = setup();
    expect((await request(app).get('/v1/health')).status).toBe(200);
    expect((await request(app).get('/v1/health').set('Authorization', 'Bearer junk')).status).toBe(200);
    expect(counters.authFailures).toEqual([]);
  });
});

describe('scopes', () => {
  it('a key without the operation scope → 403 naming the missing scope', async () => {
    const { app } = setup();
    const ok = await request(app).get('/v1/jobs').set('Authorization', bearer(NARROW_KEY));
    expect(ok.status).toBe(200);
    const res = await request(app).get('/v1/contacts').set('Authorization', bearer(NARROW_KEY));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ type: expect.stringMatching(/\/insufficient-scope$/), detail: expect.stringContaining('contacts:read') });
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="contacts:read"');
  });

  it('a JWT without scopes → 403', async () => {
    const { app } = setup();
    const res = await request(app).get('/v1/contacts').set('Authorization', bearer(await jwks.sign({ scope: '' })));
    expect(res.status).toBe(403);
  });
});

describe('the key set', () => {
  it('is refetched when a token names a new kid, and junk tokens never trigger a fetch', async () => {
    const { app, counters } = setup({ jwksCooldownMs: 0 });
    await jwks.addKey('rotated-2', 'ES256');
    const token = await jwks.sign({}, { kid: 'rotated-2' });
    expect((await request(app).get('/v1/contacts').set('Authorization', bearer(token))).status).toBe(401);
    expect(counters.authFailures).toEqual(['unknown_kid']);
    jwks.publish('rotated-2');
    expect((await request(app).get('/v1/contacts').set('Authorization', bearer(token))).status).toBe(200);

    const before = jwks.fetches();
    for (const junk of [jwks.unsigned(), await jwks.hs256WithPublicKey(), 'a.b.c']) {
      expect((await request(app).get('/v1/contacts').set('Authorization', bearer(junk))).status).toBe(401);
    }
    expect(jwks.fetches()).toBe(before);
  });

  it('an unreachable key set → 503, not 401 (an outage is not a bad token)', async () => {
    const { app, counters } = setup();
    jwks.failing(true);
    try {
      const res = await request(app).get('/v1/contacts').set('Authorization', bearer(await jwks.sign()));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(counters.authFailures).toEqual([]);
    } finally {
      jwks.failing(false);
    }
  });

  it('without OIDC configured, JWTs are refused', async () => {
    const counters = newCounters();
    const { app } = buildApp({ keys, counters });
    const res = await request(app).get('/v1/contacts').set('Authorization', bearer(await jwks.sign()));
    expect(res.status).toBe(401);
    expect(counters.authFailures).toEqual(['oidc_disabled']);
  });
});
