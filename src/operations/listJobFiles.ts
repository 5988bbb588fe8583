import { defineOperation } from '../http/operation.js';
import { paginate } from '../http/lists.js';
import { notFoundOrCrossTenant } from '../security/tenancy.js';
import { presentFile } from './files.js';

export default defineOperation('listJobFiles', async ({ path, query, principal, signal, services, req }) => {
  const page = await paginate(
    { services, req, tenantId: principal.tenantId, list: `files:${path.jobId}`, filters: {}, limit: query.limit, cursor: query.cursor },
    (p) => services.backend.listJobFiles(principal.tenantId, path.jobId, p, signal),
    (file) => presentFile(services, file, principal),
  );
  if (!page) return notFoundOrCrossTenant(req, services.backend, 'job', path.jobId);
  const { link, ...body } = page;
  return { status: 200, body, cache: 'no-store', link };
});
