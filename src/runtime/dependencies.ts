/**
 * Opens what the app talks to, from the configuration: the data tier (embedded SQLite, PostgreSQL, or the RPC
 * backend service) wrapped in its resilience pipeline (embedded for SQLite, networked otherwise), the blob store (local disk or S3), and Redis for shared
 * rate limits. Used by src/server.ts, the benchmark and the end-to-end tests.
 */
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Backend } from '../backend/port.js';
import { withResilience, type ResilientBackend } from '../backend/resilience.js';
import { createRpcBackend } from '../backend/rpc/client.js';
import { seedDemoIfEmpty } from '../backend/sql/seed.js';
import { openSqlStore } from '../backend/sql/store.js';
import type { Config } from '../config.js';
import { LocalBlobStore } from '../files/local.js';
import type { BlobStore } from '../files/port.js';
import { S3BlobStore } from '../files/s3.js';
import type { Metrics } from '../observability/metrics.js';
import { createRateLimitRedis } from '../security/redis-store.js';

export interface Dependencies {
  backend: ResilientBackend;
  blobs: BlobStore;
  redis?: Redis;
  close(): Promise<void>;
}

export async function openDependencies(config: Config, logger: Logger, metrics?: Metrics): Promise<Dependencies> {
  const blobs: BlobStore = config.files.s3 ? new S3BlobStore(config.files.s3) : new LocalBlobStore(path.join(config.data.dir, 'blobs'));

  let inner: Backend;
  if (config.backend.url) {
    inner = createRpcBackend({ url: config.backend.url, secret: config.backend.secret ?? '' });
  } else {
    const store = await openSqlStore({ dataDir: config.data.dir, databaseUrl: config.data.databaseUrl, migrate: config.data.migrateOnStart });
    if (config.data.seedDemo) {
      try {
        const seeded = await seedDemoIfEmpty(store, blobs);
        if (seeded) logger.info({ seed: seeded }, 'seeded the demo tenants into an empty store');
      } catch (err) {
        await store.close().catch(() => {});
        throw err;
      }
    }
    // From here on a lock held by another connection fails the statement at once (SQLITE_BUSY) instead of blocking
    // the event loop: the embedded pipeline retries it with backoff. No-op on PostgreSQL.
    store.setBusyTimeout(0);
    inner = store;
  }

  const backend = withResilience(inner, config.backend, {
    onBreakerStateChange: (state) => {
      metrics?.circuitState(state);
      logger.warn({ backend: inner.name, state }, 'backend circuit breaker changed state');
    },
    onRetry: (op) => metrics?.backendRetry(op),
    onTimeout: (op) => metrics?.backendTimeout(op),
    onBulkheadRejected: () => metrics?.bulkheadRejection(),
    onCall: (op, outcome, seconds) => metrics?.backendCall(op, outcome, seconds),
  });
  metrics?.backendPipeline(backend.pipeline);
  logger.info({ backend: inner.name, pipeline: backend.pipeline }, `backend calls run through the ${backend.pipeline} resilience pipeline`);

  const redis = config.security.redisUrl
    ? await createRateLimitRedis(config.security.redisUrl, { onError: (err) => logger.warn({ err: err.message }, 'redis error') })
    : undefined;

  return {
    backend,
    blobs,
    redis,
    close: async () => {
      await Promise.allSettled([backend.close(), blobs.close(), redis?.quit()]);
    },
  };
}
