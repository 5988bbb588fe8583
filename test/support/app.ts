/**
 * A real, listening Portal API for tests: the production pipeline (createApp) over the real SQL store and blob
 * store from the configuration, on 127.0.0.1 and a free port. Logs are captured in memory so tests can assert
 * on them (and scan them for secrets).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { createApp, type PortalApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import type { UsageMeter } from '../../src/observability/usage-meter.js';
import { openDependencies, type Dependencies } from '../../src/runtime/dependencies.js';
import { startUsageMeter } from '../../src/runtime/usage.js';
import { applyServerHardening, serverOptions } from '../../src/security/server-hardening.js';

export const ACME_KEY = 'pk_demo_acme_3kV8qZ1xW5nR7tY2uP4sL9mB6cD0fG';
export const GLOBEX_KEY = 'pk_demo_globex_7hJ2kL5mN8pQ1rS4tU6vW9xY3zA0bC';
export const auth = (key = ACME_KEY) => ({ Authorization: `Bearer ${key}` });

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  url: string;
  app: PortalApp;
  server: Server;
  config: Config;
  deps: Dependencies;
  metrics: Metrics;
  logs: LogCapture;
  /** Only with `opts.usageMeter` (the shared seeded store is otherwise never written). */
  usageMeter?: UsageMeter;
  close(): Promise<void>;
}

/**
 * Starts the app on the shared seeded data dir (or `env.PORTAL_DATA_DIR`). `env` overrides configuration exactly
 * as the environment would; `opts.wrapBackend` puts a test's observer around the (resilient) backend.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: { wrapBackend?: (backend: Dependencies['backend']) => Dependencies['backend']; usageMeter?: boolean } = {},
): Promise<TestApp> {
  // The production server's options (header size, timeouts and how often they are checked): they are fixed when
  // the server is created, before the port (and so the configuration's public URL) is known.
  // (The public URL is a placeholder here: production refuses to start without one, and only `http`'s server
  // options are read from this configuration.)
  const server = createServer(serverOptions(loadConfig({ NODE_ENV: 'test', PORTAL_PUBLIC_URL: 'http://127.0.0.1', ...env }).http));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: env.PORTAL_DATA_DIR ?? inject('seededDataDir'),
    PORTAL_SEED_DEMO: 'false',
    PORTAL_PUBLIC_URL: url,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: 1 }, logs);
  const metrics = createMetrics({ version: config.version, revision: 'test', defaultMetrics: false });
  const deps = await openDependencies(config, logger, metrics);
  const backend = opts.wrapBackend ? opts.wrapBackend(deps.backend) : deps.backend;
  const usageMeter = opts.usageMeter ? startUsageMeter(config, backend, logger, metrics) : undefined;
  const app = createApp({ config, backend, blobs: deps.blobs, logger, metrics, usageMeter, redis: deps.redis });
  // The production server's parser refusals and limits (src/server.ts).
  applyServerHardening(server, config.http, { rateLimitHeaders: app.locals.rateLimiters.peekHeaders, log: logger });
  server.on('request', app);
  return {
    url,
    app,
    server,
    config,
    deps,
    metrics,
    logs,
    usageMeter,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.locals.rateLimiters.close();
      await usageMeter?.close();
      await deps.close();
    },
  };
}

/** Wraps every method of `inner` so that each call is recorded by name, in order, in `calls`. */
export function recordCalls<T extends object>(inner: T): { backend: T; calls: string[] } {
  const calls: string[] = [];
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        calls.push(prop);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, calls };
}
