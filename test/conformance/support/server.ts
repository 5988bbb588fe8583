/**
 * The server under test: the production pipeline (createApp) over the real SQL store on a freshly seeded data dir
 * of its own (the suite adds API keys, so it does not write into the shared seeded dir), listening on 127.0.0.1.
 * Rate limits are raised so a few thousand cases fit in a minute. `wrapBackend` lets a test plant drift between
 * the store and the handlers (the safety-net tests); nothing else is simulated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../../src/app.js';
import type { Backend } from '../../../src/backend/port.js';
import type { ResilientBackend } from '../../../src/backend/resilience.js';
import { API_KEY_SCOPES } from '../../../src/backend/api-keys.js';
import { openSqlStore } from '../../../src/backend/sql/store.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/observability/logger.js';
import { openDependencies } from '../../../src/runtime/dependencies.js';
import { applyServerHardening } from '../../../src/security/server-hardening.js';
import { LogCapture } from '../../support/app.js';
import { seedInto } from '../../support/global-setup.js';
import { closeClient } from './http.js';

export { ACME_KEY, GLOBEX_KEY } from '../../support/app.js';

export const HIGH_LIMITS = {
  PORTAL_RATE_LIMIT_PER_MINUTE: '1000000',
  PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000',
  PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
};

export interface DataDir {
  dir: string;
  /** For each scope, an ACME key holding every scope but that one. */
  keysWithout: Record<string, string>;
  remove(): void;
}

/** Seeds the demo tenants into a new temp dir and issues one key per missing scope (the wrong-scope variants). */
export async function seededDataDir(): Promise<DataDir> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-conformance-'));
  await seedInto(dir);
  const store = await openSqlStore({ dataDir: dir });
  const keysWithout: Record<string, string> = {};
  try {
    for (const scope of API_KEY_SCOPES) {
      const created = await store.createApiKey({ tenantId: 'ten_acme', scopes: API_KEY_SCOPES.filter((s) => s !== scope), name: `conformance without ${scope}` });
      keysWithout[scope] = created.secret;
    }
  } finally {
    await store.close();
  }
  return { dir, keysWithout, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ServerOptions {
  dataDir: string;
  env?: Record<string, string>;
  /** Stands between the resilient backend and the handlers (planted drift). */
  wrapBackend?: (backend: Backend) => Partial<Backend>;
}

export interface RunningServer {
  url: string;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: opts.dataDir,
    PORTAL_SEED_DEMO: 'false',
    PORTAL_PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    ...HIGH_LIMITS,
    ...opts.env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: 1 }, logs);
  const deps = await openDependencies(config, logger);
  let backend: ResilientBackend = deps.backend;
  if (opts.wrapBackend) {
    const overrides = opts.wrapBackend(deps.backend);
    // Keep everything else of the resilient backend (its `health`, used by /v1/health) reachable.
    backend = new Proxy(deps.backend, {
      get: (target, prop, receiver) => (prop in overrides ? overrides[prop as keyof Backend] : Reflect.get(target, prop, receiver)),
    });
  }
  const app = createApp({ config, backend, blobs: deps.blobs, logger });
  // The production server's limits and parser refusals (431, 414 past the header limit) as src/server.ts sets them.
  applyServerHardening(server, config.http, { rateLimitHeaders: app.locals.rateLimiters.peekHeaders, log: logger });
  server.on('request', app);
  return {
    url,
    logs,
    close: async () => {
      closeClient();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.locals.rateLimiters.close();
      await deps.close();
    },
  };
}
