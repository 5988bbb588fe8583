import { defineOperation } from '../http/operation.js';
import { notFoundOrCrossTenant } from '../security/tenancy.js';

export default defineOperation('getJob', async ({ path, principal, signal, services, req }) => {
  const job = await services.backend.getJob(principal.tenantId, path.jobId, signal);
  if (!job) return notFoundOrCrossTenant(req, services.backend, 'job', path.jobId);
  return { status: 200, body: job, cache: 'etag' };
});
