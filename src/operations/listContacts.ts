import { defineOperation } from '../http/operation.js';
import { canonicalInstant, paginate } from '../http/lists.js';

export default defineOperation('listContacts', async ({ query, principal, signal, services, req }) => {
  const filters = { q: query.q, updatedSince: canonicalInstant('updatedSince', query.updatedSince) };
  const page = await paginate(
    { services, req, tenantId: principal.tenantId, list: 'contacts', filters, limit: query.limit, cursor: query.cursor },
    (p) => services.backend.listContacts(principal.tenantId, filters, p, signal),
    (contact) => contact,
  );
  const { link, ...body } = page!;
  return { status: 200, body, cache: 'etag', link };
});
