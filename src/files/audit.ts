/**
 * The files feature's audit events. The observability layer owns the audit logger; this module only takes a
 * plain callback, so the files code stays testable and never decides where audit lines go.
 */

export type FileAuditEvent = 'file.url_issued' | 'file.downloaded';

/**
 * Receives one audit event. Fields never hold a signature: every URL in them has gone through `redactUrl`.
 * Common fields: `tenantId`, `principal` (the API subject, or `signed-url` for downloads), `fileId`, `expiresAt`.
 */
export type AuditFn = (event: FileAuditEvent, fields: Record<string, unknown>) => void;

/** Minimal logger surface (pino's Logger satisfies it). */
export interface LogLike {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const silentLog: LogLike = { error() {}, warn() {}, debug() {} };

/** An audit sink failing must not fail the request it audits: report it and carry on. */
export function emitAudit(audit: AuditFn, log: LogLike, event: FileAuditEvent, fields: Record<string, unknown>): void {
  try {
    audit(event, fields);
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err), event }, 'audit sink failed');
  }
}
