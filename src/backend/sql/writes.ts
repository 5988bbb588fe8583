/**
 * Administrative writes: tenants, API keys (what a key is: src/backend/api-keys.ts) and the bulk inserts the
 * seeders use. The HTTP API itself is read-only; these run from the admin CLI, the seed scripts and tests.
 */
import type { Insertable } from 'kysely';
import { API_KEY_SCOPES, hashApiKeySecret, newApiKeySecret } from '../api-keys.js';
import { newId, ID_PATTERNS } from '../ids.js';
import type { ApiKeyRecord, UsageIncrement } from '../port.js';
import { apiKeyFrom, SqlReads } from './read.js';
import type { ContactsTable, Database, FilesTable, JobsTable } from './schema.js';
import { toIso } from './schema.js';
import { recordUsage } from './usage.js';

export interface TenantRecord {
  id: string;
  name: string;
  createdAt: string;
}

export interface CreatedApiKey {
  key: ApiKeyRecord;
  /** Shown once; never stored. */
  secret: string;
}

/** A refused admin request (bad id, unknown tenant, duplicate): its message is one line for the operator. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SqlWrites extends SqlReads {
  /**
   * Bumped after every write to api_keys through these methods (even a failed one), so this store's own
   * `apiKeysVersion()` changes as soon as the write returns, without waiting for the database to tell it.
   */
  protected apiKeyWrites = 0;

  async createTenant(id: string, name: string, now = Date.now()): Promise<TenantRecord> {
    if (!ID_PATTERNS.tenant.test(id)) throw new AdminError(`Invalid tenant id ${JSON.stringify(id)}: expected ten_ followed by 1-40 of [a-z0-9-] (starting with a letter or digit)`);
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 200) throw new AdminError('Tenant name must be 1-200 characters');
    try {
      await this.db.insertInto('tenants').values({ id, name: trimmed, created_at: now }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AdminError(`Tenant ${id} already exists`);
      throw err;
    }
    return { id, name: trimmed, createdAt: toIso(now) };
  }

  async listTenants(): Promise<TenantRecord[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: toIso(r.created_at) }));
  }

  async countTenants(): Promise<number> {
    const row = await this.db.selectFrom('tenants').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The usage meter's flush (src/observability/usage-meter.ts): one additive upsert, see usage.ts. */
  recordUsage(increments: UsageIncrement[], signal: AbortSignal): Promise<void> {
    return recordUsage(this.db, this.runner, increments, signal);
  }

  /** Removes a tenant and, through ON DELETE CASCADE, its keys, contacts, jobs and file rows (not blobs); and its usage. */
  async deleteTenant(id: string): Promise<boolean> {
    await this.db.deleteFrom('usage_counters').where('tenant_id', '=', id).execute();
    // Children first, biggest last, so each cascade step stays small and index-driven.
    await this.db.deleteFrom('files').where('tenant_id', '=', id).execute();
    await this.db.deleteFrom('jobs').where('tenant_id', '=', id).execute();
    await this.db.deleteFrom('contacts').where('tenant_id', '=', id).execute();
    try {
      await this.db.deleteFrom('api_keys').where('tenant_id', '=', id).execute();
      const res = await this.db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    } finally {
      this.apiKeyWrites += 1;
    }
  }

  async createApiKey(opts: { tenantId: string; scopes: string[]; name?: string; secret?: string; id?: string; now?: number }): Promise<CreatedApiKey> {
    const scopes = [...new Set(opts.scopes.map((s) => s.trim()).filter(Boolean))];
    if (scopes.length === 0) throw new AdminError(`At least one scope is required (${API_KEY_SCOPES.join(', ')})`);
    const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) throw new AdminError(`Unknown scope ${unknown.join(', ')}: expected some of ${API_KEY_SCOPES.join(', ')}`);
    const name = (opts.name ?? 'api key').trim();
    if (name.length < 1 || name.length > 200) throw new AdminError('Key name must be 1-200 characters');
    const tenant = await this.db.selectFrom('tenants').select('id').where('id', '=', opts.tenantId).executeTakeFirst();
    if (!tenant) throw new AdminError(`Unknown tenant ${JSON.stringify(opts.tenantId)}`);

    const secret = opts.secret ?? newApiKeySecret();
    const id = opts.id ?? newId('key');
    const now = opts.now ?? Date.now();
    try {
      await this.db
        .insertInto('api_keys')
        .values({ id, tenant_id: opts.tenantId, name, scopes: scopes.join(' '), secret_hash: hashApiKeySecret(secret), created_at: now, revoked_at: null })
        .execute();
    } finally {
      this.apiKeyWrites += 1;
    }
    return { key: { id, tenantId: opts.tenantId, name, scopes, createdAt: toIso(now), revokedAt: null }, secret };
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(apiKeyFrom);
  }

  /** Marks the key revoked (keeping the first revocation time); null when no such key exists. */
  async revokeApiKey(keyId: string, now = Date.now()): Promise<ApiKeyRecord | null> {
    try {
      await this.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).where('revoked_at', 'is', null).execute();
    } finally {
      this.apiKeyWrites += 1;
    }
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
    return row ? apiKeyFrom(row) : null;
  }

  // Bulk inserts in chunks: SQLite caps bound parameters per statement, and one transaction per call keeps
  // a seed fast (one fsync) and all-or-nothing.
  async insertContacts(rows: Insertable<ContactsTable>[]): Promise<void> {
    await this.insertChunked('contacts', rows);
  }

  async insertJobs(rows: Insertable<JobsTable>[]): Promise<void> {
    await this.insertChunked('jobs', rows);
  }

  async insertFiles(rows: Insertable<FilesTable>[]): Promise<void> {
    await this.insertChunked('files', rows);
  }

  private async insertChunked<T extends 'contacts' | 'jobs' | 'files'>(table: T, rows: Insertable<Database[T]>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        await trx.insertInto(table).values(rows.slice(i, i + 500) as any).execute();
      }
    });
  }
}
