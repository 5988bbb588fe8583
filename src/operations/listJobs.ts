import { defineOperation } from '../http/operation.js';
import { canonicalInstant, paginate } from '../http/lists.js';

export default defineOperation('listJobs', async ({ query, principal, signal, services, req }) => {
  const filters = { status: query.status, contactId: query.contactId, updatedSince: canonicalInstant('updatedSince', query.updatedSince) };
  const page = await paginate(
    { services, req, tenantId: principal.tenantId, list: 'jobs', filters, limit: query.limit, cursor: query.cursor },
    (p) => services.backend.listJobs(principal.tenantId, filters, p, signal),
    (job) => job,
  );
  const { link, ...body } = page!;
  return { status: 200, body, cache: 'etag', link };
});
