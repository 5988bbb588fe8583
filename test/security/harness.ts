/**
 * A small Express app that mounts the security middleware in the pipeline's order, with a stand-in context
 * middleware, in front of the product's own error middleware (src/http/errors.ts), for testing src/security/ on its
 * own.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pino, type Logger } from 'pino';
import type { ApiKeyRecord, Backend, EntityKind } from '../../src/backend/port.js';
import { hashApiKeySecret } from '../../src/backend/api-keys.js';
import { errorMiddleware } from '../../src/http/errors.js';
import { HttpProblem } from '../../src/http/problem.js';
import { createAuthenticate, type AuthenticateOptions } from '../../src/security/authenticate.js';
import { createCors } from '../../src/security/cors.js';
import { createSecurityHeaders } from '../../src/security/headers.js';
import { createMethodGuard } from '../../src/security/method-guard.js';
import { createRateLimiters, type RateLimitDeps } from '../../src/security/rate-limit.js';
import { enforceScopes } from '../../src/security/scopes.js';
import { notFoundOrCrossTenant } from '../../src/security/tenancy.js';

export interface Counters {
  authFailures: string[];
  corsBlocked: string[];
  limited: string[];
  storeErrors: string[];
  audit: Array<{ event: string; fields: Record<string, unknown> }>;
}

export function newCounters(): Counters {
  return { authFailures: [], corsBlocked: [], limited: [], storeErrors: [], audit: [] };
}

/** API keys by secret; the backend sees only their hashes. */
export class KeyRing {
  readonly byHash = new Map<string, ApiKeyRecord>();
  add(secret: string, rec: Partial<ApiKeyRecord> & { tenantId: string }): ApiKeyRecord {
    const full: ApiKeyRecord = {
      id: `key_${randomBytes(6).toString('hex')}`,
      name: 'test',
      scopes: ['contacts:read', 'jobs:read', 'files:read'],
      createdAt: new Date().toISOString(),
      revokedAt: null,
      ...rec,
    };
    this.byHash.set(hashApiKeySecret(secret), full);
    return full;
  }
}

export interface HarnessOptions {
  keys?: KeyRing;
  oidc?: AuthenticateOptions['oidc'];
  corsOrigins?: string[];
  limits?: { api?: number; files?: number; public?: number; failure?: 'open' | 'closed' };
  rateLimit?: Omit<RateLimitDeps, 'onLimited' | 'onStoreError'>;
  owners?: Map<string, string>;
  docsHtmlPath?: string;
  counters?: Counters;
  trustProxy?: string | number | boolean;
  /** Where the app logs (default: silent). */
  log?: Logger;
}

/** Route table standing in for the spec: path regex → required scopes; public ones need no credentials. */
const ROUTES: Array<{ re: RegExp; scopes: string[]; public?: true; kind?: EntityKind }> = [
  { re: /^\/v1\/health$/, scopes: [], public: true },
  { re: /^\/v1\/contacts$/, scopes: ['contacts:read'] },
  { re: /^\/v1\/contacts\/([^/]+)$/, scopes: ['contacts:read'], kind: 'contact' },
  { re: /^\/v1\/jobs$/, scopes: ['jobs:read'] },
  { re: /^\/v1\/jobs\/([^/]+)$/, scopes: ['jobs:read'], kind: 'job' },
  { re: /^\/v1\/jobs\/([^/]+)\/files$/, scopes: ['files:read'] },
  { re: /^\/v1\/downloads\/([^/]+)$/, scopes: [], public: true },
  { re: /^\/docs$/, scopes: [], public: true },
];
const routeOf = (req: Request) => ROUTES.find((r) => r.re.test(req.path));

export function buildApp(opts: HarnessOptions = {}) {
  const counters = opts.counters ?? newCounters();
  const keys = opts.keys ?? new KeyRing();
  const owners = opts.owners ?? new Map<string, string>();
  const backend: Pick<Backend, 'findApiKeyByHash' | 'ownerOf'> = {
    findApiKeyByHash: async (hash) => keys.byHash.get(hash) ?? null,
    ownerOf: async (_kind, id) => owners.get(id) ?? null,
  };
  const log = opts.log ?? pino({ level: 'silent' });
  const limiters = createRateLimiters(
    {
      rateLimitPerMinute: opts.limits?.api ?? 60,
      filesRateLimitPerMinute: opts.limits?.files ?? 120,
      publicRateLimitPerMinute: opts.limits?.public ?? 600,
      rateLimitRedisFailure: opts.limits?.failure ?? 'open',
    },
    {
      ...opts.rateLimit,
      onLimited: (l) => counters.limited.push(l),
      onStoreError: (l) => counters.storeErrors.push(l),
    },
  );
  const missed = notFoundOrCrossTenant({
    backend,
    audit: (event, fields) => counters.audit.push({ event, fields: { ...fields } }),
  });

  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  app.use((req: Request, _res: Response, next: NextFunction) => {
    req.ctx = { traceId: randomBytes(16).toString('hex'), signal: new AbortController().signal, log, startedAt: process.hrtime.bigint() };
    next();
  });
  app.use(createSecurityHeaders({ docsHtmlPath: opts.docsHtmlPath }));
  app.use(createCors({ origins: opts.corsOrigins ?? ['https://portal.example.com'], maxAgeSeconds: 600, onBlocked: (o) => counters.corsBlocked.push(o) }));
  app.use(createMethodGuard());
  app.use(createAuthenticate({ backend, oidc: opts.oidc, isPublic: (req) => routeOf(req)?.public === true, onFailure: (r) => counters.authFailures.push(r) }));
  app.use(limiters.middleware);
  app.use(limiters.countRejections);
  app.use(enforceScopes((req) => routeOf(req)?.scopes));

  app.get('/v1/health', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/docs', (_req, res) => void res.type('html').send('<!doctype html><title>docs</title>'));
  app.get('/v1/contacts', (req, res) => {
    const etag = '"c1"';
    if (req.get('if-none-match') === etag) return void res.status(304).set('ETag', etag).end();
    res.set('ETag', etag).json({ items: [], tenant: req.ctx.principal?.tenantId, subject: req.ctx.principal?.subject });
  });
  app.get('/v1/jobs', (_req, res) => void res.json({ items: [] }));
  app.get('/v1/boom', () => {
    throw new Error('boom');
  });
  app.get(/^\/v1\/(contacts|jobs)\/([^/]+)$/, async (req: Request) => {
    const m = /^\/v1\/(contacts|jobs)\/([^/]+)$/.exec(req.path)!;
    await missed(req, m[1] === 'contacts' ? 'contact' : 'job', m[2]!);
  });
  app.get('/v1/jobs/:jobId/files', (_req, res) => void res.json({ items: [] }));
  app.get('/v1/downloads/:fileId', (_req, res) => void res.type('application/octet-stream').send(Buffer.from('bytes')));
  app.use((_req: Request, _res: Response, next: NextFunction) => next(new HttpProblem({ status: 404, type: 'not-found', title: 'Not found' })));
  // The product's one error middleware: what these tests check about problem bodies is what clients get.
  app.use(errorMiddleware());
  return { app, counters, keys, limiters };
}
