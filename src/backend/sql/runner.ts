/**
 * Runs compiled Kysely queries so that an AbortSignal really stops them.
 *
 * PostgreSQL: the query runs on a client we check out ourselves, so we know its server pid. When the signal fires
 * mid-query we reject at once with the signal's reason and ask the server to stop the work with
 * `pg_cancel_backend(pid)` from a separate tiny pool (the main pool may be exhausted exactly when timeouts fire).
 * The client is released only after both the query and the cancel have settled, and it is destroyed rather than
 * reused, so a late cancel can never hit another request's query.
 *
 * SQLite: better-sqlite3 is synchronous and cannot be interrupted, so we check the signal before running.
 */
import type { CompiledQuery, Kysely } from 'kysely';
import pg from 'pg';
import { mapDriverError } from './errors.js';
import type { Opened } from './connect.js';
import type { Database } from './schema.js';

export interface Runner {
  rows<R>(query: CompiledQuery<R>, signal: AbortSignal): Promise<R[]>;
  close(): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

class SqliteRunner implements Runner {
  constructor(private readonly db: Kysely<Database>) {}

  async rows<R>(query: CompiledQuery<R>, signal: AbortSignal): Promise<R[]> {
    if (signal.aborted) throw abortReason(signal);
    try {
      return (await this.db.executeQuery(query)).rows;
    } catch (err) {
      throw mapDriverError(err);
    }
  }

  async close(): Promise<void> {}
}

type PoolClientWithPid = pg.PoolClient & { processID?: number | null };

class PostgresRunner implements Runner {
  private cancelPool: pg.Pool | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
  ) {}

  private cancel(pid: number): Promise<void> {
    if (!this.cancelPool) {
      this.cancelPool = new pg.Pool({ connectionString: this.connectionString, max: 2, connectionTimeoutMillis: 5000, idleTimeoutMillis: 10_000 });
      this.cancelPool.on('error', () => {});
      this.cancelPool.on('connect', (client) => client.on('error', () => {}));
    }
    return this.cancelPool.query('select pg_cancel_backend($1)', [pid]).then(
      () => undefined,
      () => undefined, // best effort: the destroyed client ends the session anyway once the query returns
    );
  }

  /**
   * A pool client, or the abort reason as soon as the signal fires while we wait for one (an exhausted pool must
   * not hold a cancelled request); a client that arrives after that goes straight back to the pool.
   */
  private checkout(signal: AbortSignal): Promise<PoolClientWithPid> {
    return new Promise((resolve, reject) => {
      let gaveUp = false;
      const onAbort = () => {
        gaveUp = true;
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pool.connect().then(
        (client: PoolClientWithPid) => {
          signal.removeEventListener('abort', onAbort);
          if (gaveUp) client.release();
          else resolve(client);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(gaveUp ? abortReason(signal) : mapDriverError(err));
        },
      );
    });
  }

  async rows<R>(query: CompiledQuery<R>, signal: AbortSignal): Promise<R[]> {
    if (signal.aborted) throw abortReason(signal);
    const client = await this.checkout(signal);
    if (signal.aborted) {
      client.release();
      throw abortReason(signal);
    }

    return new Promise<R[]>((resolve, reject) => {
      let settled = false;
      let cancelled: Promise<void> | undefined;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(abortReason(signal));
        if (typeof client.processID === 'number') cancelled = this.cancel(client.processID);
      };
      signal.addEventListener('abort', onAbort, { once: true });

      client.query<R & pg.QueryResultRow>({ text: query.sql, values: query.parameters as unknown[] }).then(
        (result) => {
          if (!settled) resolve(result.rows);
          settled = true;
        },
        (err: unknown) => {
          if (!settled) reject(mapDriverError(err));
          settled = true;
        },
      ).finally(async () => {
        signal.removeEventListener('abort', onAbort);
        if (cancelled) {
          await cancelled;
          client.release(true);
        } else {
          client.release();
        }
      });
    });
  }

  async close(): Promise<void> {
    await this.cancelPool?.end().catch(() => {});
  }
}

export function createRunner(opened: Opened, databaseUrl?: string): Runner {
  if (opened.dialect === 'postgres' && opened.pool && databaseUrl) return new PostgresRunner(opened.pool, databaseUrl);
  return new SqliteRunner(opened.db);
}
