/**
 * The `limit` phase: rate limits (express-rate-limit 8, IETF draft-8 `RateLimit`/`RateLimit-Policy` on every
 * answer, `Retry-After` on 429). Three limiters (`api`, `files`, `public`; their budgets are the configuration's),
 * exactly one per request: its operation's in the contract (generated/operations.ts: `x-rate-limit`, else `public`
 * for a public operation and `api` for a protected one);
 * for a request that matched no operation, the one of the contract path it has the shape of, `public` for the
 * contract and its docs, else `api`.
 * The client is the principal (`tenant:keyId|sub`) once authenticated, else the IP (IPv6 grouped by /56; the
 * IP honours `trust proxy`). Every request is charged once, also one refused by an earlier phase (401 from
 * authentication, the method guard's 400/405/414, an unknown path's 404, a foreign origin's 403), against its
 * IP (`countRejections`): guessing keys or probing paths costs quota, and those answers carry the headers like
 * any other. Answers the HTTP parser gives before there is a request (431, 408, 414 past the header limit) report
 * the IP's quota without spending it (`peekHeaders`).
 *
 * With Redis, counts live there (one prefix per limiter) so all replicas share one budget. When Redis fails:
 * `open` (default) lets the request through, logged and counted, so a Redis outage is not an API outage;
 * `closed` answers 503.
 */
import { createHash } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, ipKeyGenerator, type Options, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { isContractDocument } from '../http/contract.js';
import { HttpProblem, problems } from '../http/problem.js';
import { operationsShapedLike } from '../http/routes.js';
import type { Operation } from '../../generated/operations.js';
import { RedisCounterStore } from './redis-store.js';

export type LimiterName = Operation['rateLimit'];

const WINDOW_MS = 60_000;

/** Which limiter governs a path that matched no operation (or a template): see the file's header. */
export function limiterFor(path: string): LimiterName {
  return operationsShapedLike(path)[0]?.rateLimit ?? (isContractDocument(path) ? 'public' : 'api');
}

/** The limiter of a request: its operation's, once the `route` phase matched one. */
function limiterOf(req: Request): LimiterName {
  return req.ctx?.match?.operation.rateLimit ?? limiterFor(req.path);
}

/** The rate-limit key: the principal when authenticated, else the client IP (IPv6 by /56). */
export function clientKey(req: Request): string {
  const p = req.ctx?.principal;
  if (p) return `p:${p.tenantId}:${p.keyId ?? p.subject}`;
  return `ip:${req.ip ? ipKeyGenerator(req.ip, 56) : 'unknown'}`;
}

export interface RateLimitDeps {
  /** A connected ioredis client (see `createRateLimitRedis`); counts are in memory without it. */
  redis?: Redis;
  /** Key prefix in Redis; each limiter appends its name. Default `portal:rl:`. */
  redisPrefix?: string;
  /** Counter hook: a request was refused with 429. */
  onLimited?: (limiter: LimiterName) => void;
  /** Counter hook: the store failed (the request passed when failing open, got 503 when failing closed). */
  onStoreError?: (limiter: LimiterName, err: unknown) => void;
  /** Where the library's own warnings go (misconfiguration, store errors). */
  logger?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

export interface RateLimiters {
  api: RateLimitRequestHandler;
  files: RateLimitRequestHandler;
  public: RateLimitRequestHandler;
  /** Charges a request on its limiter (src/app.ts's `limit` phase): passes, or refuses with 429. */
  middleware: RequestHandler;
  /**
   * Charges a request an earlier phase refused (a 401 from authentication, a 400/405/414 from the method guard, a
   * 404, a CORS 403) against the client's IP: the refusal gets the `RateLimit` headers, and becomes 429 once the
   * budget is spent. The pipeline runs it for such requests (src/http/pipeline.ts); in a plain Express app, mount
   * it as the error middleware right after `middleware`.
   */
  countRejections: ErrorRequestHandler;
  /**
   * The `RateLimit`/`RateLimit-Policy` headers of an IP's budget on the limiter of `path`, without spending it:
   * for answers the HTTP server gives before a request exists (src/security/server-hardening.ts). Empty when the
   * store cannot say (Redis down).
   */
  peekHeaders(ip: string, path: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

type Limits = Pick<Config['security'], 'rateLimitPerMinute' | 'filesRateLimitPerMinute' | 'publicRateLimitPerMinute' | 'rateLimitRedisFailure'>;

function retryAfterSeconds(req: Request): number {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const s = reset ? Math.ceil((reset.getTime() - Date.now()) / 1000) : WINDOW_MS / 1000;
  return Math.min(WINDOW_MS / 1000, Math.max(1, s));
}

/**
 * express-rate-limit's draft-8 headers (its `setDraft8Headers`, which it does not export) for a budget read
 * without a request: same quoted policy name, `r`/`t`, `q`/`w` and partition key. A test holds the two to one shape.
 */
function draft8Headers(name: string, limit: number, info: { totalHits: number; resetTime?: Date } | undefined, key: string): Record<string, string> {
  const remaining = Math.max(0, limit - (info?.totalHits ?? 0));
  const reset = info?.resetTime ? Math.max(0, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : WINDOW_MS / 1000;
  const partitionKey = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
  return {
    RateLimit: `"${name}"; r=${remaining}; t=${reset}`,
    'RateLimit-Policy': `"${name}"; q=${limit}; w=${WINDOW_MS / 1000}; pk=:${partitionKey}:`,
  };
}

export function createRateLimiters(security: Limits, deps: RateLimitDeps = {}): RateLimiters {
  const failClosed = security.rateLimitRedisFailure === 'closed';
  const stores: RedisCounterStore[] = [];

  function build(name: LimiterName, limit: number): RateLimitRequestHandler {
    let store: RedisCounterStore | undefined;
    if (deps.redis) {
      const redis = deps.redis;
      store = new RedisCounterStore({
        sendCommand: (cmd: string, ...args: string[]) => redis.call(cmd, ...args) as Promise<never>,
        prefix: `${deps.redisPrefix ?? 'portal:rl:'}${name}:`,
        onError: (err) => {
          deps.onStoreError?.(name, err);
          deps.logger?.warn({ event: 'ratelimit.store_error', limiter: name, failClosed, err: String(err) }, 'rate-limit store failed');
        },
        // Failing closed: the error becomes a 503 problem instead of the library's generic 500.
        mapError: failClosed
          ? () =>
              new HttpProblem({
                status: 503,
                type: 'rate-limit-unavailable',
                title: 'Service unavailable',
                detail: 'Rate limiting is unavailable; try again shortly.',
                headers: { 'Retry-After': '5' },
              })
          : undefined,
      });
      stores.push(store);
    }
    const options: Partial<Options> = {
      windowMs: WINDOW_MS,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: clientKey,
      // The library's default identifier, computed once instead of on every request.
      identifier: `${limit}-in-${WINDOW_MS / 60_000}min`,
      passOnStoreError: !failClosed,
      store,
      handler: (req: Request, _res: Response, next: NextFunction) => {
        deps.onLimited?.(name);
        const wait = retryAfterSeconds(req);
        next(problems.tooManyRequests(wait, `Rate limit of ${limit} requests per minute exceeded; retry in ${wait} s.`));
      },
      logger: {
        error: (err, message) => deps.logger?.error({ err: String(err) }, message ?? 'express-rate-limit error'),
        warn: (err, message) => deps.logger?.warn({ err: String(err) }, message ?? 'express-rate-limit warning'),
      },
    };
    return rateLimit(options);
  }

  const limits: Record<LimiterName, number> = {
    api: security.rateLimitPerMinute,
    files: security.filesRateLimitPerMinute,
    public: security.publicRateLimitPerMinute,
  };
  const limiters = { api: build('api', limits.api), files: build('files', limits.files), public: build('public', limits.public) };
  // Requests the limiter has seen, so a refusal after it (its own 429/503) is not counted twice.
  const limited = new WeakSet<Request>();

  return {
    ...limiters,
    // The library's middleware returns a promise that never rejects (it passes its errors to `next`); not handing it
    // back saves the caller (Express, src/http/pipeline.ts) from chaining on it.
    middleware: (req, res, next) => {
      limited.add(req);
      void limiters[limiterOf(req)](req, res, next);
    },
    countRejections: (err: unknown, req, res, next) => {
      if (limited.has(req) || res.headersSent) return next(err);
      limited.add(req);
      void limiters[limiterOf(req)](req, res, (limitErr?: unknown) => next(limitErr ?? err));
    },
    peekHeaders: async (ip, path) => {
      const name = limiterFor(path);
      const limit = limits[name];
      const key = `ip:${ipKeyGenerator(ip, 56)}`;
      let info: { totalHits: number; resetTime?: Date } | undefined;
      try {
        info = await limiters[name].getKey(key);
      } catch {
        return {};
      }
      return draft8Headers(`${limit}-in-${WINDOW_MS / 60_000}min`, limit, info, key);
    },
    close: async () => {
      for (const s of stores) s.shutdown();
    },
  };
}
