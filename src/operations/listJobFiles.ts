/** `GET /v1/jobs/{jobId}/files`: a job's files, each with a fresh signed download URL, a page at a time; 404 for no such job. */
import { defineOperation } from '../http/operation.js';
import { paginate } from '../http/lists.js';
import { presentFile } from './files.js';

export default defineOperation('listJobFiles', async (ctx) => {
  const { path, principal, services, signal } = ctx;
  const page = await paginate(ctx, {
    name: `files:${path.jobId}`,
    filters: {},
    load: (p) => services.backend.listJobFiles(principal.tenantId, path.jobId, p, signal),
    present: (file) => presentFile(services, file, principal),
  });
  return page ?? services.notFoundOrCrossTenant(ctx.req, 'job', path.jobId);
});
