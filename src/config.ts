/**
 * The one place that reads the environment (12-factor). `loadConfig(env)` validates every variable and throws a
 * ConfigError listing *all* bad ones at once; production refuses development defaults.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot } from './paths.js';

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

/** Development-only secret: production refuses it. Never use it for anything real. */
const DEV_SIGNING_SECRET = 'portal-dev-signing-key-do-not-use-in-production';
export const MAX_SIGNED_URL_TTL_SECONDS = 3600;
const DEV_CORS_ORIGINS = ['https://portal.example.com', 'http://localhost:3000', 'http://localhost:5173', 'http://127.0.0.1:3000', 'http://127.0.0.1:5173'];

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  str(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optStr(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(v);
  }

  num(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected a number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    this.problems.push(`${name}=${JSON.stringify(v)}: expected true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return v as T;
  }

  url(name: string, protocols: string[], secretName = false): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return v;
    } catch {
      // Never echo a URL that may carry credentials.
      const shown = secretName ? '(value hidden)' : JSON.stringify(v);
      this.problems.push(`${name}=${shown}: expected a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}`);
      return undefined;
    }
  }

  fail(problem: string): void {
    this.problems.push(problem);
  }
}

function parseSigningKeys(r: Reader, env: Env): SigningKey[] {
  const v = r.raw('PORTAL_SIGNING_KEYS');
  if (v === undefined) {
    if (env === 'production') {
      r.fail('PORTAL_SIGNING_KEYS is required in production: "kid:secret[,kid:secret…]" (first signs, all verify; secrets ≥ 32 characters)');
    }
    return [{ id: 'dev', secret: Buffer.from(DEV_SIGNING_SECRET) }];
  }
  const keys: SigningKey[] = [];
  for (const part of v.split(',')) {
    const idx = part.indexOf(':');
    const id = part.slice(0, idx).trim();
    const secret = part.slice(idx + 1).trim();
    if (idx < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || secret.length < 32) {
      r.fail('PORTAL_SIGNING_KEYS: expected "kid:secret[,kid:secret…]" with kid of [A-Za-z0-9_-]{1,32} and secrets of at least 32 characters');
      return [{ id: 'dev', secret: Buffer.from(DEV_SIGNING_SECRET) }];
    }
    keys.push({ id, secret: Buffer.from(secret) });
  }
  if (new Set(keys.map((k) => k.id)).size !== keys.length) r.fail('PORTAL_SIGNING_KEYS: key ids must be unique');
  if (env === 'production' && keys.some((k) => k.secret.toString() === DEV_SIGNING_SECRET)) {
    r.fail('PORTAL_SIGNING_KEYS: the development key is refused in production');
  }
  return keys;
}

/** The test-only faults are refused unless their explicit switch is on too: a stray variable cannot break a deployment. */
function readTestFaults(r: Reader): Config['testFaults'] {
  const enabled = r.oneOf('PORTAL_TEST_FAULTS', ['disabled', 'enabled'] as const, 'disabled') === 'enabled';
  const errorRate = r.num('PORTAL_TEST_FAULT_ERROR_RATE', 0, 0, 1);
  const delayMs = r.int('PORTAL_TEST_FAULT_DELAY_MS', 0, 0, 10_000);
  if (errorRate === 0 && delayMs === 0) return undefined;
  if (!enabled) {
    r.fail('PORTAL_TEST_FAULT_ERROR_RATE / PORTAL_TEST_FAULT_DELAY_MS are test-only fault injection (they fail or slow requests on purpose): refused unless PORTAL_TEST_FAULTS=enabled is set as well');
    return undefined;
  }
  return { errorRate, delayMs };
}

export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): Config {
  const r = new Reader(processEnv);
  const env = r.oneOf<Env>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const prod = env === 'production';

  const port = r.int('PORT', 3000, 0, 65535);
  const host = r.str('HOST', prod ? '0.0.0.0' : '127.0.0.1');
  const publicUrl = (r.url('PORTAL_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (prod && r.raw('PORTAL_PUBLIC_URL') === undefined) {
    r.fail('PORTAL_PUBLIC_URL is required in production: the https:// URL clients reach the API at (signed URLs and Link headers use it)');
  }

  const trustProxyRaw = r.raw('PORTAL_TRUST_PROXY');
  let trustProxy: string | number | boolean = false;
  if (trustProxyRaw !== undefined) {
    if (/^\d+$/.test(trustProxyRaw)) trustProxy = Number(trustProxyRaw);
    else if (/^(true|false)$/i.test(trustProxyRaw)) trustProxy = /^true$/i.test(trustProxyRaw);
    else trustProxy = trustProxyRaw;
  }

  const responseValidation = r.oneOf<ResponseValidation>('PORTAL_RESPONSE_VALIDATION', ['off', 'log', 'throw'], prod ? 'off' : 'throw');
  if (prod && responseValidation === 'throw') {
    r.fail('PORTAL_RESPONSE_VALIDATION=throw is refused in production: a drifting response must not turn into a 500 for users (use log or off)');
  }

  const dataDir = path.resolve(r.str('PORTAL_DATA_DIR', './data'));
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:'], true);
  const seedDemo = r.bool('PORTAL_SEED_DEMO', !prod);
  if (prod && seedDemo) r.fail('PORTAL_SEED_DEMO=true is refused in production: demo tenants must never reach a real deployment');

  const backendUrl = r.url('PORTAL_BACKEND_URL', ['http:', 'https:']);
  const backendSecret = r.optStr('PORTAL_BACKEND_SECRET');
  if (backendSecret !== undefined && backendSecret.length < 32) r.fail('PORTAL_BACKEND_SECRET: expected at least 32 characters');
  if (prod && backendUrl && !backendSecret) r.fail('PORTAL_BACKEND_SECRET is required in production when PORTAL_BACKEND_URL is set');

  const corsRaw = r.raw('PORTAL_CORS_ORIGINS');
  const corsOrigins = corsRaw === undefined ? (prod ? ['https://portal.example.com'] : DEV_CORS_ORIGINS) : corsRaw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) {
    let ok: boolean;
    try {
      const u = new URL(origin);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) r.fail(`PORTAL_CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://portal.example.com (scheme://host[:port], no path)`);
    else if (prod && /^http:\/\/(localhost|127\.|\[::1\])/.test(origin)) r.fail(`PORTAL_CORS_ORIGINS: localhost origin ${origin} is refused in production`);
  }

  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:'], true);

  const oidcIssuer = r.url('PORTAL_OIDC_ISSUER', ['https:', 'http:']);
  const oidcAudience = r.optStr('PORTAL_OIDC_AUDIENCE');
  const oidcJwksUrl = r.url('PORTAL_OIDC_JWKS_URL', ['https:', 'http:']);
  let oidc: Config['security']['oidc'];
  if (oidcIssuer || oidcAudience || oidcJwksUrl) {
    if (!oidcIssuer || !oidcAudience || !oidcJwksUrl) {
      r.fail('PORTAL_OIDC_ISSUER, PORTAL_OIDC_AUDIENCE and PORTAL_OIDC_JWKS_URL go together: set all three or none');
    } else {
      if (prod && !oidcJwksUrl.startsWith('https:')) r.fail('PORTAL_OIDC_JWKS_URL must be https:// in production');
      oidc = {
        issuer: oidcIssuer,
        audience: oidcAudience,
        jwksUrl: oidcJwksUrl,
        tenantClaim: r.str('PORTAL_OIDC_TENANT_CLAIM', 'tenant_id'),
        clockToleranceSeconds: r.int('PORTAL_OIDC_CLOCK_TOLERANCE_SECONDS', 60, 0, 60),
      };
    }
  }

  const signingKeys = parseSigningKeys(r, env);
  const s3Bucket = r.optStr('PORTAL_S3_BUCKET');
  const s3Endpoint = r.url('PORTAL_S3_ENDPOINT', ['http:', 'https:']);

  const cursorSecretRaw = r.optStr('PORTAL_CURSOR_SECRET');
  if (cursorSecretRaw !== undefined && cursorSecretRaw.length < 32) r.fail('PORTAL_CURSOR_SECRET: expected at least 32 characters');
  const cursorSecret = createHash('sha256')
    .update('portal-cursor-v1\0')
    .update(cursorSecretRaw ?? signingKeys[0]?.secret ?? DEV_SIGNING_SECRET)
    .digest();

  const config: Config = {
    env,
    version: packageVersion(),
    revision: r.str('PORTAL_REVISION', 'dev'),
    http: {
      host,
      port,
      publicUrl,
      trustProxy,
      responseValidation,
      headersTimeoutMs: r.int('PORTAL_HEADERS_TIMEOUT_MS', 10_000, 1000, 120_000),
      requestTimeoutMs: r.int('PORTAL_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
      keepAliveTimeoutMs: r.int('PORTAL_KEEP_ALIVE_TIMEOUT_MS', 65_000, 1000, 600_000),
      maxHeaderSize: r.int('PORTAL_MAX_HEADER_BYTES', 16_384, 4096, 65_536),
      sunsetGone: r.bool('PORTAL_SUNSET_GONE', true),
    },
    admin: {
      host: r.str('PORTAL_ADMIN_HOST', '127.0.0.1'),
      port: r.int('PORTAL_ADMIN_PORT', 9464, 0, 65535),
    },
    data: {
      dir: dataDir,
      databaseUrl,
      migrateOnStart: r.bool('PORTAL_MIGRATE_ON_START', true),
      seedDemo,
    },
    backend: {
      url: backendUrl,
      secret: backendSecret,
      servePort: r.int('PORTAL_BACKEND_PORT', 4000, 0, 65535),
      timeoutMs: r.int('PORTAL_BACKEND_TIMEOUT_MS', 5000, 10, 60_000),
      maxRetries: r.int('PORTAL_BACKEND_MAX_RETRIES', 2, 0, 5),
      retryBaseDelayMs: r.int('PORTAL_BACKEND_RETRY_BASE_MS', 50, 1, 10_000),
      retryMaxDelayMs: r.int('PORTAL_BACKEND_RETRY_MAX_MS', 1000, 1, 30_000),
      breakerConsecutiveFailures: r.int('PORTAL_BREAKER_FAILURES', 5, 1, 1000),
      breakerHalfOpenAfterMs: r.int('PORTAL_BREAKER_HALF_OPEN_MS', 10_000, 100, 600_000),
      bulkheadConcurrency: r.int('PORTAL_BULKHEAD_CONCURRENCY', 64, 1, 10_000),
      bulkheadQueue: r.int('PORTAL_BULKHEAD_QUEUE', 256, 0, 100_000),
      slowThresholdMs: r.int('PORTAL_BACKEND_SLOW_MS', 1000, 1, 60_000),
    },
    security: {
      corsOrigins,
      corsMaxAgeSeconds: r.int('PORTAL_CORS_MAX_AGE_SECONDS', 600, 0, 86_400),
      rateLimitPerMinute: r.int('PORTAL_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
      filesRateLimitPerMinute: r.int('PORTAL_FILES_RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
      publicRateLimitPerMinute: r.int('PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
      redisUrl,
      rateLimitRedisFailure: r.oneOf('PORTAL_RATE_LIMIT_REDIS_FAILURE', ['open', 'closed'] as const, 'open'),
      oidc,
    },
    files: {
      signingKeys,
      signedUrlTtlSeconds: r.int('PORTAL_SIGNED_URL_TTL_SECONDS', 900, 10, MAX_SIGNED_URL_TTL_SECONDS),
      s3: s3Bucket
        ? {
            bucket: s3Bucket,
            region: r.str('AWS_REGION', r.str('AWS_DEFAULT_REGION', 'us-east-1')),
            endpoint: s3Endpoint,
            forcePathStyle: r.bool('PORTAL_S3_FORCE_PATH_STYLE', s3Endpoint !== undefined),
          }
        : undefined,
    },
    cursorSecret,
    observability: {
      logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, env === 'test' ? 'silent' : prod ? 'info' : 'debug'),
      debugLogSampleRate: r.num('PORTAL_DEBUG_LOG_SAMPLE_RATE', prod ? 0.01 : 1, 0, 1),
      otlpEndpoint: r.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
      serviceName: r.str('OTEL_SERVICE_NAME', 'portal-api'),
      tracing: r.bool('PORTAL_TRACING', true),
      httpMetrics: r.bool('PORTAL_HTTP_METRICS', true),
    },
    shutdown: {
      drainDelayMs: r.int('PORTAL_SHUTDOWN_DRAIN_MS', prod ? 5000 : 0, 0, 120_000),
      timeoutMs: r.int('PORTAL_SHUTDOWN_TIMEOUT_MS', 20_000, 100, 600_000),
    },
    testFaults: readTestFaults(r),
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
