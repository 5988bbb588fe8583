/**
 * The spine over HTTP: a real listening app on the real SQLite store with demo data. Operations answer per the
 * contract (response validation is on in tests, so a drifting body would be a 500), lists paginate with opaque
 * cursors and Link headers, ETags revalidate, and bad input always gets a problem+json answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readSpec } from '../../scripts/lib/spec.js';
import { ACME_KEY, GLOBEX_KEY, auth, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PORTAL_RATE_LIMIT_PER_MINUTE: '100000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '100000' });
});
afterAll(async () => t?.close());

const get = (path: string, key: string | null = ACME_KEY) => {
  const r = request(t.url).get(path);
  return key ? r.set(auth(key)) : r;
};

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\/api\.portal\.example\.com\/problems\//), title: expect.any(String) });
  expect(res.body.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(res.headers.traceparent).toContain(res.body.traceId);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames
}

describe('operations', () => {
  it('health is public and reports the backend', async () => {
    const res = await get('/v1/health', null);
    expect(res.status).toBe(200);
    // The server's version (package.json) is the contract's it serves: `npm run release` moves both.
    expect(res.body).toMatchObject({ status: 'ok', version: readSpec().info?.version, checks: { backend: { status: 'ok' } } });
    expect(res.headers['cache-control']).toBe('private, max-age=0, no-store');
  });

  it('lists contacts newest first, a page at a time, and gets each one', async () => {
    const res = await get('/v1/contacts?limit=5');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(5);
    const created = res.body.data.map((c: { createdAt: string }) => c.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    const one = await get(`/v1/contacts/${res.body.data[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(res.body.data[0]);
  });

  it('pages through every job exactly once via nextCursor and Link', async () => {
    const seen = new Set<string>();
    let path: string | null = '/v1/jobs?limit=100';
    let pages = 0;
    while (path) {
      const res = await get(path);
      expect(res.status).toBe(200);
      for (const job of res.body.data) {
        expect(seen.has(job.id)).toBe(false);
        seen.add(job.id);
      }
      pages += 1;
      if (res.body.nextCursor) {
        const link = /^<([^>]+)>; rel="next"$/.exec(String(res.headers.link));
        expect(link).not.toBeNull();
        const next = new URL(link![1]!);
        expect(next.searchParams.get('cursor')).toBe(res.body.nextCursor);
        expect(next.searchParams.get('limit')).toBe('100');
        path = next.pathname + next.search;
      } else {
        expect(res.headers.link).toBeUndefined();
        path = null;
      }
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.size).toBeGreaterThanOrEqual(200);
  });

  it('filters jobs by status and contact, and contacts by q and updatedSince', async () => {
    for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled']) {
      const res = await get(`/v1/jobs?status=${status}&limit=100`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(res.body.data.every((j: { status: string }) => j.status === status)).toBe(true);
    }
    const job = (await get('/v1/jobs?limit=1')).body.data[0];
    const byContact = await get(`/v1/jobs?contactId=${job.contactId}&limit=100`);
    expect(byContact.body.data.every((j: { contactId: string }) => j.contactId === job.contactId)).toBe(true);

    const contact = (await get('/v1/contacts?limit=1')).body.data[0];
    const q = contact.name.split(' ')[1]!.toUpperCase();
    const byQ = await get(`/v1/contacts?q=${encodeURIComponent(q)}`);
    expect(byQ.body.data.map((c: { id: string }) => c.id)).toContain(contact.id);
    // A full name as forms and URLSearchParams send it (space as `+`) finds the same contact as `%20`.
    const plus = await get(`/v1/contacts?${new URLSearchParams({ q: contact.name })}`);
    expect(plus.status).toBe(200);
    expect(plus.body.data.map((c: { id: string }) => c.id)).toContain(contact.id);
    expect(plus.body).toEqual((await get(`/v1/contacts?q=${encodeURIComponent(contact.name)}`)).body);
    const since = await get(`/v1/contacts?updatedSince=${encodeURIComponent(contact.updatedAt)}&limit=100`);
    expect(since.body.data.every((c: { updatedAt: string }) => c.updatedAt >= contact.updatedAt)).toBe(true);
  });

  it('lists and gets a job\'s files with signed, uncached URLs and no ETag', async () => {
    const jobs = await get('/v1/jobs?status=succeeded&limit=20');
    const job = jobs.body.data.find((j: { fileCount: number }) => j.fileCount > 0);
    const files = await get(`/v1/jobs/${job.id}/files`);
    expect(files.status).toBe(200);
    expect(files.body.data).toHaveLength(job.fileCount);
    expect(files.headers['cache-control']).toBe('private, max-age=0, no-store');
    expect(files.headers.etag).toBeUndefined();
    const file = files.body.data[0];
    expect(file.downloadUrl).toMatch(new RegExp(`^${t.url}/v1/downloads/${file.id}\\?.*sig=`));
    const one = await get(`/v1/jobs/${job.id}/files/${file.id}`);
    expect(one.status).toBe(200);
    expect(one.headers.etag).toBeUndefined();
    const bytes = await fetch(one.body.downloadUrl);
    expect(bytes.status).toBe(200);
    expect(Number(bytes.headers.get('content-length'))).toBe(file.size);
  });

  it('answers 304 to a matching If-None-Match, and HEAD like GET without a body', async () => {
    const first = await get('/v1/jobs?limit=3');
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/v1/jobs?limit=3').set('If-None-Match', String(first.headers.etag));
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(first.headers.etag);
    const head = await request(t.url).head('/v1/jobs?limit=3').set(auth());
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(first.headers.etag);
    expect(head.text ?? '').toBe('');
  });

  it('keeps tenants apart: globex sees none of acme\'s rows, and acme\'s ids are 404 for globex', async () => {
    const acme = await get('/v1/jobs?limit=100');
    const globex = await get('/v1/jobs?limit=100', GLOBEX_KEY);
    const acmeIds = new Set(acme.body.data.map((j: { id: string }) => j.id));
    expect(globex.body.data.some((j: { id: string }) => acmeIds.has(j.id))).toBe(false);
    expectProblem(await get(`/v1/jobs/${acme.body.data[0].id}`, GLOBEX_KEY), 404);
    // A cursor minted for acme is refused for globex.
    expectProblem(await get(`/v1/jobs?limit=1&cursor=${(await get('/v1/jobs?limit=1')).body.nextCursor}`, GLOBEX_KEY), 400);
  });
});

describe('bad input → problem+json naming the field', () => {
  const cases: [string, string, string][] = [
    ['unknown query parameter', '/v1/contacts?foo=bar', 'foo'],
    ['limit=0', '/v1/contacts?limit=0', 'limit'],
    ['limit=101', '/v1/contacts?limit=101', 'limit'],
    ['limit=abc', '/v1/jobs?limit=abc', 'limit'],
    ['duplicated limit', '/v1/jobs?limit=1&limit=2', 'limit'],
    ['malformed cursor', '/v1/jobs?cursor=not-a-cursor', 'cursor'],
    ['forged cursor', '/v1/jobs?cursor=eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA', 'cursor'],
    ['bad status', '/v1/jobs?status=done', 'status'],
    ['malformed contact id', '/v1/contacts/con_123', 'contactId'],
    ['malformed job id', '/v1/jobs/12345', 'jobId'],
    ['bad updatedSince', '/v1/contacts?updatedSince=yesterday', 'updatedSince'],
    ['empty q', '/v1/contacts?q=', 'q'],
  ];
  it.each(cases)('%s → 400', async (_name, path, field) => {
    const res = await get(path);
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { name: string }) => e.name)).toContain(field);
  });

  it('a cursor used with other filters is refused', async () => {
    const page = await get('/v1/jobs?limit=2&status=succeeded');
    const res = await get(`/v1/jobs?limit=2&status=failed&cursor=${page.body.nextCursor}`);
    expectProblem(res, 400);
    expect(res.body.errors[0].name).toBe('cursor');
  });

  it('a well-formed id that does not exist → 404', async () => {
    expectProblem(await get('/v1/contacts/con_0000000000000000000000'), 404);
    expectProblem(await get('/v1/jobs/job_0000000000000000000000/files'), 404);
  });

  it('an unknown path → 404 problem', async () => {
    expectProblem(await get('/v1/nope'), 404);
    expectProblem(await get('/nope', null), 404);
  });

  it.each(['post', 'put', 'delete', 'patch'] as const)('%s → 405 with Allow', async (method) => {
    const res = await request(t.url)[method]('/v1/contacts').set(auth());
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('no token → 401 problem with the Bearer challenge', async () => {
    const res = await get('/v1/contacts', null);
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });
});

describe('the contract and its docs are served', () => {
  it('GET /openapi.json and /openapi.yaml', async () => {
    const json = await request(t.url).get('/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toBe('3.1.0');
    const yaml = await request(t.url).get('/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.text).toMatch(/^openapi: 3\.1\.0/);
  });

  it('GET /docs serves the self-hosted Redoc page and its scripts, with no CDN reference', async () => {
    const redirect = await request(t.url).get('/docs');
    expect(redirect.status).toBe(301);
    const page = await request(t.url).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const scripts = [...page.text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^https?:/);
      const js = await request(t.url).get(`/docs/${src}`);
      expect(js.status).toBe(200);
    }
    expect(page.text).not.toMatch(/fonts\.googleapis|cdn\.redoc/);
  });
});
