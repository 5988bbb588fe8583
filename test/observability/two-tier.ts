/**
 * The two-tier deployment in one test process: the backend service (createBackendServer over the seeded SQL store)
 * on a local port, and a portal app reading through its RPC client. Import it dynamically after startTracing(): it
 * loads express and node:http.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createBackendServer } from '../../src/backend-service/server.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listenLocal } from '../support/listen.js';

export interface TwoTier {
  /** The portal app (its RPC backend is the service below). */
  app: TestApp;
  /** The shared secret between the tiers (for checks that it never leaks). */
  secret: string;
  close(): Promise<void>;
}

export async function startTwoTier(opts: { dataDir: string; onBackendRequest?: (req: IncomingMessage) => void }): Promise<TwoTier> {
  const secret = 'backend-shared-secret-for-tracing-tests-0123456789';
  const store = await openSqlStore({ dataDir: opts.dataDir });
  const backendApp = createBackendServer({ backend: store, secret });
  const backend = await listenLocal(
    createServer((req, res) => {
      opts.onBackendRequest?.(req);
      backendApp(req, res);
    }),
  );
  const app = await startTestApp({ PORTAL_BACKEND_URL: backend.url, PORTAL_BACKEND_SECRET: secret });
  return {
    app,
    secret,
    close: async () => {
      await app.close();
      await backend.close();
      await store.close();
    },
  };
}
