/**
 * The backend service: any `Backend` (in production the SQL store) served over openapi/backend.yaml, for the
 * two-tier deployment N portal replicas → this service → PostgreSQL. `npm run backend` starts it.
 *
 * - the shared secret is checked first, in constant time (SHA-256 of both sides, then timingSafeEqual);
 * - requests are validated by express-openapi-validator against the bundled backend spec;
 * - each call gets an AbortSignal that fires when the caller disconnects or its `x-portal-deadline-ms` runs
 *   out, so a cancelled portal request cancels the SQL query here too;
 * - failures are problem+json without internals, mapped like the portal's (src/http/errors.ts): the pipeline's
 *   unavailable/at capacity → 503 + Retry-After, timeout or deadline → 504, transient → 503, else 500.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { backendProblem } from '../http/errors.js';
import { HttpProblem, PROBLEM_BASE, problems } from '../http/problem.js';
import { setDeadline } from '../common/deadline.js';
import { JOB_STATUSES, TransientBackendError } from '../backend/port.js';
import type { Backend, EntityKind, JobStatus, PageRequest, UsageIncrement } from '../backend/port.js';
import { fromRoot } from '../paths.js';
import { traceContextMiddleware } from '../observability/trace.js';

export interface BackendServerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BackendServerOptions {
  backend: Backend;
  /** PORTAL_BACKEND_SECRET; when undefined every caller is accepted (development only — the entry refuses it in production). */
  secret?: string;
  logger?: BackendServerLogger;
  /** Validate every response against the contract (tests, development). */
  validateResponses?: boolean;
  /** Deadline of a call whose caller sent no `x-portal-deadline-ms`. */
  defaultDeadlineMs?: number;
  /** The bundled contract; defaults to generated/backend.openapi.json. */
  spec?: object;
}

const DEADLINE_HEADER = 'x-portal-deadline-ms';

class ClientGone extends Error {
  override readonly name = 'AbortError';
}
class DeadlineExceeded extends Error {
  override readonly name = 'TimeoutError';
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function sendProblem(res: Response, p: HttpProblem): void {
  res.status(p.status);
  for (const [k, v] of Object.entries(p.headers)) res.setHeader(k, v);
  res.type('application/problem+json');
  res.send(JSON.stringify({ type: PROBLEM_BASE + p.type, title: p.title, status: p.status, ...(p.detail ? { detail: p.detail } : {}) }));
}

function authenticate(secret: string | undefined): RequestHandler {
  const expected = secret === undefined ? undefined : digest(secret);
  return (req, res, next) => {
    if (!expected) return next();
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // Hash both sides first: equal lengths for timingSafeEqual, and no early exit that leaks the secret's length.
    if (timingSafeEqual(digest(given), expected)) return next();
    sendProblem(res, problems.unauthorized('The backend secret is missing or wrong.'));
  };
}

interface CallContext {
  signal: AbortSignal;
  deadlineHit: () => boolean;
}

/** Per-request AbortSignal: the caller disconnecting or the deadline passing stops the backend's work. */
function callContext(req: Request, res: Response, defaultDeadlineMs: number): CallContext {
  const ctrl = new AbortController();
  const raw = Number(req.headers[DEADLINE_HEADER]);
  const ms = Number.isInteger(raw) && raw > 0 ? Math.min(raw, defaultDeadlineMs) : defaultDeadlineMs;
  setDeadline(ctrl.signal, Date.now() + ms);
  let hit = false;
  const timer = setTimeout(() => {
    hit = true;
    ctrl.abort(new DeadlineExceeded('deadline exceeded'));
  }, ms);
  res.on('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) ctrl.abort(new ClientGone('the caller closed the connection'));
  });
  return { signal: ctrl.signal, deadlineHit: () => hit };
}

function page(req: Request): PageRequest {
  const q = req.query as Record<string, string | undefined>;
  const limit = Number(q.limit);
  if ((q.afterCreatedAt === undefined) !== (q.afterId === undefined)) throw problems.badRequest('afterCreatedAt and afterId go together.');
  return { limit, ...(q.afterCreatedAt && q.afterId ? { after: { createdAt: q.afterCreatedAt, id: q.afterId } } : {}) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function p(req: Request, name: string): string {
  return String(req.params[name]);
}

export function createBackendServer(opts: BackendServerOptions): express.Express {
  const { backend, logger } = opts;
  const defaultDeadlineMs = opts.defaultDeadlineMs ?? 30_000;
  const spec = opts.spec ?? (JSON.parse(readFileSync(fromRoot('generated/backend.openapi.json'), 'utf8')) as object);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // The caller's trace becomes current even when no spans are recorded, so log lines carry its id.
  app.use(traceContextMiddleware());
  app.use(authenticate(opts.secret));
  // The one body the contract has: a usage batch (at most 500 increments, well under this).
  app.use(express.json({ limit: '512kb' }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(spec) as never,
      validateApiSpec: false,
      validateRequests: { allowUnknownQueryParameters: false, removeAdditional: false, allErrors: true },
      validateResponses: opts.validateResponses ? { removeAdditional: false } : false,
      validateSecurity: false,
      validateFormats: true,
      ignoreUndocumented: false,
      $refParser: { mode: 'dereference' },
    }) as unknown as RequestHandler[],
  );

  /** One route: run the backend call with the request's signal; null → 404 not-found. */
  const route = (path: string, op: string, fn: (req: Request, signal: AbortSignal) => Promise<unknown>, method: 'get' | 'post' = 'get') => {
    app[method](path, async (req: Request, res: Response) => {
      const ctx = callContext(req, res, defaultDeadlineMs);
      try {
        const value = await fn(req, ctx.signal);
        if (value === null) return sendProblem(res, problems.notFound());
        res.json(value);
      } catch (err) {
        if (res.destroyed || (ctx.signal.aborted && ctx.signal.reason instanceof ClientGone)) {
          logger?.info({ op }, 'backend call aborted: the caller closed the connection');
          return;
        }
        let problem: HttpProblem;
        const fromPipeline = backendProblem(err);
        if (err instanceof HttpProblem) problem = err;
        else if (fromPipeline) problem = fromPipeline;
        else if (ctx.deadlineHit()) problem = problems.gatewayTimeout('The store did not answer before the deadline.');
        else if (err instanceof TransientBackendError) problem = problems.serviceUnavailable(1, 'The store failed transiently.');
        else problem = problems.internal(err);
        if (problem.status >= 500) logger?.warn({ op, status: problem.status, error: err instanceof Error ? err.name : typeof err }, 'backend call failed');
        sendProblem(res, problem);
      }
    });
  };

  route('/rpc/v1/tenants/:tenantId/contacts', 'listContacts', (req, s) =>
    backend.listContacts(p(req, 'tenantId'), { q: str(req.query.q), updatedSince: str(req.query.updatedSince) }, page(req), s),
  );
  route('/rpc/v1/tenants/:tenantId/contacts/:contactId', 'getContact', (req, s) => backend.getContact(p(req, 'tenantId'), p(req, 'contactId'), s));
  route('/rpc/v1/tenants/:tenantId/jobs', 'listJobs', (req, s) => {
    const status = str(req.query.status);
    const filter = {
      status: status && (JOB_STATUSES as readonly string[]).includes(status) ? (status as JobStatus) : undefined,
      contactId: str(req.query.contactId),
      updatedSince: str(req.query.updatedSince),
    };
    return backend.listJobs(p(req, 'tenantId'), filter, page(req), s);
  });
  route('/rpc/v1/tenants/:tenantId/jobs/:jobId', 'getJob', (req, s) => backend.getJob(p(req, 'tenantId'), p(req, 'jobId'), s));
  route('/rpc/v1/tenants/:tenantId/jobs/:jobId/files', 'listJobFiles', (req, s) => backend.listJobFiles(p(req, 'tenantId'), p(req, 'jobId'), page(req), s));
  route('/rpc/v1/tenants/:tenantId/jobs/:jobId/files/:fileId', 'getJobFile', (req, s) =>
    backend.getJobFile(p(req, 'tenantId'), p(req, 'jobId'), p(req, 'fileId'), s),
  );
  route('/rpc/v1/tenants/:tenantId/files/:fileId', 'getFile', (req, s) => backend.getFile(p(req, 'tenantId'), p(req, 'fileId'), s));
  route('/rpc/v1/owners/:kind/:id', 'ownerOf', async (req, s) => {
    const tenantId = await backend.ownerOf(p(req, 'kind') as EntityKind, p(req, 'id'), s);
    return tenantId === null ? null : { tenantId };
  });
  route('/rpc/v1/api-keys/:hash', 'findApiKeyByHash', (req, s) => backend.findApiKeyByHash(p(req, 'hash'), s));
  route('/rpc/v1/tenants/:tenantId/usage', 'getUsage', async (req, s) => {
    const q = req.query as Record<string, string>;
    const rows = await backend.getUsage(p(req, 'tenantId'), { from: String(q.from), to: String(q.to), granularity: q.granularity === 'month' ? 'month' : 'day' }, s);
    return { rows };
  });
  route(
    '/rpc/v1/usage',
    'recordUsage',
    async (req, s) => {
      const { increments } = req.body as { increments: UsageIncrement[] };
      await backend.recordUsage(increments, s);
      return { recorded: increments.length };
    },
    'post',
  );
  route('/rpc/v1/ping', 'ping', async (_req, s) => {
    await backend.ping(s);
    return { status: 'ok' };
  });

  app.use((_req: Request, res: Response) => sendProblem(res, new HttpProblem({ status: 404, type: 'no-route', title: 'No such route' })));

  // Validator rejections (400 with its messages, which name parameters, never values), unknown routes, the rest.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    if (status === 400) {
      const msgs = ((err as { errors?: { path?: string; message?: string }[] }).errors ?? []).slice(0, 10).map((e) => `${e.path ?? ''} ${e.message ?? ''}`.trim());
      return sendProblem(res, problems.badRequest(msgs.join('; ').slice(0, 2000) || 'Invalid request.'));
    }
    if (status === 404 || status === 405) return sendProblem(res, new HttpProblem({ status: 404, type: 'no-route', title: 'No such route' }));
    logger?.error({ error: err instanceof Error ? err.name : typeof err, message: err instanceof Error ? err.message : undefined }, 'backend server error');
    sendProblem(res, problems.internal());
  });
  return app;
}
