/** `GET /v1/jobs/{jobId}/files/{fileId}`: a file's metadata and a fresh signed download URL, or 404. */
import { defineOperation } from '../http/operation.js';
import { presentFile } from './files.js';

export default defineOperation('getJobFile', async ({ path, principal, signal, services, req }) => {
  const file = await services.backend.getJobFile(principal.tenantId, path.jobId, path.fileId, signal);
  if (!file) return services.notFoundOrCrossTenant(req, 'file', path.fileId);
  return { status: 200, body: await presentFile(services, file, principal) };
});
