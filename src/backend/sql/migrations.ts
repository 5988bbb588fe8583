/**
 * Schema migrations: one in-code list (no filesystem globbing, so bundling or a changed cwd cannot lose one),
 * the same for SQLite and PostgreSQL. Every statement is `if not exists`, so a re-run is a no-op.
 *
 * Concurrency: on PostgreSQL, Kysely's Migrator holds an advisory lock around the run, so two processes starting
 * at once serialise and the second finds nothing to do. SQLite has no such lock in Kysely (it assumes one
 * connection), so a second process can collide on the migration table; we retry the whole run, which then sees the
 * migrations applied.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Dialect } from './schema.js';

// Migrations must not depend on the app's table types (they describe history), hence Kysely<any>.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

/**
 * Ids compare byte-wise everywhere: the keyset tie-break (`id < $after`) must order ids the same way in both
 * dialects and whatever the PostgreSQL database's default collation (en_US would fold case). SQLite's default
 * BINARY collation already does; PostgreSQL gets `collate "C"` (also the cheapest comparison).
 */
function idColumn(db: AnyDb, length: number) {
  return db.getExecutor().adapter instanceof PostgresAdapter ? sql`varchar(${sql.raw(String(length))}) collate "C"` : sql`varchar(${sql.raw(String(length))})`;
}

const initial: Migration = {
  async up(db: AnyDb) {
    const tenantRef = idColumn(db, 44);
    const id = idColumn(db, 26);
    /** A tenant-owned table: its own id, and the tenant it belongs to (deleted with the tenant). */
    const tenantTable = (name: string) =>
      db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('tenant_id', tenantRef, (c) => c.notNull().references('tenants.id').onDelete('cascade'));
    const index = (name: string, table: string, columns: string[]) => db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
    await db.schema
      .createTable('tenants')
      .ifNotExists()
      .addColumn('id', tenantRef, (c) => c.primaryKey())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await tenantTable('api_keys')
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('scopes', 'varchar(500)', (c) => c.notNull())
      .addColumn('secret_hash', 'char(64)', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await index('api_keys_tenant', 'api_keys', ['tenant_id', 'created_at']);

    await tenantTable('contacts')
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('phone', 'varchar(40)')
      .addColumn('company', 'varchar(200)')
      .addColumn('role', 'varchar(200)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // Target of the jobs → contacts foreign key: a job can only point at a contact of its own tenant.
      .addUniqueConstraint('contacts_tenant_id_id', ['tenant_id', 'id'])
      .execute();
    await index('contacts_tenant_created', 'contacts', ['tenant_id', 'created_at desc', 'id desc']);
    await index('contacts_tenant_updated', 'contacts', ['tenant_id', 'updated_at']);

    await tenantTable('jobs')
      .addColumn('contact_id', id, (c) => c.notNull())
      .addColumn('title', 'varchar(200)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`))
      .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0).check(sql`progress between 0 and 100`))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('completed_at', 'bigint')
      .addUniqueConstraint('jobs_tenant_id_id', ['tenant_id', 'id'])
      .addForeignKeyConstraint('jobs_contact_fk', ['tenant_id', 'contact_id'], 'contacts', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    // One index behind every list order and filter (see read.ts).
    await index('jobs_tenant_created', 'jobs', ['tenant_id', 'created_at desc', 'id desc']);
    await index('jobs_tenant_status_created', 'jobs', ['tenant_id', 'status', 'created_at desc', 'id desc']);
    await index('jobs_tenant_contact_created', 'jobs', ['tenant_id', 'contact_id', 'created_at desc', 'id desc']);
    await index('jobs_tenant_updated', 'jobs', ['tenant_id', 'updated_at']);

    await tenantTable('files')
      .addColumn('job_id', id, (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('content_type', 'varchar(255)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull().check(sql`size >= 0`))
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('blob_key', 'varchar(200)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addForeignKeyConstraint('files_job_fk', ['tenant_id', 'job_id'], 'jobs', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await index('files_tenant_job_created', 'files', ['tenant_id', 'job_id', 'created_at desc', 'id desc']);
  },
  async down(db: AnyDb) {
    for (const table of ['files', 'jobs', 'contacts', 'api_keys', 'tenants']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/**
 * PostgreSQL only (a no-op on SQLite, whose `PRAGMA data_version` needs no schema): every statement that touches
 * api_keys (insert, update, delete, truncate, and ON DELETE CASCADE from tenants) notifies `portal_api_keys` when
 * its transaction commits. Servers LISTEN on it to invalidate their API-key cache (src/backend/sql/key-version.ts).
 * Statement level, so a bulk change is one notification; PostgreSQL folds duplicates within a transaction.
 */
const apiKeysNotify: Migration = {
  async up(db: AnyDb) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create or replace function portal_api_keys_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('portal_api_keys', '');
        return null;
      end
    $$`.execute(db);
    await sql`drop trigger if exists api_keys_notify on api_keys`.execute(db);
    await sql`create trigger api_keys_notify after insert or update or delete or truncate on api_keys
      for each statement execute function portal_api_keys_notify()`.execute(db);
  },
  async down(db: AnyDb) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`drop trigger if exists api_keys_notify on api_keys`.execute(db);
    await sql`drop function if exists portal_api_keys_notify()`.execute(db);
  },
};

/**
 * Usage counters (src/observability/usage-meter.ts writes them, GET /v1/usage reads them). The primary key is the
 * upsert's conflict target and the index of the one read: a tenant's days in a range. No foreign key to tenants:
 * a principal's tenant comes from its API key or token, and a counter must never fail a flush; deleteTenant
 * removes the rows. SQLite stores it WITHOUT ROWID (clustered on the key: a range read touches only its rows);
 * PostgreSQL gets a covering index (INCLUDE the counts) so the read is an index-only scan.
 */
const usage: Migration = {
  async up(db: AnyDb) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    let table = db.schema
      .createTable('usage_daily')
      .ifNotExists()
      .addColumn('tenant_id', idColumn(db, 44), (c) => c.notNull())
      .addColumn('day', idColumn(db, 10), (c) => c.notNull())
      .addColumn('operation_id', idColumn(db, 64), (c) => c.notNull())
      .addColumn('status_class', idColumn(db, 3), (c) => c.notNull().check(sql`status_class in ('2xx', '3xx', '4xx', '5xx')`))
      .addColumn('requests', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rate_limited', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('usage_daily_pk', ['tenant_id', 'day', 'operation_id', 'status_class']);
    if (!postgres) table = table.modifyEnd(sql`without rowid`);
    await table.execute();
    if (postgres) {
      await sql`create index if not exists usage_daily_tenant_day_covering on usage_daily (tenant_id, day) include (operation_id, status_class, requests, rate_limited, bytes)`.execute(db);
    }
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('usage_daily').ifExists().execute();
  },
};

/**
 * `jobs.file_count`, kept exact by the database itself: triggers on files add or remove one on the job a file row
 * is inserted into, deleted from (also through ON DELETE CASCADE) or moved between, whoever writes (the seeders, the
 * admin CLI, another tool). The job lists read the column instead of counting files per job on every request
 * (a correlated count per row, and a bigger query to build). The column is added with default 0 (no table rewrite
 * on either database), then only jobs that have files are set, from one grouped count.
 */
const jobsFileCount: Migration = {
  async up(db: AnyDb) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema.alterTable('jobs').addColumn('file_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await sql`update jobs set file_count = c.n
      from (select tenant_id, job_id, count(*) as n from files group by tenant_id, job_id) as c
      where jobs.tenant_id = c.tenant_id and jobs.id = c.job_id`.execute(db);
    const add = (ref: 'new' | 'old', delta: '+ 1' | '- 1') =>
      sql.raw(`update jobs set file_count = file_count ${delta} where tenant_id = ${ref}.tenant_id and id = ${ref}.job_id;`);
    if (postgres) {
      await sql`create or replace function portal_files_count() returns trigger language plpgsql as $$
        begin
          if tg_op in ('DELETE', 'UPDATE') then ${add('old', '- 1')} end if;
          if tg_op in ('INSERT', 'UPDATE') then ${add('new', '+ 1')} end if;
          return null;
        end
      $$`.execute(db);
      await sql`drop trigger if exists files_count on files`.execute(db);
      await sql`create trigger files_count after insert or delete or update of tenant_id, job_id on files
        for each row execute function portal_files_count()`.execute(db);
    } else {
      await sql`create trigger if not exists files_count_insert after insert on files begin ${add('new', '+ 1')} end`.execute(db);
      await sql`create trigger if not exists files_count_delete after delete on files begin ${add('old', '- 1')} end`.execute(db);
      await sql`create trigger if not exists files_count_update after update of tenant_id, job_id on files begin ${add('old', '- 1')} ${add('new', '+ 1')} end`.execute(db);
    }
  },
  async down(db: AnyDb) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`drop trigger if exists files_count on files`.execute(db);
      await sql`drop function if exists portal_files_count()`.execute(db);
    } else {
      for (const t of ['files_count_insert', 'files_count_delete', 'files_count_update']) await sql`drop trigger if exists ${sql.raw(t)}`.execute(db);
    }
    await db.schema.alterTable('jobs').dropColumn('file_count').execute();
  },
};

/**
 * Usage counters with the status classes side by side: one row per tenant, day and operation (`usage_counters`)
 * instead of one per status class (`usage_daily`, 0003). A report of a year by day then reads 3,660 rows in key
 * order with no grouping (PostgreSQL: 9 instead of 13–14 ms for the query), a month groups a quarter of the rows,
 * and a flush upserts up to four times fewer. The counts move over in one statement; `usage_daily` is dropped.
 * `down` moves them back, one row per status class that has requests (plus the rows of 429s and bytes).
 */
const STATUS_COLUMNS = { '2xx': 'requests_2xx', '3xx': 'requests_3xx', '4xx': 'requests_4xx', '5xx': 'requests_5xx' } as const;
const usageCounters: Migration = {
  async up(db: AnyDb) {
    let table = db.schema
      .createTable('usage_counters')
      .addColumn('tenant_id', idColumn(db, 44), (c) => c.notNull())
      .addColumn('day', idColumn(db, 10), (c) => c.notNull())
      .addColumn('operation_id', idColumn(db, 64), (c) => c.notNull());
    for (const column of Object.values(STATUS_COLUMNS)) table = table.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0));
    table = table
      .addColumn('rate_limited', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('usage_counters_pk', ['tenant_id', 'day', 'operation_id']);
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) table = table.modifyEnd(sql`without rowid`);
    await table.execute();
    const sums = Object.entries(STATUS_COLUMNS).map(([cls, column]) => sql`sum(case when status_class = ${cls} then requests else 0 end) as ${sql.ref(column)}`);
    await sql`insert into usage_counters (tenant_id, day, operation_id, ${sql.join(Object.values(STATUS_COLUMNS).map((c) => sql.ref(c)))}, rate_limited, bytes)
      select tenant_id, day, operation_id, ${sql.join(sums)}, sum(rate_limited), sum(bytes)
      from usage_daily group by tenant_id, day, operation_id`.execute(db);
    await db.schema.dropTable('usage_daily').execute();
  },
  async down(db: AnyDb) {
    await usage.up(db);
    for (const [cls, column] of Object.entries(STATUS_COLUMNS)) {
      // A 429 is a 4xx and the bytes are a download's 2xx: each stays with its class.
      const rateLimited = cls === '4xx' ? sql`rate_limited` : sql`0`;
      const bytes = cls === '2xx' ? sql`bytes` : sql`0`;
      await sql`insert into usage_daily (tenant_id, day, operation_id, status_class, requests, rate_limited, bytes)
        select tenant_id, day, operation_id, ${cls}, ${sql.ref(column)}, ${rateLimited}, ${bytes} from usage_counters
        where ${sql.ref(column)} > 0 or ${rateLimited} > 0 or ${bytes} > 0`.execute(db);
    }
    await db.schema.dropTable('usage_counters').execute();
  },
};

/** Append-only: never edit or reorder a released migration; add a new one. Names sort in run order. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_api_keys_notify': apiKeysNotify,
  '0003_usage': usage,
  '0004_jobs_file_count': jobsFileCount,
  '0005_usage_counters': usageCounters,
};

class InCodeProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export interface MigrationOutcome {
  applied: string[];
}

export async function migrateToLatest(db: AnyDb, dialect: Dialect): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: new InCodeProvider() });
  const attempts = dialect === 'sqlite' ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
    if (attempt >= attempts) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Database migration ${failed ?? ''} failed: ${reason}`.replace(/\s+/g, ' '));
    }
    await new Promise((r) => setTimeout(r, 50 * attempt));
  }
}
