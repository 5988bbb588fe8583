/** `GET /v1/contacts/{contactId}`: one of the tenant's contacts, or 404 (a cross-tenant id answers alike, audited). */
import { defineOperation } from '../http/operation.js';

export default defineOperation('getContact', async ({ path, principal, signal, services, req }) => {
  const contact = await services.backend.getContact(principal.tenantId, path.contactId, signal);
  if (!contact) return services.notFoundOrCrossTenant(req, 'contact', path.contactId);
  return { status: 200, body: contact };
});
