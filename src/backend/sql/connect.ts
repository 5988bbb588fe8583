/**
 * Opening the database: SQLite on disk under the data dir (embedded default) or a PostgreSQL pool. Failures at
 * open become one-line errors (`StoreOpenError`) the server prints before exiting 1: no stack, no password.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, Dialect } from './schema.js';

export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

export interface Opened {
  dialect: Dialect;
  db: Kysely<Database>;
  /** PostgreSQL only: the pool Kysely uses, for cancellable reads. */
  pool?: pg.Pool;
  /** SQLite only: the raw handle, for fast bulk inserts. */
  sqlite?: SQLite.Database;
  /** For messages: the SQLite file, or PostgreSQL host/port/db without credentials. */
  where: string;
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    const msg = err.message.split('\n')[0] ?? '';
    return code && !msg.includes(code) ? `${msg} (${code})` : msg || code || 'unknown error';
  }
  return String(err);
}

export function openSqlite(dataDir: string): Opened {
  const file = path.join(dataDir, 'portal.db');
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StoreOpenError(`Cannot use the data directory ${dataDir} (PORTAL_DATA_DIR): ${reason(err)}`);
  }
  let handle: SQLite.Database | undefined;
  try {
    handle = new SQLite(file, { timeout: 5000 });
    // The first pragma reads the file header: a corrupt or foreign file fails here, at open, not on a request.
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    handle.prepare('select count(*) from sqlite_master').get();
  } catch (err) {
    handle?.close();
    throw new StoreOpenError(`Cannot open the SQLite database ${file}: ${reason(err)} (corrupt, unreadable or not a SQLite file?)`);
  }
  const sqlite = handle;
  return { dialect: 'sqlite', db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }), sqlite, where: file };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query anew; preparing was ~5% of the server's CPU per request in the
 * benchmark profile. Kysely's queries bind values as parameters, so the same SQL text repeats and its prepared
 * statement can be reused (the driver runs one query at a time on the connection, so no statement is in use twice).
 * Bounded: texts that vary (e.g. `in (…)` lists) cannot grow it without limit.
 */
function withStatementCache(sqlite: SQLite.Database): { close(): void; prepare(sql: string): SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** host:port/db of a postgres URL; never the user or password. */
export function describePgUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export async function openPostgres(databaseUrl: string, poolSize = 10): Promise<Opened> {
  const where = describePgUrl(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // BIGINT (epoch ms, sizes) as numbers: every value we store fits in 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A socket error must not crash the process: idle clients are dropped by the pool, and a checked-out client's
  // failure reaches its caller as the query's rejection (mapped to TransientBackendError).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StoreOpenError(`Cannot connect to PostgreSQL at ${where} (DATABASE_URL): ${reason(err)}`);
  }
  return { dialect: 'postgres', db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool, where };
}
