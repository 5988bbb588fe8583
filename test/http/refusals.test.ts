/**
 * Every refusal the server gives before an operation runs is an answer of the contract, over real sockets: the
 * path guard's 400 naming what it refused (location path or query), 405 with Allow on every path, 414 from the
 * guard and from the HTTP parser (a request line past the header limit), 431 and 408 from the parser. Each is
 * problem+json valid against the spec's Problem, documented for the operation the path belongs to, and carries a
 * traceId (the one in `traceparent` and the log) and the RateLimit headers. The guard's refusals spend the
 * client IP's budget; the parser's only report it.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../generated/operations.js';
import { fromRoot } from '../../src/paths.js';
import { auth, startTestApp, type TestApp } from '../support/app.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = JSON.parse(readFileSync(fromRoot('generated/openapi.json'), 'utf8')) as Record<string, any>;
const ajv = new Ajv2020({ strict: false, validateFormats: false });
ajv.addSchema(spec, 'spec');
const validProblem = ajv.getSchema('spec#/components/schemas/Problem')!;

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client normalises the target) and reads the answer until the server closes. */
function raw(url: string, request: string, { slow = false } = {}): Promise<Raw> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => sock.write(request));
    let data = '';
    sock.on('data', (c) => (data += c.toString('latin1')));
    sock.on('close', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    sock.on('error', reject);
    if (slow) sock.setTimeout(20_000, () => sock.destroy());
  });
}

const get = (target: string, extra = '', method = 'GET') =>
  `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth().Authorization}\r\n${extra}Connection: close\r\n\r\n`;

/** The operations whose path the target has (by shape), to check the status is documented for each. */
function operationsOf(target: string) {
  const path = target.split('?')[0]!.split('/');
  return Object.values(operations).filter((o) => {
    const parts = o.path.split('/');
    return parts.length === path.length && parts.every((p, i) => p.startsWith('{') || p === path[i]);
  });
}

/** What every refusal has in common: documented, problem+json, valid, trace id, rate-limit headers. */
function expectContractAnswer(res: Raw, status: number, target: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body) as { status: number; traceId: string; errors?: unknown[] };
  expect(validProblem(body), JSON.stringify(validProblem.errors)).toBe(true);
  expect(body.status).toBe(status);
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(res.headers.traceparent?.split('-')[1]).toBe(body.traceId);
  expect(res.headers.ratelimit).toMatch(/^"\d+-in-1min"; r=\d+; t=\d+$/);
  expect(res.headers['ratelimit-policy']).toMatch(/^"\d+-in-1min"; q=\d+; w=60; pk=:[A-Za-z0-9+/=]+:$/);
  expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  // A target with the shape of no operation's path (`/v1/jobs/../contacts`) is like an unknown path: no
  // operation documents it. Every other one is documented by each operation of its path.
  const ops = operationsOf(target);
  for (const op of ops) expect(Object.keys(spec.paths[op.path][op.method].responses), `${op.operationId} documents ${status}`).toContain(String(status));
  return body;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await app?.close();
});

describe('the path guard names what it refused', () => {
  const cases: [string, { location: string; name: string }[]][] = [
    ['/v1/contacts?q=a%00b', [{ location: 'query', name: 'q' }]],
    ['/v1/contacts?limit=5&q=%00&updatedSince=x', [{ location: 'query', name: 'q' }]],
    ['/v1/contacts/..%2fjobs', [{ location: 'path', name: 'contactId' }]],
    ['/v1/contacts/con_x%00', [{ location: 'path', name: 'contactId' }]],
    ['/v1/jobs/job_x%5c/files', [{ location: 'path', name: 'jobId' }]],
    ['/v1/jobs/%2e%2e', [{ location: 'path', name: 'jobId' }]],
    ['/v1/jobs/job_7hR2mK9pQ4xW1nV8bT3cZs/files/.', [{ location: 'path', name: 'fileId' }]],
    ['/v1/jobs/../contacts', [{ location: 'path', name: '..' }]],
    ['/v1/downloads/fil_%252e?tenant=ten_acme&expires=1&kid=k&sig=%00', [
      { location: 'path', name: 'fileId' },
      { location: 'query', name: 'sig' },
    ]],
  ];
  it.each(cases)('%s → 400 naming %j', async (target, named) => {
    const res = await raw(app.url, get(target));
    if (!target.includes('/../')) expect(operationsOf(target).length, `no operation has the path of ${target}`).toBeGreaterThan(0);
    const body = expectContractAnswer(res, 400, target) as { errors?: { location: string; name: string; message: string }[] };
    expect(body.errors?.map(({ location, name }) => ({ location, name }))).toEqual(named);
    for (const e of body.errors ?? []) expect(e.message).toMatch(/not allowed|not valid/);
  });
});

describe('405 with Allow on every path of the contract', () => {
  const paths = [...new Set(Object.values(operations).map((o) => o.path))];
  it.each(paths)('%s', async (template) => {
    const target = template.replace(/\{\w+\}/g, 'x_1');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE']) {
      const res = await raw(app.url, get(target, '', method));
      expectContractAnswer(res, 405, target);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    }
  });
});

describe('limits of the request itself', () => {
  it('414 from the guard: a target over 2048 characters', async () => {
    const target = `/v1/contacts?q=${'a'.repeat(2100)}`;
    const body = expectContractAnswer(await raw(app.url, get(target)), 414, target);
    expect(JSON.stringify(body)).toContain('2048 characters');
  });

  it('414 from the HTTP parser: a request line past the header limit (16 KiB) is still the URL, not the headers', async () => {
    const target = `/v1/jobs?status=${'a'.repeat(20_000)}`;
    expectContractAnswer(await raw(app.url, get(target)), 414, target);
  });

  it('431 from the HTTP parser: headers over the limit, with the trace id logged', async () => {
    const res = await raw(app.url, get('/v1/jobs', `X-Big: ${'b'.repeat(20_000)}\r\n`));
    const body = expectContractAnswer(res, 431, '/v1/jobs');
    const line = app.logs.records().find((r) => r.traceId === body.traceId);
    expect(line).toMatchObject({ status: 431, msg: 'request refused by the HTTP parser' });
  });

  it("the parser's refusals report the client's budget without spending it; the guard's spend it", async () => {
    const budget = (h: Raw) => Number(/r=(\d+)/.exec(h.headers.ratelimit ?? '')?.[1]);
    const big = get('/v1/contacts', `X-Big: ${'b'.repeat(20_000)}\r\n`);
    const a = await raw(app.url, big);
    const b = await raw(app.url, big);
    expect(a.status).toBe(431);
    expect(budget(b)).toBe(budget(a));
    const refused = await raw(app.url, get('/v1/contacts?q=%00'));
    expect(budget(refused)).toBe(budget(b) - 1);
    // Same client, same limiter, same policy and partition key as express-rate-limit's own headers.
    expect(refused.headers['ratelimit-policy']).toBe(a.headers['ratelimit-policy']);
    const after = await raw(app.url, big);
    expect(budget(after)).toBe(budget(refused));
  });
});

describe('408 when the headers never finish', () => {
  let slow: TestApp;
  beforeAll(async () => {
    slow = await startTestApp({ PORTAL_HEADERS_TIMEOUT_MS: '1000', PORTAL_REQUEST_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('is a problem with a trace id and the rate-limit headers', async () => {
    const res = await raw(slow.url, 'GET /v1/jobs HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', { slow: true });
    expectContractAnswer(res, 408, '/v1/jobs');
  });
});
