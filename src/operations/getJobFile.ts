import { defineOperation } from '../http/operation.js';
import { notFoundOrCrossTenant } from '../security/tenancy.js';
import { presentFile } from './files.js';

export default defineOperation('getJobFile', async ({ path, principal, signal, services, req }) => {
  const file = await services.backend.getJobFile(principal.tenantId, path.jobId, path.fileId, signal);
  if (!file) return notFoundOrCrossTenant(req, services.backend, 'file', path.fileId);
  return { status: 200, body: await presentFile(services, file, principal), cache: 'no-store' };
});
