/**
 * notFoundOrCrossTenant: another tenant's id answers exactly like a missing one (404, same body) and emits one
 * `authz.cross_tenant` audit event and one count; a plain miss emits nothing; a failing ownerOf still answers 404.
 */
import type { Request } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../src/http/problem.js';
import { notFoundOrCrossTenant } from '../../src/security/tenancy.js';
import { buildApp, KeyRing, newCounters } from './harness.js';

const KEY = 'pk_live_TenantKeyTenantKeyTen0001';
const keys = new KeyRing();
keys.add(KEY, { tenantId: 'ten_acme', id: 'key_acme' });
const FOREIGN_CONTACT = 'con_4k9Qx2VbN7mT1pLs8ZrY3a';
const FOREIGN_JOB = 'job_7hR2mK9pQ4xW1nV8bT3cZs';
const MISSING = 'con_000000000000000000000z';

function setup() {
  const counters = newCounters();
  const owners = new Map([
    [FOREIGN_CONTACT, 'ten_globex'],
    [FOREIGN_JOB, 'ten_globex'],
  ]);
  return { ...buildApp({ keys, counters, owners }), counters };
}

/** The body without what differs per request anyway: the trace id and `instance` (the path the client sent). */
const body = (text: string) => {
  const { traceId: _t, instance: _i, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
};

describe('cross-tenant ids', () => {
  it.each([
    ['contact', `/v1/contacts/${FOREIGN_CONTACT}`, FOREIGN_CONTACT],
    ['job', `/v1/jobs/${FOREIGN_JOB}`, FOREIGN_JOB],
  ])('a foreign %s → the same 404 as a missing one, plus one audit event', async (kind, path) => {
    const { app, counters } = setup();
    const foreign = await request(app).get(path).set('Authorization', `Bearer ${KEY}`);
    const missing = await request(app).get(`/v1/contacts/${MISSING}`).set('Authorization', `Bearer ${KEY}`);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(body(foreign.text)).toEqual(body(missing.text));
    expect(counters.audit).toEqual([
      {
        event: 'authz.cross_tenant',
        fields: { principal: 'key_acme', tenant: 'ten_acme', ownerTenant: 'ten_globex', kind, route: path },
      },
    ]);
  });
});

describe('notFoundOrCrossTenant', () => {
  const req = (tenantId: string) =>
    ({ path: '/v1/x', ctx: { principal: { tenantId, subject: 's', scopes: [], method: 'api_key' }, signal: new AbortController().signal, log: pino({ level: 'silent' }) } }) as unknown as Request;

  it('own tenant (created after the miss) or nobody → 404, no event', async () => {
    for (const owner of ['ten_acme', null]) {
      const events: unknown[] = [];
      const counted: string[] = [];
      const p = notFoundOrCrossTenant({
        backend: { ownerOf: async () => owner },
        audit: (e) => events.push(e),
        onCrossTenant: (k) => counted.push(k),
      })(req('ten_acme'), 'file', 'fil_x');
      await expect(p).rejects.toMatchObject({ status: 404, type: 'not-found' });
      expect(events).toEqual([]);
      expect(counted).toEqual([]);
    }
  });

  it('a failing ownerOf still answers 404, not 5xx', async () => {
    const p = notFoundOrCrossTenant({ backend: { ownerOf: async () => Promise.reject(new Error('db down')) } })(req('ten_acme'), 'job', 'job_x');
    await expect(p).rejects.toBeInstanceOf(HttpProblem);
    await expect(p).rejects.toMatchObject({ status: 404 });
  });

  it('counts a cross-tenant attempt by kind', async () => {
    const counted: string[] = [];
    await expect(notFoundOrCrossTenant({ backend: { ownerOf: async () => 'ten_globex' }, onCrossTenant: (k) => counted.push(k) })(req('ten_acme'), 'file', 'fil_x')).rejects.toMatchObject({ status: 404 });
    expect(counted).toEqual(['file']);
  });
});
