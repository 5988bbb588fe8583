/**
 * The request validator on its own, over real HTTP: express-openapi-validator over the bundled contract, run the
 * way src/http/validator.ts runs it. The operation comes from the route already matched (src/http/routes.ts); a
 * request without a match goes through eov's own route lookup instead, and both must judge every request alike.
 * Also: HEAD validated as GET and restored (on success and on refusal), the finite-integer check, and response
 * validation (`throw` → 500, `log` → a warning) on the matched-route path.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResponseValidation } from '../../src/config.js';
import { errorMiddleware } from '../../src/http/errors.js';
import { matchRoute } from '../../src/http/routes.js';
import { createValidator } from '../../src/http/validator.js';
import { fromRoot } from '../../src/paths.js';

const SPEC = JSON.parse(readFileSync(fromRoot('generated/openapi.json'), 'utf8')) as object;
const JOB = 'job_7hR2mK9pQ4xW1nV8bT3cZs';
const FILE = 'fil_9sD3fG6hJ1kL4zX7cV2bN8';
const CONTACT = 'con_4kT8wQ2zX6cV1bN5mL9pR3';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

interface Seen {
  method?: string;
  errorMethod?: string;
  query?: unknown;
  params?: unknown;
}

/**
 * context → (route match) → validator → a handler that reports what it saw (or answers `body`) → the app's error
 * middleware. Without `routed`, no route is matched before the validator.
 */
async function serve(opts: { routed: boolean; responseValidation?: ResponseValidation; body?: unknown; warnings?: unknown[] }) {
  const seen: Seen = {};
  const log = pino({ level: 'warn' }, { write: (line: string) => opts.warnings?.push(JSON.parse(line)) });
  const app = express();
  app.set('query parser', 'simple');
  app.set('etag', false);
  app.use((req, _res, next) => {
    req.ctx = { traceId: '0af7651916cd43dd8448eb211c80319c', signal: new AbortController().signal, log, startedAt: 0n };
    next();
  });
  if (opts.routed) app.use(matchRoute());
  app.use(createValidator({ spec: SPEC, responseValidation: opts.responseValidation ?? 'off', log }));
  const handler: RequestHandler = (req, res) => {
    seen.method = req.method;
    seen.query = { ...(req.query as object) };
    seen.params = { ...req.params };
    if (opts.body !== undefined) return void res.json(opts.body);
    res.json({ ok: true });
  };
  app.use(handler);
  const recordMethod: ErrorRequestHandler = (err, req, _res, next) => {
    seen.errorMethod = req.method;
    next(err);
  };
  app.use(recordMethod);
  app.use(errorMiddleware());
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const routed = await serve({ routed: true });
const unrouted = await serve({ routed: false });

/** Status and the `errors[]` names: what a client learns from the validator. */
async function verdict(base: string, method: 'get' | 'head', path: string) {
  const res = await request(base)[method](path);
  return { status: res.status, fields: method === 'get' && res.status === 400 ? (res.body.errors ?? []).map((e: { location: string; name: string }) => `${e.location}:${e.name}`).sort() : [] };
}

describe('the matched route gives the same verdicts as eov\'s own lookup', () => {
  const cases: ['get' | 'head', string][] = [
    ['get', '/v1/health'],
    ['get', '/v1/health?x=1'],
    ['get', '/v1/contacts'],
    ['get', '/v1/contacts?limit=5&q=smith&updatedSince=2024-01-01T00:00:00Z'],
    ['get', '/v1/contacts?limit=0'],
    ['get', '/v1/contacts?limit=101&foo=bar'],
    ['get', '/v1/contacts?q='],
    ['get', '/v1/contacts?updatedSince=yesterday'],
    ['get', `/v1/contacts/${CONTACT}`],
    ['get', '/v1/contacts/con_123'],
    ['get', '/v1/jobs?status=succeeded&limit=5'],
    ['get', '/v1/jobs?status=done&limit=abc'],
    ['get', `/v1/jobs?contactId=${CONTACT}`],
    ['get', '/v1/jobs?contactId=nope'],
    ['get', `/v1/jobs/${JOB}`],
    ['get', '/v1/jobs/12345'],
    ['get', `/v1/jobs/${JOB}/files?limit=10`],
    ['get', `/v1/jobs/${JOB}/files?limit=1000`],
    ['get', `/v1/jobs/${JOB}/files/${FILE}`],
    ['get', `/v1/jobs/${JOB}/files/nope`],
    ['get', `/v1/downloads/${FILE}?tenant=ten_acme&expires=1900000000&kid=k1&sig=${'A'.repeat(43)}`],
    ['get', `/v1/downloads/${FILE}?tenant=ten_acme`],
    ['head', `/v1/downloads/${FILE}?tenant=ten_acme&expires=1900000000&kid=k1&sig=${'A'.repeat(43)}`],
    ['head', `/v1/downloads/${FILE}?tenant=ten_acme`],
  ];
  // (HEAD on a GET-only route is validated as GET only once a route is matched: without one, eov answers 405.)
  it.each(cases)('%s %s', async (method, path) => {
    const a = await verdict(routed.url, method, path);
    const b = await verdict(unrouted.url, method, path);
    expect(a).toEqual(b);
    if (a.status === 200) {
      // Coerced query and decoded path parameters reach the handler alike.
      const first = await request(routed.url)[method](path);
      const viaMatch = { ...routed.seen };
      await request(unrouted.url)[method](path);
      expect(viaMatch).toEqual({ ...unrouted.seen });
      expect(first.status).toBe(200);
    }
  });

  it('both refuse what the contract forbids, naming the field', async () => {
    expect(await verdict(routed.url, 'get', '/v1/contacts?limit=101&foo=bar')).toMatchObject({ status: 400 });
    expect(new Set((await verdict(routed.url, 'get', '/v1/jobs?status=done')).fields)).toEqual(new Set(['query:status']));
    expect(new Set((await verdict(routed.url, 'get', '/v1/contacts/con_123')).fields)).toEqual(new Set(['path:contactId']));
  });
});

describe('HEAD is validated as GET, and stays HEAD', () => {
  it('a valid HEAD reaches the handler as HEAD, with the coerced query', async () => {
    const res = await request(routed.url).head('/v1/contacts?limit=5');
    expect(res.status).toBe(200);
    expect(routed.seen.method).toBe('HEAD');
    expect(routed.seen.query).toEqual({ limit: 5 });
  });

  it('a refused HEAD is still HEAD for the error middleware, and gets no body', async () => {
    const res = await request(routed.url).head('/v1/contacts?limit=0');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.text ?? '').toBe('');
    expect(routed.seen.errorMethod).toBe('HEAD');
  });
});

describe('numbers must be finite integers', () => {
  it.each(['1e400', 'Infinity', '-Infinity', '2.5'])('limit=%s → 400 naming limit', async (v) => {
    const res = await request(routed.url).get(`/v1/contacts?limit=${v}`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { name: string }) => e.name)).toContain('limit');
  });
});

describe('response validation on the matched route', () => {
  const drifting = { data: [{ id: 'not-a-contact-id' }], nextCursor: null };

  it('throw: a body that drifts from the contract is a 500', async () => {
    const s = await serve({ routed: true, responseValidation: 'throw', body: drifting });
    const res = await request(s.url).get('/v1/contacts');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('log: the drifting body is sent and a warning names the operation', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const s = await serve({ routed: true, responseValidation: 'log', body: drifting, warnings });
    const res = await request(s.url).get('/v1/contacts');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(drifting);
    expect(warnings).toEqual([expect.objectContaining({ msg: 'response does not match the contract', operationId: 'listContacts' })]);
  });

  it('a body that matches the contract passes', async () => {
    const s = await serve({ routed: true, responseValidation: 'throw', body: { data: [], nextCursor: null } });
    expect((await request(s.url).get('/v1/contacts')).status).toBe(200);
  });
});
