/**
 * The audit stream: security-relevant events as JSON lines marked `audit: true` with an `event` name, written
 * through the process logger (same redaction, same destination) but at their own level, so `LOG_LEVEL=warn`
 * never silences them. Ship them by filtering on `audit == true`.
 *
 * Documented events (docs/observability.md, "Audit stream"):
 *   authz.cross_tenant    a principal asked for another tenant's resource (answered 404 like any miss)
 *                         principal, tenant, ownerTenant, kind, route            (src/security/tenancy.ts)
 *   file.url_issued       a signed download URL was issued
 *                         tenantId, principal, fileId, expiresAt, url (redacted)  (src/files/issue.ts)
 *   file.downloaded       a signed download ended (also aborted ones: completed=false)
 *                         tenantId, fileId, status, bytes, completed, url (redacted) (src/files/download.ts)
 *   apikey.created / apikey.revoked / tenant.created    reserved for the admin CLI: tenantId, keyId, actor
 * Authentication failures, 429s and CORS refusals are counted (metrics) and logged, not audited: they are
 * unauthenticated noise, not actions of a known principal.
 * Every line carries `traceId` when emitted inside a request (pass it, or rely on the active span).
 */
import type { Logger } from 'pino';
import { redactText } from '../common/redaction.js';

export const AUDIT_EVENTS = [
  'authz.cross_tenant',
  'file.url_issued',
  'file.downloaded',
  'apikey.created',
  'apikey.revoked',
  'tenant.created',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export type AuditFields = Record<string, unknown>;
/** Accepts any event name so new ones don't need a type change here first; document them above. */
export type Audit = (event: AuditEvent | (string & {}), fields?: AuditFields) => void;

/** Free-text fields can embed a signed URL: scrub credential query parameters out of every string. */
function scrub(fields: AuditFields): AuditFields {
  const out: AuditFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'audit' || key === 'event') continue;
    out[key] = typeof value === 'string' && value.includes('=') ? redactText(value) : value;
  }
  return out;
}

export function createAudit(logger: Logger): Audit {
  const level = logger.level === 'silent' ? 'silent' : 'info';
  const auditLog = logger.child({ audit: true }, { level });
  return function audit(event, fields = {}) {
    // `event` last so a field cannot overwrite it; `audit: true` is in the child's bindings.
    auditLog.info({ ...scrub(fields), event }, event);
  };
}
