/**
 * The environment's schema: every variable the Portal API reads, declared once with zod — what it accepts, its
 * bounds, its default (production's may differ), its description — and the rules over several variables. Read by
 * src/config.ts (loadConfig), the only reader of process.env; docs/configuration.md and .env.example are generated
 * from it by `npm run generate` (scripts/generate-config.ts), and `npm run check:generated` fails when they drift.
 *
 * Adding a variable: declare it in its section of variables() with a value helper (int, num, bool, oneOf, url,
 * text, …), `.default(…)` (production's own: `prod ? a : b`) or `.optional()`, and `.meta({ description })`
 * (`secret: true` when its value must never be echoed; `defaultText` when the default is derived; `example` for an
 * unset one). A refusal in production is a `.refine()` whose message starts with the variable's name; a rule over
 * several variables goes in rules(). Then read it in toConfig() (src/config.ts) and run `npm run generate`.
 */
import * as z from 'zod';
import type { Env, SigningKey } from './config.js';

/** What the generated documentation needs beyond what zod itself knows. */
declare module 'zod' {
  interface GlobalMeta {
    /** The docs section the variable is listed under (set by section()). */
    section?: string;
    /** What a value must be: the end of "expected …" in errors, and the docs' Values column (set by the helpers). */
    expects?: string;
    /** Never echoed in an error (URLs may carry passwords) nor shown as a default. */
    secret?: boolean;
    /** The default in words, when it is derived rather than a value of the schema. */
    defaultText?: string;
    /** An example value for a variable without a default (.env.example shows it commented out). */
    example?: string;
  }
}

/** Development-only secret: production refuses it. Never use it for anything real. */
const DEV_SIGNING_SECRET = 'portal-dev-signing-key-do-not-use-in-production';
export const MAX_SIGNED_URL_TTL_SECONDS = 3600;
const DEV_CORS_ORIGINS = ['https://portal.example.com', 'http://localhost:3000', 'http://localhost:5173', 'http://127.0.0.1:3000', 'http://127.0.0.1:5173'];

// ── Value helpers: each parses the variable's text and says what it expects, once, for errors and docs ──────────
const expecting = <T extends z.ZodType>(expects: string, schema: (error: string) => T): T => schema(`expected ${expects}`).meta({ expects });

const int = (min: number, max: number) =>
  expecting(`an integer from ${min} to ${max}`, (error) => z.string().regex(/^-?\d+$/, { error }).transform(Number).pipe(z.number({ error }).min(min, { error }).max(max, { error })));
const num = (min: number, max: number) =>
  expecting(`a number from ${min} to ${max}`, (error) => z.string().transform(Number).pipe(z.number({ error }).min(min, { error }).max(max, { error })));
// Not z.stringbool(): its refusal aborts the whole object, so the rules over several variables would not run.
const bool = () =>
  expecting('true or false', (error) =>
    z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'], { error }))
      .transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
  );
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => expecting(`one of ${values.join(', ')}`, (error) => z.enum(values, { error }));
const url = (...schemes: [string, ...string[]]) =>
  expecting(`a URL with scheme ${schemes.join(' or ')}`, (error) => z.url({ protocol: new RegExp(`^(?:${schemes.join('|')})$`), error }));
const text = () => expecting('text', () => z.string());
const longSecret = () => expecting('at least 32 characters', (error) => z.string().min(32, { error }));

/** Express "trust proxy": a hop count, true/false, or anything else Express accepts (subnets, names). */
const trustProxy = () =>
  expecting('a hop count, true or false, or a list of subnets', () =>
    z.string().transform((v): string | number | boolean => (/^\d+$/.test(v) ? Number(v) : /^(true|false)$/i.test(v) ? /^true$/i.test(v) : v)),
  );

const KEYS_FORMAT = '"kid:secret[,kid:secret…]" with kid of [A-Za-z0-9_-]{1,32} and secrets of at least 32 characters';
const signingKeys = () =>
  expecting(KEYS_FORMAT, (error) =>
    z.string().transform((v, ctx) => {
      const keys: SigningKey[] = [];
      for (const part of v.split(',')) {
        const idx = part.indexOf(':');
        const id = part.slice(0, idx).trim();
        const secret = part.slice(idx + 1).trim();
        if (idx < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || secret.length < 32) {
          ctx.addIssue({ code: 'custom', message: error });
          return z.NEVER;
        }
        keys.push({ id, secret: Buffer.from(secret) });
      }
      if (new Set(keys.map((k) => k.id)).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'expected unique key ids' });
      return keys;
    }),
  );

const origins = () =>
  expecting('comma-separated origins (scheme://host[:port], no path)', () =>
    z.string().transform((v, ctx) => {
      const list = v.split(',').map((o) => o.trim()).filter(Boolean);
      list.forEach((origin, i) => {
        if (!URL.canParse(origin) || !['http:', 'https:'].includes(new URL(origin).protocol) || new URL(origin).origin !== origin) {
          ctx.addIssue({ code: 'custom', path: [i], message: `${JSON.stringify(origin)} is not an origin like https://portal.example.com (scheme://host[:port], no path)` });
        }
      });
      return list;
    }),
  );

/** Unset is fine outside production; in production it is refused with `refusal` (which names the variable). */
const requiredInProduction = <T>(prod: boolean, schema: z.ZodType<T, string>, refusal: string) =>
  schema.optional().refine((v) => !prod || v !== undefined, refusal);

/** Tags each variable of a docs section with its title. */
const section = <S extends Record<string, z.ZodType>>(title: string, shape: S): S =>
  Object.fromEntries(Object.entries(shape).map(([name, schema]) => [name, schema.meta({ section: title })])) as S;

const isLocalhost = (origin: string) => /^http:\/\/(localhost|127\.|\[::1\])/.test(origin);

// ── The environment ──────────────────────────────────────────────────────────────────────────────────────────────
function variables(mode: Env) {
  const prod = mode === 'production';
  return {
    ...section('Process', {
      NODE_ENV: oneOf(['development', 'production', 'test']).default('development').meta({ description: 'Selects the defaults; `production` refuses the development ones.' }),
      PORTAL_REVISION: text().default('dev').meta({ description: 'Build revision reported in metrics (`portal_build_info{revision}`) and logs.' }),
    }),
    ...section('Public HTTP listener', {
      PORT: int(0, 65535).default(3000).meta({ description: 'Port of the public listener.' }),
      HOST: text().default(prod ? '0.0.0.0' : '127.0.0.1').meta({ description: 'Address of the public listener (and of `npm run backend`).' }),
      PORTAL_PUBLIC_URL: requiredInProduction(
        prod,
        url('http', 'https'),
        'PORTAL_PUBLIC_URL is required in production: the https:// URL clients reach the API at (signed URLs and Link headers use it)',
      ).meta({ description: 'The URL clients reach the API at: base of Link headers and signed download URLs.', defaultText: 'http://localhost:$PORT', example: 'https://api.portal.example.com' }),
      PORTAL_TRUST_PROXY: trustProxy().default(false).meta({ description: 'Express `trust proxy`, for the client IP behind a load balancer (1 behind one).' }),
      PORTAL_RESPONSE_VALIDATION: oneOf(['off', 'log', 'throw'])
        .default(prod ? 'off' : 'throw')
        .refine((v) => !prod || v !== 'throw', 'PORTAL_RESPONSE_VALIDATION=throw is refused in production: a drifting response must not turn into a 500 for users (use log or off)')
        .meta({ description: 'Validate responses against the contract (`throw` is refused in production).' }),
      PORTAL_HEADERS_TIMEOUT_MS: int(1000, 120_000).default(10_000).meta({ description: 'Slowloris guard: time to receive the headers (408 after it).' }),
      PORTAL_REQUEST_TIMEOUT_MS: int(1000, 600_000).default(30_000).meta({ description: 'Time to receive the whole request.' }),
      PORTAL_KEEP_ALIVE_TIMEOUT_MS: int(1000, 600_000).default(65_000).meta({ description: "Idle keep-alive timeout; keep it above the load balancer's idle timeout." }),
      PORTAL_MAX_HEADER_BYTES: int(4096, 65_536).default(16_384).meta({ description: 'Request line + headers limit (431 above it; 414 for a request line past it).' }),
      PORTAL_SUNSET_GONE: bool()
        .default(true)
        .meta({ description: 'After the `x-sunset` date of an operation (or of a parameter a request uses): `true` answers 410 Gone, `false` keeps serving it, still with `Deprecation`/`Sunset` headers.' }),
    }),
    ...section('Admin listener', {
      PORTAL_ADMIN_HOST: text().default('127.0.0.1').meta({ description: 'Address of the admin listener (`/metrics`, `/livez`, `/readyz`): keep it off the public network.' }),
      PORTAL_ADMIN_PORT: int(0, 65535).default(9464).meta({ description: 'Port of the admin listener.' }),
    }),
    ...section('Data', {
      PORTAL_DATA_DIR: text().default('./data').meta({ description: 'Embedded SQLite database (`portal.db`) and local blobs (`blobs/`).' }),
      DATABASE_URL: url('postgres', 'postgresql')
        .optional()
        .meta({ description: 'Selects PostgreSQL (required for more than one replica); unset: embedded SQLite.', secret: true, example: 'postgres://portal:secret@db.internal:5432/portal' }),
      PORTAL_MIGRATE_ON_START: bool().default(true).meta({ description: 'Apply pending migrations at start (otherwise refuse a schema that is behind).' }),
      PORTAL_SEED_DEMO: bool()
        .default(!prod)
        .refine((v) => !prod || !v, 'PORTAL_SEED_DEMO=true is refused in production: demo tenants must never reach a real deployment')
        .meta({ description: 'Seed the demo tenants into an empty store (refused in production).' }),
    }),
    ...section('Backend service and resilience', {
      PORTAL_BACKEND_URL: url('http', 'https').optional().meta({ description: 'Read data from the backend service (`npm run backend`) at this URL instead of a local store.', example: 'http://backend.internal:4000' }),
      PORTAL_BACKEND_SECRET: longSecret()
        .optional()
        .meta({
          description: 'Shared bearer secret between portal and backend service; required in production with `PORTAL_BACKEND_URL`.',
          secret: true,
          example: 'change-me-to-a-long-random-shared-secret',
        }),
      PORTAL_BACKEND_PORT: int(0, 65535).default(4000).meta({ description: 'Port of `npm run backend`.' }),
      PORTAL_BACKEND_TIMEOUT_MS: int(10, 60_000).default(5000).meta({ description: "Per-attempt timeout of a backend call, and the call's budget when the request sets no deadline." }),
      PORTAL_BACKEND_MAX_RETRIES: int(0, 5).default(2).meta({ description: 'Retries after the first attempt (transient failures only).' }),
      PORTAL_BACKEND_RETRY_BASE_MS: int(1, 10_000).default(50).meta({ description: 'First backoff delay (decorrelated jitter: 0 – 1.38 × base).' }),
      PORTAL_BACKEND_RETRY_MAX_MS: int(1, 30_000).default(1000).meta({ description: 'Largest backoff delay.' }),
      PORTAL_BREAKER_FAILURES: int(1, 1000).default(5).meta({ description: 'Consecutive failures that open the circuit.' }),
      PORTAL_BREAKER_HALF_OPEN_MS: int(100, 600_000).default(10_000).meta({ description: 'How long the circuit stays open before one probe.' }),
      PORTAL_BULKHEAD_CONCURRENCY: int(1, 10_000).default(64).meta({ description: 'Backend calls in flight per process.' }),
      PORTAL_BULKHEAD_QUEUE: int(0, 100_000).default(256).meta({ description: 'Calls waiting for a slot before 503.' }),
      PORTAL_BACKEND_SLOW_MS: int(1, 60_000).default(1000).meta({ description: 'Ping latency above which `/v1/health` reports `degraded`.' }),
    }),
    ...section('Security', {
      PORTAL_CORS_ORIGINS: origins()
        .default(prod ? ['https://portal.example.com'] : DEV_CORS_ORIGINS)
        .superRefine((list, ctx) => {
          list.forEach((origin, i) => prod && isLocalhost(origin) && ctx.addIssue({ code: 'custom', path: [i], message: `localhost origin ${origin} is refused in production` }));
        })
        .meta({ description: 'Allowed browser origins (localhost ones are refused in production).' }),
      PORTAL_CORS_MAX_AGE_SECONDS: int(0, 86_400).default(600).meta({ description: 'How long browsers may cache a preflight answer.' }),
      PORTAL_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(60).meta({ description: 'API requests per minute per client.' }),
      PORTAL_FILES_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120).meta({ description: 'Files and download requests per minute per client.' }),
      PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600).meta({ description: 'Health, docs and spec requests per minute per client.' }),
      REDIS_URL: url('redis', 'rediss')
        .optional()
        .meta({ description: 'Shares rate-limit counters across replicas; unset: in-memory counters (one replica only).', secret: true, example: 'redis://redis.internal:6379' }),
      PORTAL_RATE_LIMIT_REDIS_FAILURE: oneOf(['open', 'closed']).default('open').meta({ description: 'When Redis is unreachable: `open` lets requests through (logged and counted), `closed` answers 503.' }),
      PORTAL_OIDC_ISSUER: url('https', 'http').optional().meta({ description: 'OIDC issuer of accepted JWTs; the three OIDC variables go together (unset: API keys only).', example: 'https://login.example.com/' }),
      PORTAL_OIDC_AUDIENCE: text().optional().meta({ description: 'Audience the JWTs must carry.', example: 'portal-api' }),
      PORTAL_OIDC_JWKS_URL: url('https', 'http')
        .optional()
        .refine((v) => !prod || v === undefined || v.startsWith('https:'), 'PORTAL_OIDC_JWKS_URL must be https:// in production')
        .meta({ description: "The issuer's signing keys (https:// in production).", example: 'https://login.example.com/.well-known/jwks.json' }),
      PORTAL_OIDC_TENANT_CLAIM: text().default('tenant_id').meta({ description: 'JWT claim holding the tenant id.' }),
      PORTAL_OIDC_CLOCK_TOLERANCE_SECONDS: int(0, 60).default(60).meta({ description: 'Clock skew allowed on `exp`/`nbf`.' }),
    }),
    ...section('Files', {
      PORTAL_SIGNING_KEYS: requiredInProduction(prod, signingKeys(), 'PORTAL_SIGNING_KEYS is required in production: "kid:secret[,kid:secret…]" (first signs, all verify; secrets ≥ 32 characters)')
        .transform((keys) => keys ?? [{ id: 'dev', secret: Buffer.from(DEV_SIGNING_SECRET) }])
        .refine((keys) => !prod || !keys.some((k) => k.secret.toString() === DEV_SIGNING_SECRET), 'PORTAL_SIGNING_KEYS: the development key is refused in production')
        .meta({
          description: 'Keys of signed download URLs: the first signs, all verify (rotation: prepend the new key, drop the old one after the URL lifetime). Every replica needs the same keys. The development key is refused in production.',
          secret: true,
          defaultText: 'a development key',
          example: 'k2026a:replace-with-at-least-32-random-characters',
        }),
      PORTAL_SIGNED_URL_TTL_SECONDS: int(10, MAX_SIGNED_URL_TTL_SECONDS).default(900).meta({ description: 'Lifetime of signed download URLs, local and S3.' }),
      PORTAL_CURSOR_SECRET: longSecret()
        .optional()
        .meta({ description: 'Key of the tamper-evident pagination cursors.', secret: true, defaultText: 'derived from the first signing key', example: 'replace-with-at-least-32-random-characters' }),
      PORTAL_S3_BUCKET: text().optional().meta({ description: 'Store blobs in this S3 bucket and hand out presigned URLs (unset: local disk under `PORTAL_DATA_DIR/blobs`).', example: 'portal-files' }),
      PORTAL_S3_ENDPOINT: url('http', 'https').optional().meta({ description: 'S3-compatible endpoint (MinIO, R2, …); unset: AWS.', example: 'http://minio.internal:9000' }),
      PORTAL_S3_FORCE_PATH_STYLE: bool().optional().meta({ description: 'Path-style bucket addressing.', defaultText: 'true when PORTAL_S3_ENDPOINT is set', example: 'true' }),
      AWS_REGION: text()
        .optional()
        .meta({ description: "The bucket's region. S3 credentials come from the AWS SDK's standard chain (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, web identity, instance role, …).", defaultText: 'AWS_DEFAULT_REGION', example: 'eu-west-1' }),
      AWS_DEFAULT_REGION: text().default('us-east-1').meta({ description: 'The region when `AWS_REGION` is unset.' }),
    }),
    ...section('Observability', {
      LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default(mode === 'test' ? 'silent' : prod ? 'info' : 'debug')
        .meta({ description: 'Lowest level of the JSON log lines written.' }),
      PORTAL_DEBUG_LOG_SAMPLE_RATE: num(0, 1).default(prod ? 0.01 : 1).meta({ description: 'Share of traces whose debug lines are written.' }),
      OTEL_EXPORTER_OTLP_ENDPOINT: url('http', 'https')
        .optional()
        .meta({ description: 'OTLP/HTTP collector base URL; traces go to `<endpoint>/v1/traces` (unset: no export, trace ids still propagate).', example: 'http://otel-collector.internal:4318' }),
      OTEL_SERVICE_NAME: text().default('portal-api').meta({ description: '`service.name` of the spans (the backend service adds `-backend`).' }),
      PORTAL_TRACING: bool().default(true).meta({ description: 'OpenTelemetry instrumentation; switch it off only to measure its cost (`npm run bench`).' }),
      PORTAL_HTTP_METRICS: bool().default(true).meta({ description: 'Per-request HTTP and backend metrics; switch them off only to measure their cost.' }),
    }),
    ...section('Usage metering', {
      PORTAL_USAGE_METERING: bool()
        .default(true)
        .meta({ description: 'Count every answered request per tenant, operation, status class and UTC day for `GET /v1/usage`; switch it off only to measure its cost (`npm run bench`).' }),
      PORTAL_USAGE_FLUSH_INTERVAL_MS: int(100, 300_000)
        .default(5000)
        .meta({ description: 'How often the counts are added to the store (and once more at graceful shutdown). A crash loses at most this much usage.' }),
      PORTAL_USAGE_MAX_PENDING: int(1000, 10_000_000)
        .default(100_000)
        .meta({ description: 'Distinct counters (tenant, day, operation, status class) kept while the store cannot take them; beyond that new ones are dropped and counted.' }),
    }),
    ...section('Graceful shutdown', {
      PORTAL_SHUTDOWN_DRAIN_MS: int(0, 120_000).default(prod ? 5000 : 0).meta({ description: 'Keep serving this long after `/readyz` turns 503, so the load balancer stops routing here.' }),
      PORTAL_SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(20_000).meta({ description: 'Deadline from the stop signal to aborting the requests still in flight.' }),
    }),
    ...section('Test-only fault injection', {
      PORTAL_TEST_FAULTS: oneOf(['disabled', 'enabled'])
        .default('disabled')
        .meta({ description: '**Test only, never in a deployment**: the switch without which the two fault settings are refused (rehearsing the canary gate: `npm run canary -- --canary-fault …`).' }),
      PORTAL_TEST_FAULT_ERROR_RATE: num(0, 1).default(0).meta({ description: 'Share of API requests answered 500 (spread evenly: 0.05 = every 20th).' }),
      PORTAL_TEST_FAULT_DELAY_MS: int(0, 10_000).default(0).meta({ description: 'Milliseconds added to every API request.' }),
    }),
  };
}

export type Variables = ReturnType<typeof variables>;
export type Parsed = z.output<z.ZodObject<Variables>>;

/** In a rule, a variable that is set but whose value was refused (reported on its own). */
const BAD = Symbol('bad value');

/**
 * Rules over several variables. Each sees its variables as parsed, unset (undefined) or BAD, so it runs next to
 * every other problem: a bad value is reported as itself, and what the rule says on top is still true.
 */
function rules(mode: Env) {
  const prod = mode === 'production';
  const rule = <K extends keyof Parsed>(names: K[], check: (env: { [N in K]: Parsed[N] | typeof BAD }) => [K, string] | undefined) =>
    z.superRefine<Parsed>(
      (env, ctx) => {
        const bad = new Set(ctx.issues.map((issue) => issue.path?.[0]));
        const problem = check(Object.fromEntries(names.map((n) => [n, bad.has(n) ? BAD : env[n]])) as { [N in K]: Parsed[N] | typeof BAD });
        if (problem) ctx.addIssue({ code: 'custom', path: [problem[0]], message: problem[1] });
      },
      // zod skips an object's refinements once a variable failed; these run regardless, seeing it as BAD.
      { when: () => true },
    );
  return [
    rule(['PORTAL_BACKEND_URL', 'PORTAL_BACKEND_SECRET'], (e) =>
      prod && e.PORTAL_BACKEND_URL !== undefined && e.PORTAL_BACKEND_SECRET === undefined
        ? ['PORTAL_BACKEND_SECRET', 'PORTAL_BACKEND_SECRET is required in production when PORTAL_BACKEND_URL is set']
        : undefined,
    ),
    rule(['PORTAL_OIDC_ISSUER', 'PORTAL_OIDC_AUDIENCE', 'PORTAL_OIDC_JWKS_URL'], (e) => {
      const set = Object.values(e).filter((v) => v !== undefined).length;
      return set === 1 || set === 2 ? ['PORTAL_OIDC_ISSUER', 'PORTAL_OIDC_ISSUER, PORTAL_OIDC_AUDIENCE and PORTAL_OIDC_JWKS_URL go together: set all three or none'] : undefined;
    }),
    // The test-only faults are refused unless their explicit switch is on too: a stray variable cannot break a deployment.
    rule(['PORTAL_TEST_FAULTS', 'PORTAL_TEST_FAULT_ERROR_RATE', 'PORTAL_TEST_FAULT_DELAY_MS'], (e) =>
      [e.PORTAL_TEST_FAULT_ERROR_RATE, e.PORTAL_TEST_FAULT_DELAY_MS].some((v) => v === BAD || (typeof v === 'number' && v > 0)) && e.PORTAL_TEST_FAULTS !== 'enabled'
        ? [
            'PORTAL_TEST_FAULT_ERROR_RATE',
            'PORTAL_TEST_FAULT_ERROR_RATE / PORTAL_TEST_FAULT_DELAY_MS are test-only fault injection (they fail or slow requests on purpose): refused unless PORTAL_TEST_FAULTS=enabled is set as well',
          ]
        : undefined,
    ),
  ];
}

const schemas = new Map<Env, z.ZodObject<Variables>>();
/** The environment's schema in one mode (NODE_ENV): the modes differ in defaults and in what production refuses. */
export function environmentSchema(mode: Env): z.ZodObject<Variables> {
  let schema = schemas.get(mode);
  if (!schema) {
    schema = z.object(variables(mode)).check(...rules(mode));
    schemas.set(mode, schema);
  }
  return schema;
}
