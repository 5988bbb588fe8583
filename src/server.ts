/**
 * Process entry: config → tracing → dependencies → app → listen (public + admin) → graceful shutdown.
 * Configuration errors and unreachable stores end the process with one clear message and exit code 1.
 */
import { createServer } from 'node:http';
import { createLogger, flushLogs } from './observability/logger.js';
import { exitWith, loadConfigOrExit } from './runtime/boot.js';

const fail: (message: string) => never = (message) => exitWith('portal-api', message);
const config = loadConfigOrExit('portal-api');

// Tracing must patch http/express before they are loaded, hence the dynamic imports below.
const { startTracing, shutdownTracing } = await import('./observability/tracing.js');
if (config.observability.tracing) {
  startTracing({ serviceName: config.observability.serviceName, serviceVersion: config.version, otlpEndpoint: config.observability.otlpEndpoint });
}

const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: config.observability.debugLogSampleRate });
const { createMetrics } = await import('./observability/metrics.js');
const { startAdminServer } = await import('./observability/admin-server.js');
const { openDependencies } = await import('./runtime/dependencies.js');
const { stopOnSignals, trackShutdown } = await import('./runtime/shutdown.js');
const { createApp } = await import('./app.js');
const { startUsageMeter } = await import('./runtime/usage.js');
const { applyServerHardening, serverOptions } = await import('./security/server-hardening.js');

const metrics = createMetrics({ version: config.version, revision: config.revision });
let deps: Awaited<ReturnType<typeof openDependencies>>;
try {
  deps = await openDependencies(config, logger, config.observability.httpMetrics ? metrics : undefined);
} catch (err) {
  await flushLogs(logger);
  fail(err instanceof Error ? err.message.split('\n')[0]! : String(err));
}

const shutdownController = new AbortController();
const requestMetrics = config.observability.httpMetrics ? metrics : undefined;
// The meter's own health (flush failures) is always on /metrics; only the per-request series follow httpMetrics.
const usageMeter = startUsageMeter(config, deps.backend, logger, metrics);
const app = createApp({ config, backend: deps.backend, blobs: deps.blobs, logger, metrics: requestMetrics, usageMeter, redis: deps.redis, shutdownSignal: shutdownController.signal });
const server = createServer(serverOptions(config.http), app);
applyServerHardening(server, config.http, { rateLimitHeaders: app.locals.rateLimiters.peekHeaders, log: logger });

let draining = false;
const admin = await startAdminServer({
  host: config.admin.host,
  port: config.admin.port,
  metrics,
  info: { backend: { name: deps.backend.name, pipeline: deps.backend.pipeline } },
  isReady: async () => {
    if (draining) return false;
    const h = await deps.backend.health(AbortSignal.timeout(1000));
    return h.status !== 'down';
  },
});

server.on('error', (err: NodeJS.ErrnoException) => fail(`cannot listen on ${config.http.host}:${config.http.port}: ${err.code ?? err.message}`));
server.listen(config.http.port, config.http.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info(
    { port, host: config.http.host, adminPort: admin.port, env: config.env, store: config.backend.url ? 'rpc' : config.data.databaseUrl ? 'postgres' : 'sqlite', pipeline: deps.backend.pipeline, version: config.version },
    `Portal API listening on http://${config.http.host}:${port} (docs: /docs, admin: http://${config.admin.host}:${admin.port}/metrics)`,
  );
});

const shutdown = trackShutdown({
  server,
  logger,
  drainDelayMs: config.shutdown.drainDelayMs,
  timeoutMs: config.shutdown.timeoutMs,
  startDraining: () => {
    draining = true;
    admin.startDraining();
  },
  abortInFlight: () => shutdownController.abort(),
  cleanup: async () => {
    await app.locals.rateLimiters.close().catch(() => {});
    // Every request is answered by now: the usage they added goes to the store before it closes.
    await usageMeter?.close();
    await deps.close().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'closing dependencies failed'));
    await shutdownTracing().catch(() => {});
    await admin.close().catch(() => {});
    logger.info('shutdown complete');
    await flushLogs(logger);
  },
});

stopOnSignals(shutdown, logger, () => flushLogs(logger));
