/**
 * The Redis counter store for the rate limiters: `rate-limit-redis` (atomic Lua increment with expiry), wrapped
 * so that
 * - a failure is reported once per failed call (`onError`) and optionally mapped (fail closed → 503 problem);
 * - it recovers by itself: `rate-limit-redis` loads its Lua scripts once at start-up and would keep a rejected
 *   load forever if Redis was down then, so after any failure the scripts are loaded again on the next call.
 * The client is ioredis without an offline queue: while Redis is down a command fails at once instead of
 * queueing, so requests are never held up waiting for Redis.
 */
import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';

type SendCommand = (...args: string[]) => Promise<never>;

export interface RedisCounterStoreOptions {
  sendCommand: SendCommand;
  prefix: string;
  onError?: (err: unknown) => void;
  mapError?: (err: unknown) => unknown;
}

export class RedisCounterStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private readonly inner: RedisStore;
  private needsScripts = false;

  constructor(private readonly opts: RedisCounterStoreOptions) {
    this.prefix = opts.prefix;
    this.inner = new RedisStore({ sendCommand: opts.sendCommand, prefix: opts.prefix });
  }

  init(options: Options): void {
    // Not awaited by the library; a failure here only means the scripts load on first use.
    this.inner.init(options).catch((err: unknown) => {
      this.needsScripts = true;
      this.opts.onError?.(err);
    });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.needsScripts) {
      this.needsScripts = false;
      this.inner.incrementScriptSha = this.inner.loadIncrementScript();
      this.inner.getScriptSha = this.inner.loadGetScript();
      // Rejections are observed by the next eval that awaits them; avoid an unhandled-rejection warning meanwhile.
      this.inner.incrementScriptSha.catch(() => undefined);
      this.inner.getScriptSha.catch(() => undefined);
    }
    try {
      return await fn();
    } catch (err) {
      this.needsScripts = true;
      this.opts.onError?.(err);
      throw this.opts.mapError ? this.opts.mapError(err) : err;
    }
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.call(() => this.inner.increment(key));
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.call(() => this.inner.get(key));
  }

  decrement(key: string): Promise<void> {
    return this.call(() => this.inner.decrement(key));
  }

  resetKey(key: string): Promise<void> {
    return this.call(() => this.inner.resetKey(key));
  }

  shutdown(): void {}
}

export interface RateLimitRedisOptions {
  /** Per-command timeout; a slow Redis counts as a failed one. Default 500 ms. */
  commandTimeoutMs?: number;
  onError?: (err: Error) => void;
}

/**
 * An ioredis client for the rate limiters: no offline queue, one attempt per command, reconnecting in the
 * background (capped back-off). Resolves once connected or once the first attempt failed: the API starts
 * either way (failing open or closed as configured) and picks Redis up when it comes back.
 */
export async function createRateLimitRedis(url: string, opts: RateLimitRedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 3000),
  });
  // Without a listener ioredis prints every reconnect failure to stderr; errors are reported, throttled.
  let lastReport = 0;
  redis.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      opts.onError?.(err);
    }
  });
  await redis.connect().catch(() => undefined);
  return redis;
}
