/** `GET /v1/jobs`: the tenant's jobs, newest first, filtered by status, contact and `updatedSince`, a page at a time. */
import { defineOperation } from '../http/operation.js';
import { canonicalInstant, paginate } from '../http/lists.js';

export default defineOperation('listJobs', async (ctx) => {
  const { status, contactId, updatedSince } = ctx.query;
  const filters = { status, contactId, updatedSince: canonicalInstant('updatedSince', updatedSince) };
  return (await paginate(ctx, { name: 'jobs', filters, load: (page) => ctx.services.backend.listJobs(ctx.principal.tenantId, filters, page, ctx.signal) }))!;
});
