/**
 * `npm run backend`: the backend service of the two-tier deployment (N portal replicas → this → PostgreSQL).
 * Serves the SQL store (DATABASE_URL, or SQLite under PORTAL_DATA_DIR) over openapi/backend.yaml on
 * PORTAL_BACKEND_PORT (default 4000), authenticated by PORTAL_BACKEND_SECRET, with the same resilience pipeline
 * in front of the store (its bulkhead protects the database pool). Graceful on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { createLogger, flushLogs } from '../observability/logger.js';
import { exitWith, loadConfigOrExit } from '../runtime/boot.js';

const fail: (message: string) => never = (message) => exitWith('portal-backend', message);
const config = loadConfigOrExit('portal-backend');
if (config.env === 'production' && !config.backend.secret) {
  fail('PORTAL_BACKEND_SECRET is required in production: the backend service must not serve unauthenticated callers');
}

// Tracing patches http before it is loaded (hence the dynamic imports): the portal's traceparent continues here.
const { startTracing, shutdownTracing } = await import('../observability/tracing.js');
startTracing({ serviceName: `${config.observability.serviceName}-backend`, serviceVersion: config.version, otlpEndpoint: config.observability.otlpEndpoint });

const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: config.observability.debugLogSampleRate });
const { openSqlStore } = await import('../backend/sql/store.js');
const { seedDemoIfEmpty } = await import('../backend/sql/seed.js');
const { withResilience } = await import('../backend/resilience.js');
const { createBackendServer } = await import('./server.js');
const { stopOnSignals, trackShutdown } = await import('../runtime/shutdown.js');

let store: Awaited<ReturnType<typeof openSqlStore>>;
try {
  store = await openSqlStore({ dataDir: config.data.dir, databaseUrl: config.data.databaseUrl, migrate: config.data.migrateOnStart });
  if (config.data.seedDemo) {
    // Demo files must land where the portal replicas read blobs: S3 when configured, else the shared data dir.
    const blobs = config.files.s3
      ? new (await import('../files/s3.js')).S3BlobStore(config.files.s3)
      : new (await import('../files/local.js')).LocalBlobStore(path.join(config.data.dir, 'blobs'));
    const seeded = await seedDemoIfEmpty(store, blobs);
    if (seeded) logger.info({ seeded }, 'seeded the demo tenants into an empty store');
    await blobs.close();
  }
} catch (err) {
  await flushLogs(logger);
  fail(err instanceof Error ? err.message.split('\n')[0]! : String(err));
}

// Serving: a lock held by another connection fails at once (SQLITE_BUSY) for the embedded pipeline to retry off
// the event loop, instead of blocking it (no-op on PostgreSQL).
store.setBusyTimeout(0);
const backend = withResilience(store, config.backend, {
  onBreakerStateChange: (state) => logger.warn({ backend: store.name, state }, 'store circuit breaker changed state'),
});
if (!config.backend.secret) logger.warn('PORTAL_BACKEND_SECRET is not set: accepting unauthenticated callers (development only)');
const app = createBackendServer({ backend, secret: config.backend.secret, logger, validateResponses: config.http.responseValidation !== 'off' });
const server = createServer({ requestTimeout: config.http.requestTimeoutMs, headersTimeout: config.http.headersTimeoutMs }, app);
server.keepAliveTimeout = config.http.keepAliveTimeoutMs;

server.on('error', (err: NodeJS.ErrnoException) => fail(`cannot listen on ${config.http.host}:${config.backend.servePort}: ${err.code ?? err.message}`));
server.listen(config.backend.servePort, config.http.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.backend.servePort;
  logger.info({ port, host: config.http.host, store: config.data.databaseUrl ? 'postgres' : 'sqlite', pipeline: backend.pipeline, version: config.version }, `Portal backend service listening on http://${config.http.host}:${port}`);
});

const shutdown = trackShutdown({
  server,
  logger,
  drainDelayMs: config.shutdown.drainDelayMs,
  timeoutMs: config.shutdown.timeoutMs,
  startDraining: () => {},
  // Destroying the sockets fires each response's `close`, which aborts its store call.
  abortInFlight: () => server.closeAllConnections(),
  cleanup: async () => {
    await backend.close().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'closing the store failed'));
    await shutdownTracing().catch(() => {});
    logger.info('backend service shutdown complete');
    await flushLogs(logger);
  },
});

stopOnSignals(shutdown, logger, () => flushLogs(logger));
