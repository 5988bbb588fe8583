/**
 * Every Prometheus series of the portal (prom-client's own metric types). One Registry per app instance — never
 * the global one — so tests can build many apps in one process and the admin listener serves exactly this app's
 * series.
 *
 * Other modules call the typed helpers (`metrics.authFailure('expired_token')`) and never see a label name, so
 * every label value comes from a closed set and cardinality stays bounded (route templates, not paths).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CALL_OUTCOMES, PIPELINES, type CallOutcome, type CircuitStateName, type PipelineName } from '../backend/resilience.js';
import { AUTH_FAILURE_REASONS as SECURITY_AUTH_REASONS } from '../security/auth-reasons.js';

/**
 * A bucket at every latency SLO threshold of the seed (p95/p99 per endpoint: 50/100 ms health, 300/600
 * contacts, 400/800 jobs, 500/1000 files; the p99 alert at 1 s), finer ones below, and 5 s (the backend
 * timeout) above. Recording rules and the SLO report read these exact `le` values.
 */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 2, 5];
/** Backend calls are usually faster than the request around them; same shape so the two can be compared. */
export const BACKEND_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1, 2, 5];

/** The security module's closed set of failure reasons, plus `other` for anything unexpected. */
export const AUTH_FAILURE_REASONS = [...SECURITY_AUTH_REASONS, 'other'] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export type DownloadOutcome = 'ok' | 'partial' | 'not_modified' | 'refused' | 'invalid' | 'not_found' | 'unsatisfiable' | 'error' | 'aborted';

/** The signed-download route: its outcomes are read off the response status (one place, no double counting). */
export const DOWNLOAD_ROUTE = '/v1/downloads/{fileId}';

export function downloadOutcome(status: number): DownloadOutcome {
  if (status === 200) return 'ok';
  if (status === 206) return 'partial';
  if (status === 304) return 'not_modified';
  if (status === 401 || status === 403) return 'refused';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 416) return 'unsatisfiable';
  if (status === 499) return 'aborted';
  if (status >= 400 && status < 500) return 'invalid';
  return 'error';
}

const BACKEND_OUTCOMES: ReadonlySet<string> = new Set(CALL_OUTCOMES);
const AUTH_REASONS: ReadonlySet<string> = new Set(AUTH_FAILURE_REASONS);
const CIRCUIT_VALUE: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2 };
/** Methods outside this set share one label value: a client cannot mint series with invented verbs. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Backend operation names are code-defined, but cap them anyway so a bug cannot explode the series count. */
const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

export interface Metrics {
  readonly registry: Registry;
  /** Records one finished HTTP request; `seconds` is the server-side duration. */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void;
  backendCall(operation: string, outcome: CallOutcome, seconds: number): void;
  circuitState(state: CircuitStateName): void;
  /** Which resilience pipeline wraps the backend (set once at start). */
  backendPipeline(pipeline: PipelineName): void;
  backendRetry(operation: string): void;
  backendTimeout(operation: string): void;
  bulkheadRejection(): void;
  rateLimited(limiter: string): void;
  /** The rate-limit store (Redis) failed; the request passed (fail open) or got 503 (fail closed). */
  rateLimitStoreError(limiter: string): void;
  corsBlocked(): void;
  authFailure(reason: string): void;
  crossTenantAttempt(): void;
  /** A request used something the contract deprecates (`element`: operation, `query:q`, `field:Contact.phone`). */
  deprecatedUse(operation: string, element: string): void;
  signedUrlIssued(): void;
  /** Body bytes of a finished download (the signed-URL route). */
  downloadBytes(bytes: number): void;
  /** One flush of the usage meter (src/observability/usage-meter.ts): its outcome, duration and counters. */
  usageFlush(outcome: 'ok' | 'error', seconds: number, counters: number): void;
  /** Usage counters dropped because too many were waiting for the store. */
  usageDropped(counters: number): void;
  /** The Prometheus text exposition of every series. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  version: string;
  revision: string;
  /** Process and Node.js runtime metrics (GC, event loop lag, heap); on by default. */
  defaultMetrics?: boolean;
}

function safeOperation(operation: string): string {
  return OPERATION_NAME.test(operation) ? operation : 'other';
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
  const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });

  const httpDuration = histogram('http_server_request_duration_seconds', 'Duration of HTTP requests handled by the public listener, by route template.', ['method', 'route', 'status_code'], HTTP_DURATION_BUCKETS);
  const httpRequests = counter('http_server_requests_total', 'HTTP requests handled by the public listener, by route template and status code.', ['method', 'route', 'status_code']);
  const backendDuration = histogram(
    'portal_backend_call_duration_seconds',
    'Duration of calls to the data backend (all attempts, through the resilience pipeline), by outcome.',
    ['operation', 'outcome'],
    BACKEND_DURATION_BUCKETS,
  );
  const circuit = gauge('portal_backend_circuit_state', 'Backend circuit breaker state: 0 closed, 1 half-open, 2 open.');
  const pipeline = gauge('portal_backend_pipeline', 'The resilience pipeline the backend runs through: 1 for the running one (embedded: retry + bulkhead; networked: also timeout + circuit breaker).', ['pipeline']);
  const retries = counter('portal_backend_retries_total', 'Backend call attempts retried after a transient failure.', ['operation']);
  const timeouts = counter('portal_backend_timeouts_total', 'Backend call attempts abandoned at the per-attempt timeout.', ['operation']);
  const bulkhead = counter('portal_backend_bulkhead_rejections_total', 'Backend calls rejected because the bulkhead and its queue were full.');
  const rateLimited = counter('portal_rate_limited_total', 'Requests answered 429 by a rate limiter.', ['limiter']);
  const rateLimitStoreErrors = counter('portal_rate_limit_store_errors_total', 'Rate-limit store (Redis) failures, by limiter.', ['limiter']);
  const corsBlocked = counter('portal_cors_blocked_total', 'Requests from an Origin outside the CORS allow-list.');
  const authFailures = counter('portal_auth_failures_total', 'Failed authentications, by reason.', ['reason']);
  const crossTenant = counter('portal_cross_tenant_attempts_total', "Requests for another tenant's resource (answered 404).");
  // Per operation and deprecated element, never per tenant: who still calls it is in the access log.
  const deprecatedUses = counter(
    'portal_deprecated_requests_total',
    'Requests that used a deprecated operation, parameter or field of the contract (x-sunset).',
    ['operation', 'element'],
  );
  const signedUrls = counter('portal_signed_urls_issued_total', 'Signed download URLs issued.');
  const downloads = counter('portal_downloads_total', 'Requests to the signed-URL download route, by outcome (from the response status).', ['outcome']);
  const downloadBytes = counter('portal_download_bytes_total', 'Body bytes served by finished downloads on the signed-URL route.');
  // Usage is metered per tenant in the store (GET /v1/usage); these series carry no tenant label, only the meter's health.
  const usageFlushes = counter('portal_usage_flushes_total', 'Flushes of the usage meter to the store, by outcome (error: the counts are kept for the next one).', ['outcome']);
  const usageFlushDuration = histogram('portal_usage_flush_duration_seconds', 'Duration of usage meter flushes.', [], BACKEND_DURATION_BUCKETS);
  const usageFlushedCounters = counter('portal_usage_counters_flushed_total', 'Usage counters (tenant, day, operation, status class) written by successful flushes.');
  const usageDropped = counter('portal_usage_counters_dropped_total', 'Usage counters dropped because too many were waiting for the store.');
  const buildInfo = gauge('portal_build_info', 'Always 1; labels carry the running version and revision.', ['version', 'revision']);
  buildInfo.set({ version: opts.version, revision: opts.revision }, 1);

  // Zero-initialise the closed-set series so rate() and absent() work from the first scrape.
  circuit.set(0);
  bulkhead.inc(0);
  corsBlocked.inc(0);
  crossTenant.inc(0);
  signedUrls.inc(0);
  downloadBytes.inc(0);
  usageFlushes.labels('ok').inc(0);
  usageFlushes.labels('error').inc(0);
  usageFlushedCounters.inc(0);
  usageDropped.inc(0);
  for (const reason of AUTH_FAILURE_REASONS) authFailures.labels(reason).inc(0);

  return {
    registry,
    contentType: registry.contentType,
    observeHttp(method, route, statusCode, seconds) {
      const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
      const status = statusCode >= 100 && statusCode <= 599 ? String(statusCode) : 'invalid';
      httpDuration.labels(m, route, status).observe(seconds);
      httpRequests.labels(m, route, status).inc();
      if (route === DOWNLOAD_ROUTE) downloads.labels(downloadOutcome(statusCode)).inc();
    },
    backendCall(operation, outcome, seconds) {
      backendDuration.labels(safeOperation(operation), BACKEND_OUTCOMES.has(outcome) ? outcome : 'error').observe(seconds);
    },
    circuitState(state) {
      circuit.set(CIRCUIT_VALUE[state] ?? 0);
    },
    backendPipeline(running) {
      for (const p of PIPELINES) pipeline.labels(p).set(p === running ? 1 : 0);
    },
    backendRetry(operation) {
      retries.labels(safeOperation(operation)).inc();
    },
    backendTimeout(operation) {
      timeouts.labels(safeOperation(operation)).inc();
    },
    bulkheadRejection() {
      bulkhead.inc();
    },
    rateLimited(limiter) {
      rateLimited.labels(OPERATION_NAME.test(limiter) ? limiter : 'other').inc();
    },
    rateLimitStoreError(limiter) {
      rateLimitStoreErrors.labels(OPERATION_NAME.test(limiter) ? limiter : 'other').inc();
    },
    corsBlocked() {
      corsBlocked.inc();
    },
    authFailure(reason) {
      authFailures.labels(AUTH_REASONS.has(reason) ? reason : 'other').inc();
    },
    deprecatedUse(operation: string, element: string) {
      deprecatedUses.inc({ operation, element });
    },
    crossTenantAttempt() {
      crossTenant.inc();
    },
    signedUrlIssued() {
      signedUrls.inc();
    },
    downloadBytes(bytes) {
      if (bytes > 0) downloadBytes.inc(bytes);
    },
    usageFlush(outcome, seconds, counters) {
      usageFlushes.labels(outcome).inc();
      usageFlushDuration.observe(seconds);
      if (outcome === 'ok') usageFlushedCounters.inc(counters);
    },
    usageDropped(counters) {
      usageDropped.inc(counters);
    },
    render() {
      return registry.metrics();
    },
  };
}
