/**
 * The event hooks the other modules expose, bound to metrics, the audit stream and the logger — so src/app.ts
 * and src/server.ts wire observability with one object and no module ever touches a label name.
 */
import type { Logger } from 'pino';
import type { ResilienceEvents } from '../backend/resilience.js';
import type { AuditFn } from '../files/audit.js';
import type { LimiterName } from '../security/rate-limit.js';
import type { TenancyHooks } from '../security/tenancy.js';
import type { Audit } from './audit.js';
import type { Metrics } from './metrics.js';

export interface ObservabilityHooks {
  /** `withResilience(inner, opts, hooks.resilience)`. */
  resilience: ResilienceEvents;
  /** `authenticate({ onFailure: hooks.onAuthFailure })`. */
  onAuthFailure: (reason: string) => void;
  /** `corsMiddleware({ onBlocked: hooks.onCorsBlocked })`. */
  onCorsBlocked: (origin: string) => void;
  /** `createRateLimiters({ onLimited: hooks.onRateLimited })`. */
  onRateLimited: (limiter: LimiterName) => void;
  /** `setTenancyHooks(hooks.tenancy)`: audit line + counter per cross-tenant attempt. */
  tenancy: TenancyHooks;
  /** The files module's audit sink (`file.url_issued` also counts the signed URL). */
  filesAudit: AuditFn;
}

export function createObservabilityHooks(deps: { metrics: Metrics; audit: Audit; logger: Logger }): ObservabilityHooks {
  const { metrics, audit, logger } = deps;
  return {
    resilience: {
      onBreakerStateChange(state) {
        metrics.circuitState(state);
        logger.warn({ event: 'backend.breaker', state }, `backend circuit breaker ${state}`);
      },
      onRetry(op) {
        metrics.backendRetry(op);
      },
      onGiveUp(op, reason) {
        logger.warn({ event: 'backend.give_up', operation: op, reason }, 'backend call gave up');
      },
      onTimeout(op) {
        metrics.backendTimeout(op);
      },
      onBulkheadRejected() {
        metrics.bulkheadRejection();
      },
      onCall(op, outcome, seconds) {
        metrics.backendCall(op, outcome, seconds);
      },
    },
    onAuthFailure(reason) {
      metrics.authFailure(reason);
    },
    onCorsBlocked() {
      // The origin goes to the log line the CORS module writes, never into a label (unbounded).
      metrics.corsBlocked();
    },
    onRateLimited(limiter) {
      metrics.rateLimited(limiter);
    },
    tenancy: {
      audit(event, fields) {
        audit(event, { ...fields });
      },
      onCrossTenant() {
        metrics.crossTenantAttempt();
      },
    },
    filesAudit(event, fields) {
      if (event === 'file.url_issued') metrics.signedUrlIssued();
      audit(event, fields);
    },
  };
}
