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

/** One tenant's use of one operation on one UTC day (migration 0005_usage_counters). Written only by additive upserts. */
export interface UsageCountersTable {
  tenant_id: string;
  /** `2026-12-05`: text compares, ranges and truncates to the month (`substr(day, 1, 7)`) alike in both dialects. */
  day: string;
  operation_id: string;
  /** Requests answered per status class. */
  requests_2xx: number;
  requests_3xx: number;
  requests_4xx: number;
  requests_5xx: number;
  /** The 429s among the 4xx. */
  rate_limited: number;
  bytes: number;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  contacts: ContactsTable;
  jobs: JobsTable;
  files: FilesTable;
  usage_counters: UsageCountersTable;
}

export type Dialect = 'sqlite' | 'postgres';

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: up to here the year has four digits and the formatting below applies. */
const YEAR_10000_MS = 253_402_300_800_000;

/**
 * `2025-09-02T08:00:00.000Z` from epoch milliseconds: exactly `Date#toISOString`, computed with integer arithmetic
 * (days → civil date, H. Hinnant's algorithm) for 1970–9999. Every row of a list converts two to four timestamps,
 * and `Date#toISOString` cost ~0.7 µs each on Node 24 (~4× this); the jobs list converts ~90 per page.
 * Outside that range (never stored) it defers to `Date#toISOString`.
 */
export function toIso(ms: number): string {
  const n = Number(ms);
  if (!(n >= 0 && n < YEAR_10000_MS) || !Number.isInteger(n)) return new Date(n).toISOString();
  const days = Math.floor(n / DAY_MS);
  let rest = n - days * DAY_MS;
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  return `${year}-${PAD2[month]}-${PAD2[day]}T${PAD2[hour]}:${PAD2[minute]}:${PAD2[second]}.${PAD3[rest - second * 1000]}Z`;
}

/** Epoch milliseconds from an RFC 3339 timestamp; throws on garbage (callers validated it already). */
export function toMs(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`Not a timestamp: ${JSON.stringify(iso)}`);
  return ms;
}
