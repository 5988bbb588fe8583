import { defineOperation } from '../http/operation.js';
import { notFoundOrCrossTenant } from '../security/tenancy.js';

export default defineOperation('getContact', async ({ path, principal, signal, services, req }) => {
  const contact = await services.backend.getContact(principal.tenantId, path.contactId, signal);
  if (!contact) return notFoundOrCrossTenant(req, services.backend, 'contact', path.contactId);
  return { status: 200, body: contact, cache: 'etag' };
});
