/**
 * Which driver errors are worth a retry. The resilience pipeline retries only TransientBackendError, so anything
 * mapped here must be safe to repeat (all reads) and likely to succeed on a second try.
 */
import { TransientBackendError } from '../port.js';

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const TRANSIENT_PG_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);
const TRANSIENT_SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY']);
const TRANSIENT_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i];

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_PG_CODES.has(code) || TRANSIENT_SQLITE_CODES.has(code)) return true;
    if (code.startsWith('08')) return true; // PG class 08: connection exception
  }
  return TRANSIENT_MESSAGES.some((re) => re.test(err.message));
}

/** Re-throws transient faults as TransientBackendError (keeping the cause); others unchanged. */
export function mapDriverError(err: unknown): unknown {
  if (err instanceof TransientBackendError || !isTransient(err)) return err;
  const code = (err as { code?: string }).code;
  return new TransientBackendError(`database temporarily unavailable${code ? ` (${code})` : ''}`, { cause: err });
}
