/**
 * The tables as Kysely sees them. Timestamps are stored as epoch milliseconds (BIGINT) in both dialects: one
 * representation that SQLite and PostgreSQL compare, index and round-trip identically (no time-zone or text
 * format drift between the two), converted to ISO strings at the edge (`toIso`).
 */
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  /** Space-separated scope names. */
  scopes: string;
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ContactsTable {
  id: string;
  tenant_id: string;
  name: string;
  email: string;
  phone: string | null;
  company: string | null;
  role: string | null;
  created_at: number;
  updated_at: number;
}

export interface JobsTable {
  id: string;
  tenant_id: string;
  contact_id: string;
  title: string;
  status: string;
  progress: Generated<number>;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  /** How many files rows belong to the job; maintained by triggers on files (migrations.ts), never written by us. */
  file_count: Generated<number>;
}

export interface FilesTable {
  id: string;
  tenant_id: string;
  job_id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  blob_key: string;
  created_at: number;
}

/** One usage counter: (tenant, UTC day, operation, status class) → counts. Written only by additive upserts. */
export interface UsageDailyTable {
  tenant_id: string;
  /** `2026-12-05`: text compares, ranges and truncates to the month (`substr(day, 1, 7)`) alike in both dialects. */
  day: string;
  operation_id: string;
  status_class: string;
  requests: number;
  rate_limited: number;
  bytes: number;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  contacts: ContactsTable;
  jobs: JobsTable;
  files: FilesTable;
  usage_daily: UsageDailyTable;
}

export type Dialect = 'sqlite' | 'postgres';

/** `2025-09-02T08:00:00.000Z` from epoch milliseconds. */
export function toIso(ms: number): string {
  return new Date(Number(ms)).toISOString();
}

/** Epoch milliseconds from an RFC 3339 timestamp; throws on garbage (callers validated it already). */
export function toMs(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`Not a timestamp: ${JSON.stringify(iso)}`);
  return ms;
}
