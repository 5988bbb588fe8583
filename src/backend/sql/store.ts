/**
 * `openSqlStore`: the SQL adapter of the Backend port (name `sql`), SQLite under the data dir by default or
 * PostgreSQL when a database URL is given, plus the admin methods (SqlWrites) the CLI and seeders use.
 */
import { Migrator } from 'kysely/migration';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import type { Config } from '../../config.js';
import type { Backend } from '../port.js';
import { SqlWrites } from './writes.js';
import { openPostgres, openSqlite, StoreOpenError } from './connect.js';
import { PgKeyListener, sqliteKeyVersion, type KeyVersionSource, type PgListenerOptions } from './key-version.js';
import { migrateToLatest, MIGRATIONS } from './migrations.js';
import type { Opened } from './connect.js';
import { createRunner } from './runner.js';
import type { Runner } from './runner.js';

export interface SqlStoreOptions {
  /** SQLite lives at `<dataDir>/portal.db` (and blobs under `<dataDir>/blobs`, see LocalBlobStore). */
  dataDir: string;
  /** postgres://… selects PostgreSQL. */
  databaseUrl?: string;
  /** Apply pending migrations at open (default true). When false, open fails if the schema is behind. */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL: reconnect and heartbeat timing of the api_keys listener behind `apiKeysVersion()`. */
  apiKeysListener?: PgListenerOptions;
}

export class SqlStore extends SqlWrites implements Backend {
  readonly name = 'sql';
  /** SQLite runs in this process, synchronously: it gets the embedded resilience pipeline. */
  readonly inProcess: boolean;

  constructor(
    private readonly opened: Opened,
    runner: Runner,
    /** Migrations this open applied (empty when the schema was already current). */
    readonly appliedMigrations: string[] = [],
    private readonly keyVersion?: KeyVersionSource,
  ) {
    super(opened.db, opened.dialect, runner);
    this.inProcess = opened.dialect === 'sqlite';
  }

  /**
   * SQLite only (a no-op on PostgreSQL): how long a statement blocks this thread waiting for another connection's
   * lock before failing with SQLITE_BUSY. 5 s from open, for migrations and seeding. A serving process sets 0: its
   * embedded pipeline retries SQLITE_BUSY with jittered backoff without holding the event loop (resilience.ts), and
   * a usage flush that meets another writer's lock fails at once and keeps its counts for the next flush.
   */
  setBusyTimeout(ms: number): void {
    this.opened.sqlite?.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  }

  /**
   * Changes whenever api_keys may have changed (see key-version.ts): the database's own signal (SQLite
   * data_version + this connection's changes; PostgreSQL LISTEN/NOTIFY) plus this store's own key writes.
   * Both parts only grow, so their sum changes whenever either does. undefined: don't cache.
   */
  apiKeysVersion(): number | undefined {
    const v = this.keyVersion?.version();
    return v === undefined ? undefined : v + this.apiKeyWrites;
  }

  /** The SQLite file or PostgreSQL host:port/db, for logs (no credentials). */
  get where(): string {
    return this.opened.where;
  }

  /** SQLite only: the raw better-sqlite3 handle (bulk seeding). */
  get sqlite(): SQLite.Database | undefined {
    return this.opened.sqlite;
  }

  /** PostgreSQL only: the pool (bulk seeding). */
  get pool(): pg.Pool | undefined {
    return this.opened.pool;
  }

  async close(): Promise<void> {
    await this.keyVersion?.close();
    await this.runner.close();
    await this.db.destroy();
  }
}

async function assertSchemaCurrent(opened: Opened): Promise<void> {
  const migrations = await new Migrator({ db: opened.db, provider: { getMigrations: async () => MIGRATIONS } }).getMigrations();
  const pending = migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
  if (pending.length > 0) {
    throw new StoreOpenError(`The database at ${opened.where} is missing migrations (${pending.join(', ')}): run \`npm run migrate\` or set PORTAL_MIGRATE_ON_START=true`);
  }
}

/** The store options the server uses, from the validated config. */
export function sqlStoreOptions(config: Config): SqlStoreOptions {
  return { dataDir: config.data.dir, databaseUrl: config.data.databaseUrl, migrate: config.data.migrateOnStart };
}

export async function openSqlStore(opts: SqlStoreOptions): Promise<SqlStore> {
  const opened = opts.databaseUrl ? await openPostgres(opts.databaseUrl, opts.poolSize) : openSqlite(opts.dataDir);
  let applied: string[] = [];
  try {
    if (opts.migrate ?? true) applied = (await migrateToLatest(opened.db, opened.dialect)).applied;
    else await assertSchemaCurrent(opened);
  } catch (err) {
    await opened.db.destroy().catch(() => {});
    if (err instanceof StoreOpenError) throw err;
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new StoreOpenError(`Cannot prepare the database at ${opened.where}: ${reason}`);
  }
  const keyVersion = opened.sqlite ? sqliteKeyVersion(opened.sqlite) : opts.databaseUrl ? new PgKeyListener(opts.databaseUrl, opts.apiKeysListener) : undefined;
  return new SqlStore(opened, createRunner(opened, opts.databaseUrl), applied, keyVersion);
}

export { StoreOpenError };
