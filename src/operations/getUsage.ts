/**
 * `GET /v1/usage`: the calling tenant's usage per day or month (src/observability/usage-meter.ts counts it,
 * src/backend/usage-report.ts shapes it). The tenant is the principal's: there is no parameter naming another.
 * A range the contract's schema cannot bound (from after to, too many days or months) is a 400 naming `from`.
 */
import { resolveUsageRange, usageReport } from '../backend/usage-report.js';
import { defineOperation } from '../http/operation.js';
import { problems } from '../http/problem.js';

export default defineOperation('getUsage', async ({ query, principal, signal, services }) => {
  const range = resolveUsageRange(query);
  if (Array.isArray(range)) {
    throw problems.badRequest(`The request has ${range.length} invalid parameter${range.length === 1 ? '' : 's'}: ${range.map((e) => e.name).join(', ')}.`, range);
  }
  const rows = await services.backend.getUsage(principal.tenantId, range, signal);
  return { status: 200, body: usageReport(principal.tenantId, range, rows) };
});
