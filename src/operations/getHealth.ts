import { defineOperation } from '../http/operation.js';

/** Public health: the backend's reachability and circuit state. `down` answers 503 so load balancers drain us. */
export default defineOperation('getHealth', async ({ services, signal }) => {
  const backend = await services.backendHealth(signal);
  const body = {
    status: backend.status,
    version: services.config.version,
    checks: {
      backend: {
        status: backend.status,
        ...(backend.latencyMs !== undefined ? { latencyMs: Math.round(backend.latencyMs) } : {}),
        ...(backend.detail ? { detail: backend.detail } : {}),
      },
    },
  };
  return backend.status === 'down' ? { status: 503, body, cache: 'no-store' } : { status: 200, body, cache: 'no-store' };
});
