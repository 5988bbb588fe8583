/** `GET /v1/jobs/{jobId}`: one of the tenant's jobs with its file count, or 404. */
import { defineOperation } from '../http/operation.js';

export default defineOperation('getJob', async ({ path, principal, signal, services, req }) => {
  const job = await services.backend.getJob(principal.tenantId, path.jobId, signal);
  if (!job) return services.notFoundOrCrossTenant(req, 'job', path.jobId);
  return { status: 200, body: job };
});
