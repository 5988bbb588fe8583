/**
 * Rate limits: 60/min on the API, 120/min on the files routes (replacing, not stacking), a separate public
 * budget, per-principal keys (IP before authentication, IPv6 by /56), draft-8 headers and Retry-After; with
 * the machine's Redis, one budget shared by two app instances with their own clients, and Redis outages.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import express, { type Express, type Request } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { operations } from '../../generated/operations.js';
import { matchRoute } from '../../src/http/routes.js';
import { clientKey, createRateLimiters, limiterFor } from '../../src/security/rate-limit.js';
import { createRateLimitRedis } from '../../src/security/redis-store.js';
import { hasRedis, testRedisUrl, uniqueRedisPrefix } from '../support/services.js';
import { buildApp, KeyRing, newCounters } from './harness.js';

const KEY_A = 'pk_live_RateKeyAAAAAAAAAAAAAA0001';
const KEY_B = 'pk_live_RateKeyBBBBBBBBBBBBBB0002';
const keys = new KeyRing();
keys.add(KEY_A, { tenantId: 'ten_acme', id: 'key_a' });
keys.add(KEY_B, { tenantId: 'ten_acme', id: 'key_b' });
const JOB = 'job_7hR2mK9pQ4xW1nV8bT3cZs';

const servers: Server[] = [];
const redisClients: Redis[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});
afterAll(async () => {
  for (const r of redisClients) r.disconnect();
});

async function serve(app: Express): Promise<Server> {
  const s = createServer(app);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

async function hit(server: Server, path: string, key?: string, times = 1) {
  const statuses: number[] = [];
  let last: request.Response | undefined;
  for (let i = 0; i < times; i++) {
    const req = request(server).get(path);
    if (key) req.set('Authorization', `Bearer ${key}`);
    last = await req;
    statuses.push(last.status);
  }
  return { statuses, last: last! };
}

const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;

describe('API limit (in memory)', () => {
  it('allows 60 a minute; the 61st → 429 problem with Retry-After ≤ 60 and draft-8 headers', async () => {
    const counters = newCounters();
    const s = await serve(buildApp({ keys, counters }).app);
    const first = await hit(s, '/v1/contacts', KEY_A);
    expect(first.last.headers.ratelimit).toBe('"60-in-1min"; r=59; t=60');
    expect(first.last.headers['ratelimit-policy']).toMatch(/^"60-in-1min"; q=60; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    const rest = await hit(s, '/v1/contacts', KEY_A, 59);
    expect(count(rest.statuses, 200)).toBe(59);
    expect(rest.last.headers.ratelimit).toMatch(/^"60-in-1min"; r=0; t=\d+$/);

    const over = await hit(s, '/v1/contacts', KEY_A);
    expect(over.last.status).toBe(429);
    expect(over.last.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.parse(over.last.text)).toMatchObject({ status: 429, type: expect.stringMatching(/\/rate-limited$/) });
    const retry = Number(over.last.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(over.last.headers.ratelimit).toMatch(/^"60-in-1min"; r=0; t=\d+$/);
    expect(over.last.headers['ratelimit-policy']).toMatch(/^"60-in-1min"; q=60; w=60/);
    expect(counters.limited).toEqual(['api']);
  });

  it('counts per principal: another key has its own budget', async () => {
    const s = await serve(buildApp({ keys, limits: { api: 5 } }).app);
    expect(count((await hit(s, '/v1/jobs', KEY_A, 6)).statuses, 429)).toBe(1);
    expect((await hit(s, '/v1/jobs', KEY_B, 5)).statuses.every((x) => x === 200)).toBe(true);
  });

  it('failed authentications spend the IP budget: guessing keys ends in 429', async () => {
    const counters = newCounters();
    const s = await serve(buildApp({ keys, counters, limits: { api: 5 } }).app);
    const { statuses, last } = await hit(s, '/v1/contacts', 'pk_live_WrongWrongWrongWrong0000', 7);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(last.headers['retry-after']).toBeDefined();
    expect(counters.authFailures).toHaveLength(7);
  });
});

describe('files and public limits', () => {
  it('files routes allow 120 and do not stack with the API budget', async () => {
    const counters = newCounters();
    const s = await serve(buildApp({ keys, counters }).app);
    // Spend the whole API budget first.
    expect(count((await hit(s, '/v1/jobs', KEY_A, 61)).statuses, 429)).toBe(1);
    const files = await hit(s, `/v1/jobs/${JOB}/files`, KEY_A, 120);
    expect(files.statuses.every((x) => x === 200)).toBe(true);
    expect(files.last.headers['ratelimit-policy']).toMatch(/^"120-in-1min"; q=120; w=60/);
    const over = await hit(s, `/v1/jobs/${JOB}/files`, KEY_A);
    expect(over.last.status).toBe(429);
    expect(counters.limited).toEqual(['api', 'files']);
  });

  it('health has its own generous budget and the API one stays untouched', async () => {
    const s = await serve(buildApp({ keys, limits: { api: 2, public: 50 } }).app);
    const health = await hit(s, '/v1/health', undefined, 10);
    expect(health.statuses.every((x) => x === 200)).toBe(true);
    expect(health.last.headers['ratelimit-policy']).toMatch(/^"50-in-1min"/);
    expect((await hit(s, '/v1/jobs', KEY_A, 2)).statuses).toEqual([200, 200]);
  });

  it('maps routes to limiters', () => {
    expect(limiterFor(`/v1/jobs/${JOB}/files`)).toBe('files');
    expect(limiterFor(`/v1/jobs/${JOB}/files/fil_9sD3fG6hJ1kL4zX7cV2bN8`)).toBe('files');
    expect(limiterFor('/v1/downloads/fil_9sD3fG6hJ1kL4zX7cV2bN8')).toBe('files');
    expect(limiterFor(`/v1/jobs/${JOB}`)).toBe('api');
    expect(limiterFor(`/v1/jobs/${JOB}/filesx`)).toBe('api');
    expect(limiterFor('/v1/contacts')).toBe('api');
    expect(limiterFor('/v1/health')).toBe('public');
    expect(limiterFor('/docs')).toBe('public');
    expect(limiterFor('/openapi.json')).toBe('public');
  });
});

describe('the limiter of a matched route', () => {
  it('each operation\'s route template maps to the limiter of the paths it stands for', () => {
    for (const op of Object.values(operations)) {
      const concrete = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'jobId' ? JOB : 'fil_9sD3fG6hJ1kL4zX7cV2bN8'));
      expect([op.operationId, limiterFor(op.path)]).toEqual([op.operationId, limiterFor(concrete)]);
    }
  });

  it('after the route match, the limiter follows the operation (a trailing slash included)', async () => {
    const limiters = createRateLimiters({ rateLimitPerMinute: 5, filesRateLimitPerMinute: 7, publicRateLimitPerMinute: 9, rateLimitRedisFailure: 'open' });
    const app = express();
    app.use((req, _res, next) => {
      req.ctx = { traceId: '0'.repeat(32), signal: new AbortController().signal, log: undefined as never, startedAt: 0n };
      next();
    });
    app.use(matchRoute());
    app.use(limiters.middleware);
    app.use((_req, res) => void res.json({}));
    const s = await serve(app);
    const policy = async (path: string) => (await request(s).get(path)).headers['ratelimit-policy'];
    expect(await policy('/v1/contacts')).toMatch(/^"5-in-1min"/);
    expect(await policy(`/v1/jobs/${JOB}`)).toMatch(/^"5-in-1min"/);
    expect(await policy(`/v1/jobs/${JOB}/files`)).toMatch(/^"7-in-1min"/);
    expect(await policy(`/v1/jobs/${JOB}/files/fil_9sD3fG6hJ1kL4zX7cV2bN8/`)).toMatch(/^"7-in-1min"/);
    expect(await policy('/v1/downloads/fil_9sD3fG6hJ1kL4zX7cV2bN8')).toMatch(/^"7-in-1min"/);
    expect(await policy('/v1/health')).toMatch(/^"9-in-1min"/);
    // The path alone would say `api` here; the operation is getHealth, on the public budget.
    expect(await policy('/v1/health/')).toMatch(/^"9-in-1min"/);
  });
});

describe('client keys', () => {
  const req = (ip: string, principal?: object) => ({ ip, ctx: { principal } }) as unknown as Request;
  it('groups IPv6 by /56 and keeps IPv4 whole', () => {
    expect(clientKey(req('2001:db8:1:1::1'))).toBe(clientKey(req('2001:db8:1:ff::2')));
    expect(clientKey(req('2001:db8:1:100::1'))).not.toBe(clientKey(req('2001:db8:1:1::1')));
    expect(clientKey(req('10.0.0.1'))).toBe('ip:10.0.0.1');
  });
  it('uses tenant and key id (or sub) once authenticated', () => {
    expect(clientKey(req('10.0.0.1', { tenantId: 'ten_a', subject: 'key_1', keyId: 'key_1' }))).toBe('p:ten_a:key_1');
    expect(clientKey(req('10.0.0.1', { tenantId: 'ten_a', subject: 'alice' }))).toBe('p:ten_a:alice');
  });
  it('honours trust proxy: separate forwarded clients get separate budgets', async () => {
    const s = await serve(buildApp({ keys, trustProxy: 1, limits: { api: 2 } }).app);
    const from = async (ip: string) => (await request(s).get('/v1/contacts').set('X-Forwarded-For', ip)).status;
    expect([await from('198.51.100.1'), await from('198.51.100.1'), await from('198.51.100.1')]).toEqual([401, 401, 429]);
    expect(await from('198.51.100.2')).toBe(401);
  });
});

describe.runIf(await hasRedis())('with Redis', () => {
  async function client(url = testRedisUrl!): Promise<Redis> {
    const r = await createRateLimitRedis(url);
    redisClients.push(r);
    return r;
  }

  it('two app instances with their own clients share one budget: 60 in total, not 120', async () => {
    const prefix = uniqueRedisPrefix('rl-shared');
    const a = await serve(buildApp({ keys, rateLimit: { redis: await client(), redisPrefix: prefix } }).app);
    const b = await serve(buildApp({ keys, rateLimit: { redis: await client(), redisPrefix: prefix } }).app);
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await hit(i % 2 ? a : b, '/v1/contacts', KEY_A)).last.status);
    expect(count(statuses, 200)).toBe(60);
    expect(count(statuses, 429)).toBe(10);
    expect(statuses.slice(0, 60).every((x) => x === 200)).toBe(true);
  });

  it('each limiter has its own prefix: files do not spend the API budget in Redis either', async () => {
    const prefix = uniqueRedisPrefix('rl-prefix');
    const redis = await client();
    const s = await serve(buildApp({ keys, limits: { api: 3, files: 5 }, rateLimit: { redis, redisPrefix: prefix } }).app);
    expect((await hit(s, `/v1/jobs/${JOB}/files`, KEY_B, 5)).statuses.every((x) => x === 200)).toBe(true);
    expect((await hit(s, '/v1/jobs', KEY_B, 4)).statuses).toEqual([200, 200, 200, 429]);
    expect(await redis.exists(`${prefix}api:p:ten_acme:key_b`, `${prefix}files:p:ten_acme:key_b`)).toBe(2);
  });

  it('Redis down → fail open (default): requests pass, store errors counted', async () => {
    const counters = newCounters();
    const dead = await client(`redis://127.0.0.1:${await freePort()}`);
    const s = await serve(buildApp({ keys, counters, limits: { api: 2 }, rateLimit: { redis: dead } }).app);
    const { statuses } = await hit(s, '/v1/contacts', KEY_A, 5);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // One per request (plus one per limiter for the failed script load at start-up).
    expect(count(counters.storeErrors.map((l) => (l === 'api' ? 1 : 0)), 1)).toBeGreaterThanOrEqual(5);
    expect(counters.limited).toEqual([]);
  });

  it('Redis down with PORTAL_RATE_LIMIT_REDIS_FAILURE=closed → 503 problem', async () => {
    const counters = newCounters();
    const dead = await client(`redis://127.0.0.1:${await freePort()}`);
    const s = await serve(buildApp({ keys, counters, limits: { api: 2, failure: 'closed' }, rateLimit: { redis: dead } }).app);
    const res = (await hit(s, '/v1/contacts', KEY_A)).last;
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ type: expect.stringMatching(/\/rate-limit-unavailable$/) });
  });

  it('Redis down at start-up and back later → limits apply again without a restart', async () => {
    const port = await freePort();
    const counters = newCounters();
    const redis = await client(`redis://127.0.0.1:${port}`);
    const s = await serve(buildApp({ keys, counters, limits: { api: 3 }, rateLimit: { redis, redisPrefix: uniqueRedisPrefix('rl-recover') } }).app);
    expect((await hit(s, '/v1/contacts', KEY_A)).last.status).toBe(200);
    expect(counters.storeErrors.length).toBeGreaterThan(0);

    const proxy = await tcpProxy(port, new URL(testRedisUrl!));
    try {
      // Wait (generously) for ioredis to reconnect: the answer carries RateLimit headers again.
      const deadline = Date.now() + 20_000;
      let res = (await hit(s, '/v1/contacts', KEY_A)).last;
      while (res.headers.ratelimit === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        res = (await hit(s, '/v1/contacts', KEY_A)).last;
      }
      expect(res.headers.ratelimit).toBeDefined();
      const { statuses } = await hit(s, '/v1/contacts', KEY_A, 3);
      expect(statuses).toContain(429);
    } finally {
      await proxy.close();
    }
  });
});

async function freePort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A plain TCP relay to the real Redis on `port`: "Redis coming back" is this listener starting. */
async function tcpProxy(port: number, target: URL): Promise<{ close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: TcpServer = createTcpServer((down) => {
    const up = connect(Number(target.port || 6379), target.hostname);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
