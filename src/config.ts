/**
 * The one place that reads the environment (12-factor). `loadConfig(env)` parses it against the schema in
 * src/environment.ts, throws a ConfigError listing *every* bad variable at once, and maps the result onto the typed
 * Config. Production refuses the development defaults.
 *
 * Adding a variable: declare it in src/environment.ts (its header says how), read it in toConfig() below into the
 * Config field it sets, and run `npm run generate` (docs/configuration.md and .env.example are generated from the
 * schema).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as z from 'zod';
import { environmentSchema, type Parsed, type Variables } from './environment.js';
import { fromRoot } from './paths.js';

export { MAX_SIGNED_URL_TTL_SECONDS } from './environment.js';

export type Env = 'development' | 'production' | 'test';
export type ResponseValidation = 'off' | 'log' | 'throw';

export interface SigningKey {
  id: string;
  secret: Buffer;
}

export interface Config {
  env: Env;
  version: string;
  revision: string;
  http: {
    host: string;
    port: number;
    /** Absolute base URL clients reach this API at; used for Link headers and signed URLs. */
    publicUrl: string;
    trustProxy: string | number | boolean;
    responseValidation: ResponseValidation;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxHeaderSize: number;
    /** After an operation's or a parameter's `x-sunset` date, answer 410 Gone (else keep serving, with the headers). */
    sunsetGone: boolean;
  };
  admin: { host: string; port: number };
  data: {
    dir: string;
    /** postgres://… selects PostgreSQL; undefined means embedded SQLite under `dir`. */
    databaseUrl?: string;
    migrateOnStart: boolean;
    /** Seed the demo tenants when the store is empty (never in production). */
    seedDemo: boolean;
  };
  backend: {
    /** When set, data comes from an RPC backend service at this URL instead of a local store. */
    url?: string;
    /** Shared secret between portal and backend service. */
    secret?: string;
    /** Port of `npm run backend`. */
    servePort: number;
    timeoutMs: number;
    maxRetries: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    breakerConsecutiveFailures: number;
    breakerHalfOpenAfterMs: number;
    bulkheadConcurrency: number;
    bulkheadQueue: number;
    /** Above this ping latency, health reports `degraded`. */
    slowThresholdMs: number;
  };
  security: {
    corsOrigins: string[];
    corsMaxAgeSeconds: number;
    rateLimitPerMinute: number;
    filesRateLimitPerMinute: number;
    publicRateLimitPerMinute: number;
    redisUrl?: string;
    /** What the rate limiter does when Redis is unreachable: `open` lets requests through (logged, counted). */
    rateLimitRedisFailure: 'open' | 'closed';
    oidc?: {
      issuer: string;
      audience: string;
      jwksUrl: string;
      tenantClaim: string;
      clockToleranceSeconds: number;
    };
  };
  files: {
    /** The first key signs; all verify (rotation). */
    signingKeys: SigningKey[];
    signedUrlTtlSeconds: number;
    s3?: {
      bucket: string;
      region: string;
      endpoint?: string;
      forcePathStyle: boolean;
    };
  };
  /** Key for tamper-evident pagination cursors (derived from the first signing key unless set). */
  cursorSecret: Buffer;
  observability: {
    logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    debugLogSampleRate: number;
    otlpEndpoint?: string;
    serviceName: string;
    /** OpenTelemetry instrumentation (trace context still flows without it; `false` is for benchmarks). */
    tracing: boolean;
    /** Per-request HTTP and backend metrics (process metrics on /metrics stay; `false` is for benchmarks). */
    httpMetrics: boolean;
  };
  /** The usage meter (src/observability/usage-meter.ts). */
  usage: { metering: boolean; flushIntervalMs: number; maxPendingCounters: number };
  shutdown: { drainDelayMs: number; timeoutMs: number };
  /** TEST-ONLY fault injection (src/http/test-faults.ts), for rehearsing the canary gate; never set in production. */
  testFaults?: { errorRate: number; delayMs: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * One line per problem: `NAME="value": expected …` (the value hidden for secrets); `NAME: …` when the message names
 * the list element it is about; a rule's or refusal's own sentence, which starts with the variable's name.
 */
function describeProblem(issue: z.core.$ZodIssue, input: Record<string, string | undefined>, schema: z.ZodObject<Variables>): string {
  const name = String(issue.path[0]);
  if (issue.message.startsWith(name)) return issue.message;
  if (issue.path.length > 1) return `${name}: ${issue.message}`;
  const secret = schema.shape[name as keyof Variables]?.meta()?.secret;
  return `${name}=${secret ? '(value hidden)' : JSON.stringify(input[name])}: ${issue.message}`;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): Config {
  // Only the declared variables, trimmed; empty counts as unset.
  const base = environmentSchema('development');
  const input = Object.fromEntries(Object.keys(base.shape).map((name) => [name, processEnv[name]?.trim() || undefined]));
  const mode = base.shape.NODE_ENV.safeParse(input.NODE_ENV).data ?? 'development';
  const schema = environmentSchema(mode);
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeProblem(issue, input, schema)));
  return toConfig(result.data);
}

function toConfig(e: Parsed): Config {
  const signingKeys = e.PORTAL_SIGNING_KEYS;
  const oidcSet = e.PORTAL_OIDC_ISSUER && e.PORTAL_OIDC_AUDIENCE && e.PORTAL_OIDC_JWKS_URL;
  return {
    env: e.NODE_ENV,
    version: packageVersion(),
    revision: e.PORTAL_REVISION,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: (e.PORTAL_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      trustProxy: e.PORTAL_TRUST_PROXY,
      responseValidation: e.PORTAL_RESPONSE_VALIDATION,
      headersTimeoutMs: e.PORTAL_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.PORTAL_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.PORTAL_KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderSize: e.PORTAL_MAX_HEADER_BYTES,
      sunsetGone: e.PORTAL_SUNSET_GONE,
    },
    admin: { host: e.PORTAL_ADMIN_HOST, port: e.PORTAL_ADMIN_PORT },
    data: { dir: path.resolve(e.PORTAL_DATA_DIR), databaseUrl: e.DATABASE_URL, migrateOnStart: e.PORTAL_MIGRATE_ON_START, seedDemo: e.PORTAL_SEED_DEMO },
    backend: {
      url: e.PORTAL_BACKEND_URL,
      secret: e.PORTAL_BACKEND_SECRET,
      servePort: e.PORTAL_BACKEND_PORT,
      timeoutMs: e.PORTAL_BACKEND_TIMEOUT_MS,
      maxRetries: e.PORTAL_BACKEND_MAX_RETRIES,
      retryBaseDelayMs: e.PORTAL_BACKEND_RETRY_BASE_MS,
      retryMaxDelayMs: e.PORTAL_BACKEND_RETRY_MAX_MS,
      breakerConsecutiveFailures: e.PORTAL_BREAKER_FAILURES,
      breakerHalfOpenAfterMs: e.PORTAL_BREAKER_HALF_OPEN_MS,
      bulkheadConcurrency: e.PORTAL_BULKHEAD_CONCURRENCY,
      bulkheadQueue: e.PORTAL_BULKHEAD_QUEUE,
      slowThresholdMs: e.PORTAL_BACKEND_SLOW_MS,
    },
    security: {
      corsOrigins: e.PORTAL_CORS_ORIGINS,
      corsMaxAgeSeconds: e.PORTAL_CORS_MAX_AGE_SECONDS,
      rateLimitPerMinute: e.PORTAL_RATE_LIMIT_PER_MINUTE,
      filesRateLimitPerMinute: e.PORTAL_FILES_RATE_LIMIT_PER_MINUTE,
      publicRateLimitPerMinute: e.PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE,
      redisUrl: e.REDIS_URL,
      rateLimitRedisFailure: e.PORTAL_RATE_LIMIT_REDIS_FAILURE,
      oidc: oidcSet
        ? {
            issuer: e.PORTAL_OIDC_ISSUER!,
            audience: e.PORTAL_OIDC_AUDIENCE!,
            jwksUrl: e.PORTAL_OIDC_JWKS_URL!,
            tenantClaim: e.PORTAL_OIDC_TENANT_CLAIM,
            clockToleranceSeconds: e.PORTAL_OIDC_CLOCK_TOLERANCE_SECONDS,
          }
        : undefined,
    },
    files: {
      signingKeys,
      signedUrlTtlSeconds: e.PORTAL_SIGNED_URL_TTL_SECONDS,
      s3: e.PORTAL_S3_BUCKET
        ? {
            bucket: e.PORTAL_S3_BUCKET,
            region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
            endpoint: e.PORTAL_S3_ENDPOINT,
            forcePathStyle: e.PORTAL_S3_FORCE_PATH_STYLE ?? e.PORTAL_S3_ENDPOINT !== undefined,
          }
        : undefined,
    },
    cursorSecret: createHash('sha256')
      .update('portal-cursor-v1\0')
      .update(e.PORTAL_CURSOR_SECRET ?? signingKeys[0]!.secret)
      .digest(),
    observability: {
      logLevel: e.LOG_LEVEL,
      debugLogSampleRate: e.PORTAL_DEBUG_LOG_SAMPLE_RATE,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME,
      tracing: e.PORTAL_TRACING,
      httpMetrics: e.PORTAL_HTTP_METRICS,
    },
    usage: { metering: e.PORTAL_USAGE_METERING, flushIntervalMs: e.PORTAL_USAGE_FLUSH_INTERVAL_MS, maxPendingCounters: e.PORTAL_USAGE_MAX_PENDING },
    shutdown: { drainDelayMs: e.PORTAL_SHUTDOWN_DRAIN_MS, timeoutMs: e.PORTAL_SHUTDOWN_TIMEOUT_MS },
    testFaults:
      e.PORTAL_TEST_FAULT_ERROR_RATE > 0 || e.PORTAL_TEST_FAULT_DELAY_MS > 0 ? { errorRate: e.PORTAL_TEST_FAULT_ERROR_RATE, delayMs: e.PORTAL_TEST_FAULT_DELAY_MS } : undefined,
  };
}
