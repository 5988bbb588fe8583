/**
 * createApp(deps): the app a request goes through, as the list of its phases, in order. It neither listens nor
 * reads the environment (src/server.ts does both), and holds no state outside the app it returns: two apps in one
 * process share nothing.
 */
import { readFileSync } from 'node:fs';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { deprecations, type OperationDeprecation, type OperationId } from '../generated/operations.js';
import type { ResilientBackend } from './backend/resilience.js';
import { MAX_SIGNED_URL_TTL_SECONDS, type Config } from './config.js';
import type { AuditFn } from './files/audit.js';
import { createDownloadHandler } from './files/download.js';
import { createDownloadUrlIssuer } from './files/issue.js';
import type { BlobStore } from './files/port.js';
import { createUrlSigner } from './files/signer.js';
import { serveContract } from './http/contract.js';
import { deprecationHeaders } from './http/deprecation.js';
import { errorMiddleware } from './http/errors.js';
import { CursorCodec } from './http/pagination.js';
import { phase, pipeline } from './http/pipeline.js';
import { requestContext } from './http/request-context.js';
import { matchRoute } from './http/routes.js';
import type { AppServices } from './http/services.js';
import { testFaults } from './http/test-faults.js';
import { createValidator } from './http/validator.js';
import { createAudit } from './observability/audit.js';
import type { Metrics } from './observability/metrics.js';
import type { UsageMeter } from './observability/usage-meter.js';
import { recordRequests } from './observability/record-requests.js';
import { traceContextMiddleware } from './observability/trace.js';
import { handleOperations } from './operations/index.js';
import { fromRoot } from './paths.js';
import { createAuthenticate } from './security/authenticate.js';
import { createCors } from './security/cors.js';
import { createSecurityHeaders } from './security/headers.js';
import { createMethodGuard } from './security/method-guard.js';
import { createRateLimiters, type RateLimiters } from './security/rate-limit.js';
import { enforceScopes } from './security/scopes.js';
import { notFoundOrCrossTenant } from './security/tenancy.js';

export interface AppDeps {
  config: Config;
  /** The data tier behind the resilience pipeline (src/runtime/dependencies.ts). */
  backend: ResilientBackend;
  blobs: BlobStore;
  logger: Logger;
  metrics?: Metrics;
  /** Counts answered requests per tenant for GET /v1/usage; its owner (src/server.ts) flushes and closes it. */
  usageMeter?: UsageMeter;
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

export function createApp(deps: AppDeps): PortalApp {
  const { config, backend, blobs, logger, metrics } = deps;
  const spec = JSON.parse(readFileSync(fromRoot('generated/openapi.json'), 'utf8')) as object;
  // The audit stream: {audit: true, event} lines, never silenced by LOG_LEVEL, URLs scrubbed.
  const audit = deps.audit ?? createAudit(logger);
  const fileAudit: AuditFn = (event, fields) => {
    if (event === 'file.url_issued') metrics?.signedUrlIssued();
    audit(event, fields);
  };
  // maxTtlSeconds: during a rolling deploy that raises the TTL, replicas still on the old TTL accept the new URLs.
  const signer = createUrlSigner({
    keys: config.files.signingKeys,
    ttlSeconds: config.files.signedUrlTtlSeconds,
    maxTtlSeconds: MAX_SIGNED_URL_TTL_SECONDS,
    publicUrl: config.http.publicUrl,
    now: deps.now,
  });
  const services: AppServices = {
    config,
    backend,
    blobs,
    cursors: new CursorCodec(config.cursorSecret),
    issueDownloadUrl: createDownloadUrlIssuer({ blobs, signer, audit: fileAudit, log: logger }),
    download: createDownloadHandler({ backend, blobs, signer, audit: fileAudit, log: logger }),
    notFoundOrCrossTenant: notFoundOrCrossTenant({ backend, audit: (event, fields) => audit(event, { ...fields }), onCrossTenant: () => metrics?.crossTenantAttempt() }),
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

  app.use(
    pipeline([
      // The request's W3C trace context (continued from `traceparent` or new, active even when no spans are
      // recorded), its logger and AbortSignal with the backend deadline; metrics and the access line when it closes.
      phase('context', traceContextMiddleware(), requestContext(logger, config.backend.timeoutMs, deps.shutdownSignal), recordRequests({ logger, metrics, meter: deps.usageMeter })),
      // Security headers on every answer; the CORS allow-list; GET/HEAD/OPTIONS only, no bodies, a clean path.
      phase(
        'protect',
        createSecurityHeaders({ docsHtmlPath: fromRoot('generated/docs/index.html') }),
        createCors({ origins: config.security.corsOrigins, maxAgeSeconds: config.security.corsMaxAgeSeconds, onBlocked: () => metrics?.corsBlocked() }),
        createMethodGuard(),
      ),
      // The contract and its docs page: documents, not operations; public, on the `public` limiter.
      phase('documents', serveContract(spec, rateLimiters.public)),
      // Which operation: 404 for an unknown path, 405 for another method; its Deprecation, Sunset and Link from the
      // contract (410 after a sunset). (TEST-ONLY faults when configured.)
      phase(
        'route',
        matchRoute(),
        deprecationHeaders({ table: deps.deprecations ?? deprecations, gone: config.http.sunsetGone, onUse: (op, element) => metrics?.deprecatedUse(op, element), now: deps.now }),
        ...(config.testFaults ? [testFaults(config.testFaults, logger)] : []),
      ),
      // A protected operation needs a principal: an API key or an OIDC token, else 401.
      phase('authenticate', createAuthenticate({ backend, oidc: config.security.oidc, onFailure: (reason) => metrics?.authFailure(reason) })),
      // Charged to the principal, else the IP, on the operation's limiter: also the requests refused above.
      phase('limit', { run: rateLimiters.middleware, refused: rateLimiters.countRejections }),
      // The request against the contract: parameters, formats, no unknown ones.
      phase('validate', createValidator({ spec, responseValidation: config.http.responseValidation, log: logger })),
      // The scopes the operation's security requirement names.
      phase('authorize', enforceScopes()),
      // The operation's handler, and its answer (ETag or no-store as the contract says).
      phase('handle', handleOperations(services)),
    ]),
  );
  // respond: every refusal and failure as application/problem+json with the trace id.
  app.use(errorMiddleware());
  return app;
}
