/**
 * One error path: every class of error the server can answer — from the HTTP server itself (unparsable request,
 * oversized headers), the security stages, routing, validation, the operations, signed downloads, the rate
 * limiter and its store, OIDC, and the data tier's failures (unexpected error, transient failure, timeout, open
 * circuit, full bulkhead) — is `application/problem+json` with a trace id that the server's own log line for that
 * request carries, and no stack trace or internal message in the body. Through the real server (the production
 * createApp behind server.ts's HTTP options and hardening), over the real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http, { createServer, type Server } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Backend } from '../../src/backend/port.js';
import { TransientBackendError } from '../../src/backend/port.js';
import { withResilience } from '../../src/backend/resilience.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { loadConfig } from '../../src/config.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { PROBLEM_BASE } from '../../src/http/problem.js';
import { createLogger } from '../../src/observability/logger.js';
import { openDependencies } from '../../src/runtime/dependencies.js';
import { applyServerHardening, serverOptions } from '../../src/security/server-hardening.js';
import { freePort } from '../../scripts/bench/portal-process.js';
import { ACME_KEY, LogCapture } from '../support/app.js';
import { seedInto } from '../support/global-setup.js';
import { startJwksServer, type JwksServer } from '../support/jwks.js';

/** Planted in every internal error below: it must reach the log, never a body. */
const INTERNAL = 'relation "tenant_secrets" does not exist at /srv/portal/src/backend/sql/store.ts:42 password=hunter2';
/** Anything that looks like a stack frame, a source location or a dependency path. */
const STACK_LIKE = /\n\s+at |\bat [\w.$<>[\]]+ \(|\.[cm]?[jt]s:\d+|node_modules|"stack"|Error:/;

type Fault = 'internal' | 'transient' | 'slow';

/**
 * The SQL store with a switch: while `fault` is set, the data calls of the operations fail that way. It stands for
 * a networked data tier (its `slow` fault is one a timeout can cut short), so it gets the networked pipeline.
 */
function switchable(inner: Backend): Backend & { fault?: Fault } {
  const b: Backend & { fault?: Fault } = Object.create(inner, { inProcess: { value: false } }) as Backend & { fault?: Fault };
  const faulty =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const signal = args[args.length - 1] as AbortSignal;
      if (b.fault === 'internal') throw new Error(INTERNAL);
      if (b.fault === 'transient') throw new TransientBackendError(INTERNAL);
      if (b.fault === 'slow') {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, 10_000);
          signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
        });
      }
      return fn.apply(inner, args);
    };
  b.listContacts = faulty(inner.listContacts);
  b.getContact = faulty(inner.getContact);
  if (inner.apiKeysVersion) b.apiKeysVersion = inner.apiKeysVersion.bind(inner);
  return b;
}

interface Instance {
  url: string;
  port: number;
  logs: LogCapture;
  backend: ReturnType<typeof switchable>;
  clock: { offsetMs: number };
  close(): Promise<void>;
}

let dataDir: string;
let jwks: JwksServer;
let scopedKey: string;
const instances: Instance[] = [];

/** server.ts in small: the same HTTP options and hardening, createApp over a switchable store. */
async function start(env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: dataDir,
    PORTAL_SEED_DEMO: 'false',
    PORTAL_PUBLIC_URL: url,
    PORTAL_OIDC_ISSUER: jwks.issuer,
    PORTAL_OIDC_AUDIENCE: jwks.audience,
    PORTAL_OIDC_JWKS_URL: jwks.url,
    PORTAL_MAX_HEADER_BYTES: '8192',
    PORTAL_BACKEND_TIMEOUT_MS: '500',
    PORTAL_BACKEND_MAX_RETRIES: '1',
    PORTAL_BACKEND_RETRY_BASE_MS: '10',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: 1 }, logs);
  const deps = await openDependencies(config, logger);
  const store = await openSqlStore({ dataDir, migrate: false });
  const backend = switchable(store);
  const clock = { offsetMs: 0 };
  const app = createApp({
    config,
    backend: withResilience(backend, config.backend),
    blobs: new LocalBlobStore(path.join(dataDir, 'blobs')),
    logger,
    redis: deps.redis,
    now: () => Date.now() + clock.offsetMs,
  });
  const server: Server = createServer(serverOptions(config.http), app);
  applyServerHardening(server, config.http, { rateLimitHeaders: app.locals.rateLimiters.peekHeaders, log: logger });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const instance: Instance = {
    url,
    port,
    logs,
    backend,
    clock,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.locals.rateLimiters.close();
      await store.close();
      await deps.close();
    },
  };
  instances.push(instance);
  return instance;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes `raw` to a fresh connection and parses the one answer the server sends before it closes. */
function sendRaw(port: number, raw: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = all.slice(0, split).split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0), headers, text: all.slice(split + 4) });
    });
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Each problem type has one title, the same wherever it is raised (a client may show it as it is). */
const TITLES: Record<string, string> = {
  'invalid-request': 'Invalid request',
  'headers-too-large': 'Request header fields too large',
  unauthorized: 'Unauthorized',
  'origin-not-allowed': 'Forbidden',
  'insufficient-scope': 'Forbidden',
  'invalid-signature': 'Invalid signature',
  'signed-url-expired': 'Signed URL expired',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'uri-too-long': 'URI too long',
  'range-not-satisfiable': 'Range not satisfiable',
  'rate-limited': 'Too many requests',
  internal: 'Internal server error',
  'rate-limit-unavailable': 'Service unavailable',
  'authentication-unavailable': 'Service unavailable',
  'backend-unavailable': 'Service unavailable',
  'backend-timeout': 'Gateway timeout',
};

/** The shape every error answer must have; returns the parsed body. */
function expectProblem(inst: Instance, res: Answer, status: number, type: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(status);
  // (Express adds the charset; the HTTP server's own answers are written by hand without it.)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json(; charset=utf-8)?$/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toMatchObject({ type: PROBLEM_BASE + type, status, title: TITLES[type] });
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(body.traceId).not.toBe('0'.repeat(32));
  expect(res.text).not.toMatch(STACK_LIKE);
  expect(res.text).not.toContain('hunter2');
  expect(res.text).not.toContain('tenant_secrets');
  // The trace id is the request's own: the server's log line about it carries the same one.
  expect(inst.logs.records().some((r) => r.traceId === body.traceId)).toBe(true);
  return body;
}

interface ApiFile {
  downloadUrl: string;
  size: number;
}

async function someFile(inst: Instance): Promise<ApiFile> {
  const jobs = JSON.parse((await send(`${inst.url}/v1/jobs?status=succeeded&limit=20`, { headers: bearer(ACME_KEY) })).text) as { data: { id: string; fileCount: number }[] };
  const job = jobs.data.find((j) => j.fileCount > 0)!;
  const files = JSON.parse((await send(`${inst.url}/v1/jobs/${job.id}/files`, { headers: bearer(ACME_KEY) })).text) as { data: ApiFile[] };
  return files.data[0]!;
}

let main: Instance;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-problems-'));
  await seedInto(dataDir);
  const store = await openSqlStore({ dataDir });
  scopedKey = (await store.createApiKey({ tenantId: 'ten_acme', scopes: ['jobs:read'], name: 'jobs only' })).secret;
  await store.close();
  jwks = await startJwksServer();
  main = await start();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.close()));
  await jwks?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('every error the server answers is one kind of problem+json', () => {
  it('400 from the HTTP server itself: a request line it cannot parse', async () => {
    const res = await sendRaw(main.port, 'GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expectProblem(main, res, 400, 'invalid-request');
  });

  it('431 from the HTTP server itself: headers past PORTAL_MAX_HEADER_BYTES', async () => {
    const res = await sendRaw(main.port, `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expectProblem(main, res, 431, 'headers-too-large');
  });

  it.each([
    ['400 path guard (encoded slash)', '/v1/contacts/..%2fetc', {}, 400, 'invalid-request'],
    ['400 parameter validation', '/v1/contacts?limit=abc', bearer(ACME_KEY), 400, 'invalid-request'],
    ['400 a cursor that is not ours', '/v1/contacts?cursor=not-a-cursor', bearer(ACME_KEY), 400, 'invalid-request'],
    ['401 no token', '/v1/contacts', {}, 401, 'unauthorized'],
    ['401 unknown key', '/v1/contacts', bearer('pk_live_UnknownKeyUnknownKeyUnkn0001'), 401, 'unauthorized'],
    ['403 origin not allowed', '/v1/health', { Origin: 'https://evil.example.com' }, 403, 'origin-not-allowed'],
    ['404 unknown path', '/v1/nothing-here', bearer(ACME_KEY), 404, 'not-found'],
    ['404 no such contact', '/v1/contacts/con_000000000000000000000z', bearer(ACME_KEY), 404, 'not-found'],
    ['414 request target too long', `/v1/contacts?q=${'a'.repeat(3000)}`, bearer(ACME_KEY), 414, 'uri-too-long'],
  ] as const)('%s', async (_name, target, headers, status, type) => {
    expectProblem(main, await send(`${main.url}${target}`, { headers }), status, type);
  });

  it('400 a request body (the API is read-only)', async () => {
    expectProblem(main, await send(`${main.url}/v1/contacts`, { headers: { ...bearer(ACME_KEY), 'Content-Type': 'application/json' }, body: '{"a":1}' }), 400, 'invalid-request');
  });

  it('405 a method the API does not allow', async () => {
    const res = await send(`${main.url}/v1/contacts`, { method: 'DELETE', headers: bearer(ACME_KEY) });
    expectProblem(main, res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('403 a key without the scope the operation requires', async () => {
    expectProblem(main, await send(`${main.url}/v1/contacts`, { headers: bearer(scopedKey) }), 403, 'insufficient-scope');
  });

  it('403 a tampered download signature, 403 an expired URL, 416 a range past the end', async () => {
    const file = await someFile(main);
    const tampered = new URL(file.downloadUrl);
    tampered.searchParams.set('sig', `${tampered.searchParams.get('sig')!.slice(0, -2)}AA`);
    expectProblem(main, await send(tampered.toString()), 403, 'invalid-signature');
    main.clock.offsetMs = 3_600_000;
    try {
      expectProblem(main, await send(file.downloadUrl), 403, 'signed-url-expired');
    } finally {
      main.clock.offsetMs = 0;
    }
    const res = await send(file.downloadUrl, { headers: { Range: `bytes=${file.size + 10}-` } });
    expectProblem(main, res, 416, 'range-not-satisfiable');
    expect(res.headers['content-range']).toBe(`bytes */${file.size}`);
  });

  it('429 past the rate limit, with Retry-After', async () => {
    const limited = await start({ PORTAL_RATE_LIMIT_PER_MINUTE: '1' });
    expect((await send(`${limited.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) })).status).toBe(200);
    const res = await send(`${limited.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) });
    expectProblem(limited, res, 429, 'rate-limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('503 when the rate-limit store is down and the limiter fails closed', async () => {
    const closed = await start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORTAL_RATE_LIMIT_REDIS_FAILURE: 'closed' });
    const res = await send(`${closed.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) });
    expectProblem(closed, res, 503, 'rate-limit-unavailable');
    expect(res.headers['retry-after']).toBe('5');
  });

  it('503 when the OIDC key set cannot be fetched', async () => {
    jwks.failing(true);
    try {
      const res = await send(`${main.url}/v1/contacts?limit=1`, { headers: bearer(await jwks.sign()) });
      expectProblem(main, res, 503, 'authentication-unavailable');
    } finally {
      jwks.failing(false);
    }
  });

  it('500 for an unexpected error in the data tier: the internal message is logged with its stack, never sent', async () => {
    const inst = await start();
    inst.backend.fault = 'internal';
    const body = expectProblem(inst, await send(`${inst.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) }), 500, 'internal');
    expect(body.detail).toBe('An unexpected error occurred.');
    const logged = inst.logs.records().find((r) => r.msg === 'request failed' && r.traceId === body.traceId);
    expect(JSON.stringify(logged)).toContain('tenant_secrets');
    expect(JSON.stringify(logged)).toMatch(/\\n\s+at /);
    expect(logged).toMatchObject({ level: 'error', status: 500, route: '/v1/contacts' });
  });

  it('503 when the data tier keeps failing transiently, then 503 from the open circuit with Retry-After counting down from the default 10 s', async () => {
    // The default half-open delay (PORTAL_BREAKER_HALF_OPEN_MS, 10 s): the probe is 10 s away when the circuit opens.
    const inst = await start({ PORTAL_BREAKER_FAILURES: '2' });
    inst.backend.fault = 'transient';
    const failed = await send(`${inst.url}/v1/contacts/con_4k9Qx2VbN7mT1pLs8ZrY3a`, { headers: bearer(ACME_KEY) });
    expect(expectProblem(inst, failed, 503, 'backend-unavailable').detail).toBe('The data backend is unavailable.');
    const open = await send(`${inst.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) });
    expectProblem(inst, open, 503, 'backend-unavailable');
    expect(open.headers['retry-after']).toBe('10');
    await new Promise((r) => setTimeout(r, 1100));
    const later = await send(`${inst.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) });
    expectProblem(inst, later, 503, 'backend-unavailable');
    expect(Number(later.headers['retry-after'])).toBeLessThan(10);
    expect(Number(later.headers['retry-after'])).toBeGreaterThanOrEqual(8);
  });

  it('504 when the data tier does not answer in time, and 503 at once while the bulkhead is full', async () => {
    const inst = await start({ PORTAL_BULKHEAD_CONCURRENCY: '1', PORTAL_BULKHEAD_QUEUE: '0' });
    // Authenticate once while the store is healthy, so the key comes from the cache and needs no slot below.
    expect((await send(`${inst.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) })).status).toBe(200);
    inst.backend.fault = 'slow';
    const slow = send(`${inst.url}/v1/contacts?limit=1`, { headers: bearer(ACME_KEY) });
    await new Promise((r) => setTimeout(r, 100));
    const full = await send(`${inst.url}/v1/contacts?limit=2`, { headers: bearer(ACME_KEY) });
    expect(expectProblem(inst, full, 503, 'backend-unavailable').detail).toBe('The data backend is at capacity; retry shortly.');
    expect(full.headers['retry-after']).toBe('1');
    expect(expectProblem(inst, await slow, 504, 'backend-timeout').detail).toBe('The data backend did not answer in time.');
  });
});

describe('what a problem says', () => {
  it.each([
    ['/v1/contacts?limit=abc', 'The request has 1 invalid parameter: limit.', [['query', 'limit']]],
    ['/v1/jobs?status=nope&limit=0', 'The request has 2 invalid parameters: limit, status.', [['query', 'limit'], ['query', 'status']]],
    // Two rules broken by one parameter: two entries in errors[], the parameter named once in the detail.
    ['/v1/contacts/abc', 'The request has 1 invalid parameter: contactId.', [['path', 'contactId'], ['path', 'contactId']]],
  ] as const)('a validation 400 names each invalid parameter, where it is, and why: %s', async (target, detail, fields) => {
    const body = expectProblem(main, await send(`${main.url}${target}`, { headers: bearer(ACME_KEY) }), 400, 'invalid-request');
    expect(body.detail).toBe(detail);
    const errors = body.errors as { location: string; name: string; message: string }[];
    expect(errors.map((e) => [e.location, e.name])).toEqual(fields);
    for (const e of errors) expect(e.message).toMatch(/^must /);
  });

  it('a 404 and a 405 say what is missing or allowed', async () => {
    const other = expectProblem(main, await send(`${main.url}/v1/contacts/con_000000000000000000000z`, { headers: bearer(ACME_KEY) }), 404, 'not-found');
    expect(other.detail).toBe('No such resource.');
    const method = expectProblem(main, await send(`${main.url}/v1/jobs`, { method: 'PUT', headers: bearer(ACME_KEY) }), 405, 'method-not-allowed');
    expect(method.detail).toBe('This resource allows GET, HEAD, OPTIONS.');
  });

  it('instance is the path alone (never the query, which may hold a signature), re-encoded as a valid URI reference', async () => {
    const guarded = expectProblem(main, await send(`${main.url}/v1/no%zzthing?sig=s3cret`, { headers: bearer(ACME_KEY) }), 400, 'invalid-request');
    expect(guarded.instance).toBe('/v1/no%25zzthing');
    const escaped = expectProblem(main, await send(`${main.url}/v1/nothing%20here/caf%C3%A9?x=1`, { headers: bearer(ACME_KEY) }), 404, 'not-found');
    expect(escaped.instance).toBe('/v1/nothing%20here/caf%C3%A9');
    const raw = expectProblem(main, await sendRaw(main.port, `GET /v1/a|b{c}^d HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ACME_KEY}\r\nConnection: close\r\n\r\n`), 404, 'not-found');
    expect(raw.instance).toBe('/v1/a%7Cb%7Bc%7D%5Ed');
  });

  it('a refusal is logged at debug with its status and type; nothing at error', async () => {
    const body = expectProblem(main, await send(`${main.url}/v1/contacts?limit=abc`, { headers: bearer(ACME_KEY) }), 400, 'invalid-request');
    const lines = main.logs.records().filter((r) => r.traceId === body.traceId);
    expect(lines.find((r) => r.msg === 'request rejected')).toMatchObject({ level: 'debug', status: 400, type: 'invalid-request' });
    expect(lines.filter((r) => r.level === 'error')).toEqual([]);
  });
});
