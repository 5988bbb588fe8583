/**
 * The Backend port: everything the operations may ask of the data tier. Adapters (the SQL store, the RPC
 * client) implement it; every call passes through the resilience pipeline (src/backend/resilience.ts), whose
 * failures are the errors at the end of this file.
 *
 * Every data call takes the caller's tenant id (tenant scoping happens inside the adapter, in the SQL `where`)
 * and an AbortSignal that the adapter must honour (stop the query / the HTTP call when it fires).
 */

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** Timestamps are RFC 3339 strings in UTC with millisecond precision: `2025-09-02T08:00:00.000Z`. */
export type Timestamp = string;

export interface ContactRecord {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  company: string | null;
  role: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface JobRecord {
  id: string;
  title: string;
  status: JobStatus;
  contactId: string;
  progress: number;
  fileCount: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  startedAt: Timestamp | null;
  completedAt: Timestamp | null;
}

/** A file's metadata. The signed `downloadUrl` is added by the HTTP layer, never stored. */
export interface FileRecord {
  id: string;
  tenantId: string;
  jobId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: Timestamp;
  /** Where the bytes live in the BlobStore; derived from tenant, job and file ids (`blobKeyFor`), never from user input. */
  blobKey: string;
}

/** The one way to make a blob key: `<tenantId>/<jobId>/<fileId>`; ids are validated by their patterns upstream. */
export function blobKeyFor(tenantId: string, jobId: string, fileId: string): string {
  return `${tenantId}/${jobId}/${fileId}`;
}

/**
 * The position of the last row of a page in the list's stable order, newest first:
 * `ORDER BY created_at DESC, id DESC`. The next page holds rows strictly after it in that order.
 */
export interface Keyset {
  createdAt: Timestamp;
  id: string;
}

export interface PageRequest {
  /** 1–100. */
  limit: number;
  after?: Keyset;
}

export interface Page<T> {
  items: T[];
  /** Keyset of the last item when more rows follow it; null on the last page. */
  next: Keyset | null;
}

export interface ContactFilter {
  /** Case-insensitive substring of name or email. */
  q?: string;
  updatedSince?: Timestamp;
}

export interface JobFilter {
  status?: JobStatus;
  contactId?: string;
  updatedSince?: Timestamp;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  scopes: string[];
  createdAt: Timestamp;
  revokedAt: Timestamp | null;
}

export type EntityKind = 'contact' | 'job' | 'file';

/** The class of an answer's status code, as usage is counted. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';
export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx'];

/** A UTC calendar day, `2026-12-05`; usage is counted per day and summed into months on reading. */
export type UsageDay = string;

/**
 * Counts to add to one usage counter: (tenant, UTC day, operationId, status class). Increments add up and never
 * overwrite, so any number of replicas can write them.
 */
export interface UsageIncrement {
  tenantId: string;
  day: UsageDay;
  operationId: string;
  statusClass: StatusClass;
  requests: number;
  /** Of those requests, how many were answered 429. */
  rateLimited: number;
  /** Response body bytes of the downloads among them. */
  bytes: number;
}

export interface UsageQuery {
  /** First and last day, inclusive. */
  from: UsageDay;
  to: UsageDay;
  /** `day`: one row per day; `month`: rows summed per calendar month (`period` is the month's first day). */
  granularity: 'day' | 'month';
}

/**
 * A tenant's usage of one operation in one period, its status classes side by side (only operations the tenant
 * used in the period are returned): the read sums the classes in the store, so a year by day is one row per day and
 * operation, not four.
 */
export interface UsageRow {
  /** The day, or the first day of the month. */
  period: UsageDay;
  operationId: string;
  /** Requests answered per status class. */
  statusClasses: Record<StatusClass, number>;
  rateLimited: number;
  bytes: number;
}

export interface Backend {
  /** A short label for metrics, logs and health checks: `sql`, `rpc`. */
  readonly name: string;

  /**
   * True for an adapter that runs in this process and synchronously (embedded SQLite): no remote dependency for a
   * circuit breaker to protect, nothing a per-attempt timeout could preempt. It selects the `embedded` pipeline
   * (src/backend/resilience.ts); absent or false, the `networked` one.
   */
  readonly inProcess?: boolean;

  listContacts(tenantId: string, filter: ContactFilter, page: PageRequest, signal: AbortSignal): Promise<Page<ContactRecord>>;
  getContact(tenantId: string, contactId: string, signal: AbortSignal): Promise<ContactRecord | null>;

  listJobs(tenantId: string, filter: JobFilter, page: PageRequest, signal: AbortSignal): Promise<Page<JobRecord>>;
  getJob(tenantId: string, jobId: string, signal: AbortSignal): Promise<JobRecord | null>;

  /** null when the job does not exist for this tenant. */
  listJobFiles(tenantId: string, jobId: string, page: PageRequest, signal: AbortSignal): Promise<Page<FileRecord> | null>;
  getJobFile(tenantId: string, jobId: string, fileId: string, signal: AbortSignal): Promise<FileRecord | null>;
  /** A file by id alone, for the signed download route (the signature names tenant and file). */
  getFile(tenantId: string, fileId: string, signal: AbortSignal): Promise<FileRecord | null>;

  /**
   * Which tenant owns an id, or null when none does. Called only after a tenant-scoped lookup missed, to tell a
   * cross-tenant attempt (audited, counted) from a plain miss. Never used to serve data.
   */
  ownerOf(kind: EntityKind, id: string, signal: AbortSignal): Promise<string | null>;

  /** The API key with this SHA-256 hash (hex) of its secret, revoked or not; null when unknown. */
  findApiKeyByHash(secretHash: string, signal: AbortSignal): Promise<ApiKeyRecord | null>;

  /**
   * Optional, synchronous and cheap (no I/O): a number that changes whenever the api_keys table may have
   * changed, by this process or any other, or `undefined` while the adapter cannot tell (then callers must not
   * cache keys). A cached key read at version v is still current while this returns v. Adapters that cannot
   * watch the table (the RPC client) leave it out. Not wrapped in the resilience pipeline: it does no I/O.
   */
  apiKeysVersion?(): number | undefined;

  /** The tenant's usage counters in a range of days, ordered by period, operationId and status class. */
  getUsage(tenantId: string, query: UsageQuery, signal: AbortSignal): Promise<UsageRow[]>;

  /**
   * Adds the increments to the stored counters, atomically (all or none) in one statement: at most
   * MAX_USAGE_BATCH increments, each key at most once. The only write of the data port, and not idempotent: the
   * resilience pipeline never retries it (src/backend/resilience.ts).
   */
  recordUsage(increments: UsageIncrement[], signal: AbortSignal): Promise<void>;

  /** Cheap reachability probe for /v1/health and /readyz. Throws when the backend cannot serve. */
  ping(signal: AbortSignal): Promise<void>;

  close(): Promise<void>;
}

/** The most increments one recordUsage call carries (one SQL statement; the RPC contract's maxItems). */
export const MAX_USAGE_BATCH = 500;

/** Thrown by adapters for faults worth a retry (connection reset, 5xx upstream, lock timeout…). */
export class TransientBackendError extends Error {
  override readonly name = 'TransientBackendError';
}

/**
 * What a Backend behind the resilience pipeline throws when it cannot serve a call, in the backend's own terms;
 * the HTTP edge (src/http/errors.ts) turns each into its problem (503 + Retry-After, 504).
 */
export class BackendUnavailable extends Error {
  override readonly name = 'BackendUnavailable';
  constructor(
    /** `circuit-open`: calls are refused until the next probe; `failing`: it kept failing transiently. */
    readonly reason: 'circuit-open' | 'failing',
    /** When a new call may succeed (the circuit's next probe, or a short pause). */
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(reason === 'circuit-open' ? 'the backend circuit is open' : 'the backend failed transiently', options);
  }
}

/** The call was refused at once: as many calls as allowed are running and waiting (the bulkhead is full). */
export class BackendRejected extends Error {
  override readonly name = 'BackendRejected';
  constructor(
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super('the backend is at capacity', options);
  }
}

/** The backend did not answer before the call's deadline (or its attempt timeout). */
export class BackendTimeout extends Error {
  override readonly name = 'BackendTimeout';
  constructor(options?: ErrorOptions) {
    super('the backend did not answer in time', options);
  }
}
