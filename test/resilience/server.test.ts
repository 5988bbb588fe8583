/**
 * The backend service's own edge (createBackendServer over a real socket): the secret is required, requests are
 * validated against backend.yaml, failures are problem+json that never carry the store's internals.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientBackendError } from '../../src/backend/port.js';
import { CONTACTS, TENANT, createMemoryBackend } from '../support/memory-backend.js';
import { SECRET, startServer, stopServer } from './harness.js';

const store = createMemoryBackend();
// Store faults at the service's inner boundary: a transient driver error and an unexpected one with internals.
const faulty = {
  ...store,
  getJob: async () => {
    throw new TransientBackendError('database temporarily unavailable (57P01)');
  },
  getFile: async () => {
    throw new Error('relation "files" does not exist at /srv/app/db.js:42 password=hunter2');
  },
};
let server: Server;
let url: string;

beforeAll(async () => {
  ({ url, server } = await startServer(faulty));
});
afterAll(async () => {
  await stopServer(server);
});

async function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }) {
  const res = await fetch(url + path, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

describe('backend service edge', () => {
  it('answers data with the secret, 401 problem+json without it or with a wrong one', async () => {
    const ok = await get(`/rpc/v1/tenants/${TENANT}/contacts/${CONTACTS[0]!.id}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual(CONTACTS[0]);
    const wrong: Record<string, string>[] = [{}, { authorization: `Bearer ${SECRET}x` }, { authorization: SECRET }, { authorization: 'Bearer ' }];
    for (const headers of wrong) {
      const r = await get(`/rpc/v1/tenants/${TENANT}/contacts/${CONTACTS[0]!.id}`, headers);
      expect(r.status).toBe(401);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.text).not.toContain(CONTACTS[0]!.email);
    }
  });

  it('validates parameters against backend.yaml (400 naming the parameter, not echoing values)', async () => {
    const cases = [
      `/rpc/v1/tenants/${TENANT}/contacts?limit=101`,
      `/rpc/v1/tenants/${TENANT}/contacts`, // limit is required
      `/rpc/v1/tenants/${TENANT}/contacts?limit=5&afterId=${CONTACTS[0]!.id}`, // afterCreatedAt missing
      `/rpc/v1/tenants/${TENANT}/contacts?limit=5&evil=%3Cscript%3E`,
      `/rpc/v1/tenants/TEN_BAD/contacts?limit=5`,
      `/rpc/v1/owners/tenant/${CONTACTS[0]!.id}`,
      `/rpc/v1/api-keys/not-a-hash`,
    ];
    for (const path of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.text).not.toMatch(/<script>|TEN_BAD|not-a-hash/);
    }
    const badDeadline = await fetch(`${url}/rpc/v1/ping`, { headers: { authorization: `Bearer ${SECRET}`, 'x-portal-deadline-ms': 'soon' } });
    expect(badDeadline.status).toBe(400);
  });

  it('not found is a not-found problem; an unknown route is a different 404', async () => {
    const missing = await get(`/rpc/v1/tenants/${TENANT}/contacts/con_0000000000000000000404`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).type).toMatch(/\/not-found$/);
    const noRoute = await get('/rpc/v2/anything');
    expect(noRoute.status).toBe(404);
    expect(JSON.parse(noRoute.text).type).not.toMatch(/\/not-found$/);
  });

  it('store faults: transient → 503 + Retry-After; unexpected → bare 500; neither carries the store error', async () => {
    const transient = await get(`/rpc/v1/tenants/${TENANT}/jobs/job_7hR2mK9pQ4xW1nV8bT3cZs`);
    expect(transient.status).toBe(503);
    expect(transient.retryAfter).toBe('1');
    expect(transient.text).not.toMatch(/57P01/);
    const broken = await get(`/rpc/v1/tenants/${TENANT}/files/fil_9sD3fG6hJ1kL4zX7cV2bN8`);
    expect(broken.status).toBe(500);
    expect(broken.type).toMatch(/application\/problem\+json/);
    expect(broken.text).not.toMatch(/relation|db\.js|hunter2|stack/);
  });
});
