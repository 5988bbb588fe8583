/** `GET /v1/contacts`: the tenant's contacts, newest first, filtered by `q` and `updatedSince`, a page at a time. */
import { defineOperation } from '../http/operation.js';
import { canonicalInstant, paginate } from '../http/lists.js';

export default defineOperation('listContacts', async (ctx) => {
  const filters = { q: ctx.query.q, updatedSince: canonicalInstant('updatedSince', ctx.query.updatedSince) };
  return (await paginate(ctx, { name: 'contacts', filters, load: (page) => ctx.services.backend.listContacts(ctx.principal.tenantId, filters, page, ctx.signal) }))!;
});
