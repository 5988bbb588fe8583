/**
 * createApp(deps): the whole HTTP pipeline, in request order, and nothing else. It neither listens nor reads the
 * environment (src/server.ts does both).
 */
import { readFileSync } from 'node:fs';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { deprecations, operationIds, type OperationDeprecation, type OperationId } from '../generated/operations.js';
import type { Backend } from './backend/port.js';
import type { ResilientBackend } from './backend/resilience.js';
import { MAX_SIGNED_URL_TTL_SECONDS, type Config } from './config.js';
import type { AuditFn } from './files/audit.js';
import { createDownloadHandler } from './files/download.js';
import { createDownloadUrlIssuer } from './files/issue.js';
import type { BlobStore } from './files/port.js';
import { createUrlSigner } from './files/signer.js';
import { deprecationHeaders } from './http/deprecation.js';
import { errorMiddleware } from './http/errors.js';
import { problems } from './http/problem.js';
import { CursorCodec } from './http/pagination.js';
import { pipeline } from './http/pipeline.js';
import { requestContext } from './http/request-context.js';
import { matchRoute } from './http/routes.js';
import type { AppServices, HealthReport } from './http/services.js';
import { createValidator } from './http/validator.js';
import { testFaults } from './http/test-faults.js';
import { serveContract } from './http/contract.js';
import { createAudit } from './observability/audit.js';
import type { Metrics } from './observability/metrics.js';
import { requestObserver } from './observability/request-observer.js';
import { traceContextMiddleware } from './observability/trace.js';
import { operationModules } from './operations/index.js';
import { fromRoot } from './paths.js';
import { createAuthenticate } from './security/authenticate.js';
import { createCors } from './security/cors.js';
import { createSecurityHeaders } from './security/headers.js';
import { createMethodGuard } from './security/method-guard.js';
import { createRateLimiters, type RateLimiters } from './security/rate-limit.js';
import { enforceScopes } from './security/scopes.js';
import { setTenancyHooks } from './security/tenancy.js';

export interface AppDeps {
  config: Config;
  /** The data tier, wrapped in the resilience pipeline by the caller when it has one. */
  backend: Backend | ResilientBackend;
  blobs: BlobStore;
  logger: Logger;
  metrics?: Metrics;
  /** Audit stream (`{audit: true, event}` lines); defaults to the logger. */
  audit?: (event: string, fields: Record<string, unknown>) => void;
  /** Shared rate-limit counters across replicas; in-memory without it. */
  redis?: Redis;
  /** Aborts every in-flight request's signal (graceful shutdown's last step). */
  shutdownSignal?: AbortSignal;
  /** Clock for signed URLs and sunsets (tests). */
  now?: () => number;
  /** The contract's deprecations; the generated table by default (tests pass one generated from an edited spec). */
  deprecations?: Partial<Record<OperationId, OperationDeprecation>>;
}

export interface PortalApp extends Express {
  locals: Express['locals'] & { rateLimiters: RateLimiters };
}

const SPEC = JSON.parse(readFileSync(fromRoot('generated/openapi.json'), 'utf8')) as object;
const DOCS_HTML = fromRoot('generated/docs/index.html');

async function defaultHealth(backend: Backend, signal: AbortSignal): Promise<HealthReport> {
  const started = performance.now();
  try {
    await backend.ping(signal);
    return { status: 'ok', latencyMs: performance.now() - started };
  } catch {
    return { status: 'down', detail: 'backend unreachable' };
  }
}

export function createApp(deps: AppDeps): PortalApp {
  const { config, backend, blobs, logger, metrics } = deps;
  // observability: the audit stream ({audit: true, event} lines, never silenced by LOG_LEVEL, URLs scrubbed).
  const audit = deps.audit ?? createAudit(logger);
  setTenancyHooks({ audit: (event, fields) => audit(event, { ...fields }), onCrossTenant: () => metrics?.crossTenantAttempt() });

  // maxTtlSeconds: during a rolling deploy that raises the TTL, replicas still on the old TTL accept the new URLs.
  const signer = createUrlSigner({
    keys: config.files.signingKeys,
    ttlSeconds: config.files.signedUrlTtlSeconds,
    maxTtlSeconds: MAX_SIGNED_URL_TTL_SECONDS,
    publicUrl: config.http.publicUrl,
    now: deps.now,
  });
  const fileAudit: AuditFn = (event, fields) => {
    if (event === 'file.url_issued') metrics?.signedUrlIssued();
    audit(event, fields);
  };
  const resilient = 'health' in backend ? (backend as ResilientBackend) : undefined;
  const services: AppServices = {
    config,
    backend,
    blobs,
    cursors: new CursorCodec(config.cursorSecret),
    issueDownloadUrl: createDownloadUrlIssuer({ blobs, signer, audit: fileAudit, log: logger }),
    download: createDownloadHandler({ backend, blobs, signer, audit: fileAudit, log: logger }),
    backendHealth: (signal) => (resilient ? resilient.health(signal) : defaultHealth(backend, signal)),
    validateResponses: config.http.responseValidation !== 'off',
  };
  const rateLimiters = createRateLimiters(config.security, {
    redis: deps.redis,
    onLimited: (limiter) => metrics?.rateLimited(limiter),
    onStoreError: (limiter, err) => {
      metrics?.rateLimitStoreError(limiter);
      logger.warn({ limiter, err: (err as Error)?.message }, 'rate-limit store failed');
    },
    logger,
  });

  const app = express() as PortalApp;
  app.locals.rateLimiters = rateLimiters;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.http.trustProxy);
  app.set('query parser', 'simple');

  // The stages run as a few Express layers (src/http/pipeline.ts) rather than one layer each: the router's per-layer
  // work was a measurable share of every request.
  const handlers = new Map(operationIds.map((id) => [id, operationModules[id].handler(services)] as const));
  app.use(
    pipeline([
      // 1. Trace context and the request's logger; metrics and the access line on finish.
      // observability: activate the request's W3C trace context (continued from `traceparent` or new) even when no
      // instrumentation runs, so logs, problem bodies and the RPC backend call carry the same trace id.
      traceContextMiddleware(),
      requestContext(logger, config.backend.timeoutMs, deps.shutdownSignal),
      // observability: metrics and one compact access line per request (route template, status, duration, tenant,
      // principal), from a single listener when the response closes.
      requestObserver({ logger, metrics }),
      // 2. Security headers, CORS allow-list, method guard (GET/HEAD/OPTIONS, no bodies, path hygiene).
      createSecurityHeaders({ docsHtmlPath: DOCS_HTML }),
      createCors({ origins: config.security.corsOrigins, maxAgeSeconds: config.security.corsMaxAgeSeconds, onBlocked: () => metrics?.corsBlocked() }),
      createMethodGuard(),
      // The contract itself and its docs: public, on the generous limiter.
      serveContract(SPEC, rateLimiters.public),
      // 3. Which operation is this? Unknown path → 404, other method → 405.
      matchRoute(),
      // Deprecation, Sunset and Link from the contract's deprecations for this operation; 410 after a sunset.
      deprecationHeaders({ table: deps.deprecations ?? deprecations, gone: config.http.sunsetGone, onUse: (op, element) => metrics?.deprecatedUse(op, element), now: deps.now }),
      // TEST-ONLY: injected 500s / delay for rehearsing the canary gate; absent unless explicitly enabled (config).
      ...(config.testFaults ? [testFaults(config.testFaults, logger)] : []),
      // 4. Authentication (protected operations) → principal; 5. rate limit keyed by principal (IP before auth).
      createAuthenticate({ backend, oidc: config.security.oidc, isPublic: (req) => req.ctx.match?.public === true, onFailure: (reason) => metrics?.authFailure(reason) }),
      rateLimiters.middleware,
    ]),
  );
  // A refusal before the limiter (401, the method guard's 400/405/414, 404, a CORS 403) still costs the client's IP its quota
  // and carries the RateLimit headers.
  app.use(rateLimiters.countRejections);
  app.use(
    pipeline([
      // 6. OpenAPI request validation, then the scopes the operation's security requirement names.
      createValidator({ spec: SPEC, responseValidation: config.http.responseValidation, log: logger }),
      enforceScopes((req) => req.ctx.match?.scopes),
      // 7. The operation's handler, dispatched on the operation matched in step 3 (routing once, not again here).
      //    Node answers HEAD without a body by itself.
      (req, res, next) => {
        const match = req.ctx.match;
        if (!match) return next(problems.notFound());
        req.params = match.params;
        handlers.get(match.operationId)!(req, res, next);
      },
    ]),
  );
  // 8. Every failure → application/problem+json with the trace id.
  app.use(errorMiddleware());
  return app;
}
