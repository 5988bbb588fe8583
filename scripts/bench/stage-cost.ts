/**
 * `tsx scripts/bench/stage-cost.ts [--root DIR] [--n 20000] [--rounds 5]`: CPU cost per request of the rate-limit
 * and request-validation stages, in process (no sockets, no load generator), as the difference to a pass-through
 * stub measured in the same run. Each variant is a small Express app: a context middleware (principal set, as after
 * authentication) → the real route match → the stage(s) under test → a final handler that ends the response. Requests
 * are real `IncomingMessage`/`ServerResponse` objects on an unconnected socket, run one after the other; variants
 * alternate round by round so drift hits them alike. `--root` imports the stages from another checkout of the
 * repository (e.g. an export of HEAD) to compare two versions in one run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import express, { type RequestHandler } from 'express';
import { pino } from 'pino';
import type * as Routes from '../../src/http/routes.js';
import type * as Validator from '../../src/http/validator.js';
import type * as RateLimit from '../../src/security/rate-limit.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', multiple: true },
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    target: { type: 'string', multiple: true },
    only: { type: 'string' },
    // Run each request inside an AsyncLocalStorage context, as production does under OpenTelemetry's context
    // manager: every promise then also pays for the async hooks, so promise-heavy stages cost more.
    als: { type: 'boolean', default: false },
  },
});
const here = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const roots = values.root?.length ? values.root.map((r) => path.resolve(r)) : [here];
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const targets = values.target?.length ? values.target : ['/v1/contacts', '/v1/jobs?status=succeeded&limit=5', '/v1/jobs/job_7hR2mK9pQ4xW1nV8bT3cZs/files?limit=10'];

const log = pino({ level: 'silent' });
const limits = { rateLimitPerMinute: 1_000_000_000, filesRateLimitPerMinute: 1_000_000_000, publicRateLimitPerMinute: 1_000_000_000, rateLimitRedisFailure: 'open' as const };
const SIGNAL = new AbortController().signal;
const principal = { tenantId: 'ten_acme', subject: 'key_bench', keyId: 'key_bench', scopes: ['contacts:read', 'jobs:read', 'files:read'], method: 'api_key' as const };

const { matchRoute } = (await import(pathToFileURL(path.join(here, 'src/http/routes.ts')).href)) as typeof Routes;

const pipeline = await import(pathToFileURL(path.join(here, 'src/http/pipeline.ts')).href)
  .then((m: { pipeline: (stages: RequestHandler[]) => RequestHandler }) => m.pipeline)
  .catch(() => undefined);

interface Variant {
  name: string;
  stages: () => Promise<RequestHandler[]>;
}

async function stagesOf(root: string, label: string): Promise<Variant[]> {
  const rl = (await import(pathToFileURL(path.join(root, 'src/security/rate-limit.ts')).href)) as typeof RateLimit;
  const val = (await import(pathToFileURL(path.join(root, 'src/http/validator.ts')).href)) as typeof Validator;
  const spec = JSON.parse(readFileSync(path.join(root, 'generated/openapi.json'), 'utf8')) as object;
  const limiter = () => {
    const l = rl.createRateLimiters(limits, {});
    return [l.middleware]; // (countRejections is an error middleware: not on a successful request's path)
  };
  const validator = () => {
    const v = val.createValidator({ spec, responseValidation: 'off', log });
    return Array.isArray(v) ? v : [v];
  };
  return [
    { name: `${label} rate-limit`, stages: async () => limiter() },
    { name: `${label} validator`, stages: async () => validator() },
    { name: `${label} both`, stages: async () => [...limiter(), ...validator()] },
  ];
}

function buildApp(stages: RequestHandler[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use((req, _res, next) => {
    req.ctx = { traceId: '0af7651916cd43dd8448eb211c80319c', signal: SIGNAL, log, startedAt: 0n, principal };
    next();
  });
  const final: RequestHandler = (_req, res) => {
    res.end();
  };
  // As src/app.ts mounts them: in one src/http/pipeline.ts layer when that module exists, else one layer each.
  if (pipeline) app.use(pipeline([matchRoute(), ...stages, final]));
  else for (const s of [matchRoute(), ...stages, final]) app.use(s);
  app.use(((err, _req, res, _next) => {
    res.statusCode = 599;
    res.end(String(err));
  }) as express.ErrorRequestHandler);
  return app;
}

const headers = { host: '127.0.0.1:3000', authorization: 'Bearer pk_demo_acme_3kV8qZ1xW5nR7tY2uP4sL9mB6cD0fG', 'user-agent': 'autocannon', accept: '*/*' };

const als = values.als ? new AsyncLocalStorage<number>() : undefined;

function one(app: express.Express, url: string): Promise<number> {
  const socket = new Socket();
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = url;
  req.headers = { ...headers };
  const res = new ServerResponse(req);
  return new Promise((resolve) => {
    res.end = ((...args: unknown[]) => {
      if (res.statusCode !== 200) console.error(url, res.statusCode, args[0]);
      resolve(res.statusCode);
      return res;
    }) as typeof res.end;
    const handle = app as unknown as (q: IncomingMessage, s: ServerResponse) => void;
    if (als) als.run(1, handle, req, res);
    else handle(req, res);
  });
}

async function run(app: express.Express, url: string, n: number): Promise<number> {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const status = await one(app, url);
    if (status !== 200) throw new Error(`${url} → ${status}`);
  }
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

const variants: Variant[] = [{ name: 'stub (pass-through)', stages: async () => [(_q, _s, next) => next()] }];
for (const [i, r] of roots.entries()) variants.push(...(await stagesOf(r, roots.length > 1 ? `[${i}:${path.basename(r)}]` : '')));
if (values.only) variants.splice(1, variants.length, ...variants.slice(1).filter((v) => v.name.includes(values.only!)));

for (const url of targets) {
  const apps = await Promise.all(variants.map(async (v) => ({ v, app: buildApp(await v.stages()) })));
  for (const { app } of apps) await run(app, url, Math.min(N, 3000)); // warm up (JIT, lazy eov setup)
  const us = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) for (const { v, app } of apps) us.set(v.name, [...(us.get(v.name) ?? []), await run(app, url, N)]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(us.get(variants[0]!.name)!);
  console.log(`\n${url}  (CPU µs per request, median of ${ROUNDS} rounds × ${N}${als ? ', in an AsyncLocalStorage context' : ''})`);
  for (const v of variants) {
    const m = median(us.get(v.name)!);
    console.log(`  ${v.name.padEnd(34)} ${m.toFixed(2).padStart(7)} µs   stage cost ${(m - base).toFixed(2).padStart(6)} µs   ×${(m / base).toFixed(2)} of stub`);
  }
}
