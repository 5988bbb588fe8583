/**
 * The read queries behind the Backend port, built with Kysely and run through the abortable Runner.
 *
 * Every query carries the tenant id in its `where`. Lists use keyset pagination on the stable order
 * `created_at DESC, id DESC` and fetch limit+1 rows to know whether a next page exists. Each order and filter has
 * an index (migrations.ts): (tenant_id, created_at, id), (tenant_id, status, created_at, id),
 * (tenant_id, contact_id, created_at, id), (tenant_id, updated_at); files (tenant_id, job_id, created_at, id).
 * A job's fileCount is its `file_count` column, maintained by the database (migration 0003).
 */
import { sql } from 'kysely';
import type { CompiledQuery, Kysely, SelectQueryBuilder } from 'kysely';
import type { ApiKeyRecord, ContactFilter, ContactRecord, EntityKind, FileRecord, JobFilter, JobRecord, JobStatus, Keyset, Page, PageRequest, UsageQuery, UsageRow } from '../port.js';
import type { Runner } from './runner.js';
import type { ApiKeysTable, ContactsTable, Database, Dialect, FilesTable, JobsTable } from './schema.js';
import { toIso, toMs } from './schema.js';
import { getUsage } from './usage.js';

type JobRow = Omit<JobsTable, 'progress' | 'file_count'> & { progress: number; file_count: number };

export function contactFrom(r: ContactsTable): ContactRecord {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    phone: r.phone,
    company: r.company,
    role: r.role,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

export function jobFrom(r: JobRow): JobRecord {
  return {
    id: r.id,
    title: r.title,
    status: r.status as JobStatus,
    contactId: r.contact_id,
    progress: Number(r.progress),
    fileCount: Number(r.file_count),
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
    startedAt: r.started_at === null ? null : toIso(r.started_at),
    completedAt: r.completed_at === null ? null : toIso(r.completed_at),
  };
}

export function fileFrom(r: FilesTable): FileRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    jobId: r.job_id,
    name: r.name,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    createdAt: toIso(r.created_at),
    blobKey: r.blob_key,
  };
}

export function apiKeyFrom(r: ApiKeysTable): ApiKeyRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    scopes: r.scopes.split(' ').filter(Boolean),
    createdAt: toIso(r.created_at),
    revokedAt: r.revoked_at === null ? null : toIso(r.revoked_at),
  };
}

/** `%`, `_` and the escape character itself match literally inside a LIKE pattern. */
export function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Rows strictly after `after` in `created_at DESC, id DESC` order. Written as a range on created_at plus a
 * tie-break (rather than a row-value comparison) so both planners turn it into an index range scan.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function afterKeyset<QB extends SelectQueryBuilder<Database, any, any>>(qb: QB, alias: string, after: Keyset | undefined): QB {
  if (!after) return qb;
  const ms = toMs(after.createdAt);
  const created = sql.ref(`${alias}.created_at`);
  const id = sql.ref(`${alias}.id`);
  return qb.where(sql<boolean>`(${created} <= ${ms} and (${created} < ${ms} or ${id} < ${after.id}))`) as QB;
}

function pageOf<Row, T>(rows: Row[], limit: number, map: (r: Row) => T): Page<T> {
  const items = rows.slice(0, limit).map(map);
  const last = items[items.length - 1] as (T & { createdAt: string; id: string }) | undefined;
  return { items, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export class SqlReads {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    protected readonly runner: Runner,
  ) {}

  /** Runs any compiled query through the abortable runner (tools, benchmarks and tests). */
  execute<R>(query: CompiledQuery<R>, signal: AbortSignal): Promise<R[]> {
    return this.runner.rows(query, signal);
  }

  private jobsQuery() {
    // file_count is a column kept exact by triggers on files (migrations.ts), not a count per job per request.
    return this.db
      .selectFrom('jobs as j')
      .select(['j.id', 'j.tenant_id', 'j.contact_id', 'j.title', 'j.status', 'j.progress', 'j.created_at', 'j.updated_at', 'j.started_at', 'j.completed_at', 'j.file_count']);
  }

  async listContacts(tenantId: string, filter: ContactFilter, page: PageRequest, signal: AbortSignal): Promise<Page<ContactRecord>> {
    let qb = this.db.selectFrom('contacts as c').selectAll('c').where('c.tenant_id', '=', tenantId);
    if (filter.q !== undefined && filter.q !== '') {
      const pattern = likeContains(filter.q);
      // SQLite's LIKE is case-insensitive for ASCII; PostgreSQL needs ILIKE.
      const op = sql.raw(this.dialect === 'postgres' ? 'ilike' : 'like');
      qb = qb.where(sql<boolean>`(${sql.ref('c.name')} ${op} ${pattern} escape '\\' or ${sql.ref('c.email')} ${op} ${pattern} escape '\\')`);
    }
    if (filter.updatedSince !== undefined) qb = qb.where('c.updated_at', '>=', toMs(filter.updatedSince));
    qb = afterKeyset(qb, 'c', page.after).orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(page.limit + 1);
    return pageOf(await this.runner.rows(qb.compile(), signal), page.limit, contactFrom);
  }

  async getContact(tenantId: string, contactId: string, signal: AbortSignal): Promise<ContactRecord | null> {
    const qb = this.db.selectFrom('contacts').selectAll().where('tenant_id', '=', tenantId).where('id', '=', contactId);
    const [row] = await this.runner.rows(qb.compile(), signal);
    return row ? contactFrom(row) : null;
  }

  async listJobs(tenantId: string, filter: JobFilter, page: PageRequest, signal: AbortSignal): Promise<Page<JobRecord>> {
    let qb = this.jobsQuery().where('j.tenant_id', '=', tenantId);
    if (filter.status !== undefined) qb = qb.where('j.status', '=', filter.status);
    if (filter.contactId !== undefined) qb = qb.where('j.contact_id', '=', filter.contactId);
    if (filter.updatedSince !== undefined) qb = qb.where('j.updated_at', '>=', toMs(filter.updatedSince));
    qb = afterKeyset(qb, 'j', page.after).orderBy('j.created_at', 'desc').orderBy('j.id', 'desc').limit(page.limit + 1);
    return pageOf(await this.runner.rows(qb.compile(), signal), page.limit, (r) => jobFrom(r as JobRow));
  }

  async getJob(tenantId: string, jobId: string, signal: AbortSignal): Promise<JobRecord | null> {
    const qb = this.jobsQuery().where('j.tenant_id', '=', tenantId).where('j.id', '=', jobId);
    const [row] = await this.runner.rows(qb.compile(), signal);
    return row ? jobFrom(row as JobRow) : null;
  }

  async listJobFiles(tenantId: string, jobId: string, page: PageRequest, signal: AbortSignal): Promise<Page<FileRecord> | null> {
    const job = this.db.selectFrom('jobs').select('id').where('tenant_id', '=', tenantId).where('id', '=', jobId);
    if ((await this.runner.rows(job.compile(), signal)).length === 0) return null;
    let qb = this.db.selectFrom('files as f').selectAll('f').where('f.tenant_id', '=', tenantId).where('f.job_id', '=', jobId);
    qb = afterKeyset(qb, 'f', page.after).orderBy('f.created_at', 'desc').orderBy('f.id', 'desc').limit(page.limit + 1);
    return pageOf(await this.runner.rows(qb.compile(), signal), page.limit, fileFrom);
  }

  async getJobFile(tenantId: string, jobId: string, fileId: string, signal: AbortSignal): Promise<FileRecord | null> {
    const qb = this.db.selectFrom('files').selectAll().where('tenant_id', '=', tenantId).where('job_id', '=', jobId).where('id', '=', fileId);
    const [row] = await this.runner.rows(qb.compile(), signal);
    return row ? fileFrom(row) : null;
  }

  async getFile(tenantId: string, fileId: string, signal: AbortSignal): Promise<FileRecord | null> {
    const qb = this.db.selectFrom('files').selectAll().where('tenant_id', '=', tenantId).where('id', '=', fileId);
    const [row] = await this.runner.rows(qb.compile(), signal);
    return row ? fileFrom(row) : null;
  }

  async ownerOf(kind: EntityKind, id: string, signal: AbortSignal): Promise<string | null> {
    const table = ({ contact: 'contacts', job: 'jobs', file: 'files' } as const)[kind];
    const qb = this.db.selectFrom(table).select('tenant_id').where('id', '=', id);
    const [row] = await this.runner.rows(qb.compile(), signal);
    return row?.tenant_id ?? null;
  }

  async findApiKeyByHash(secretHash: string, signal: AbortSignal): Promise<ApiKeyRecord | null> {
    const qb = this.db.selectFrom('api_keys').selectAll().where('secret_hash', '=', secretHash.toLowerCase());
    const [row] = await this.runner.rows(qb.compile(), signal);
    return row ? apiKeyFrom(row) : null;
  }

  getUsage(tenantId: string, query: UsageQuery, signal: AbortSignal): Promise<UsageRow[]> {
    return getUsage(this.db, this.runner, tenantId, query, signal);
  }

  async ping(signal: AbortSignal): Promise<void> {
    await this.runner.rows(sql<{ one: number }>`select 1 as one`.compile(this.db), signal);
  }
}
