/** `GET /v1/health`: public; the backend's reachability and circuit state. `down` answers 503 so load balancers drain us. */
import { defineOperation } from '../http/operation.js';

export default defineOperation('getHealth', async ({ services, signal }) => {
  const backend = await services.backend.health(signal);
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
  return { status: backend.status === 'down' ? 503 : 200, body };
});
