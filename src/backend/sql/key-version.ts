/**
 * `apiKeysVersion()` of the SQL store: a number that changes whenever the api_keys table may have changed, so the
 * authentication cache (src/security/key-cache.ts) can keep a key only while nothing could have revoked it.
 *
 * SQLite: `PRAGMA data_version` changes when another connection (the admin CLI, another process) commits; it
 * does not change for this connection's own commits, so `total_changes()` (rows this connection has written)
 * is read beside it. Two raw prepared better-sqlite3 statements, read once per event-loop turn (see
 * sqliteKeyVersion), so a commit by anyone is seen by every request received after it.
 *
 * PostgreSQL: migration 0002 makes every statement on api_keys `pg_notify('portal_api_keys', '')` at commit.
 * A dedicated client (not from the pool) LISTENs; each notification bumps the version. While that client is not
 * connected and listening (before its first connect, after an error, while reconnecting) the version is
 * `undefined` (no caching), and it bumps again when listening resumes: anything may have changed meanwhile.
 * The client starts on the first call, so processes that never authenticate (the CLI, the backend tier) hold no
 * extra connection. A heartbeat query finds a silently dead connection.
 */
import type SQLite from 'better-sqlite3';
import pg from 'pg';

export const API_KEYS_CHANNEL = 'portal_api_keys';
/** `application_name` of the listening connection (pg_stat_activity), for operators and tests. */
export const API_KEYS_LISTENER_NAME = 'portal-api-keys-listener';

export interface KeyVersionSource {
  version(): number | undefined;
  close(): Promise<void>;
}

/**
 * SQLite: read once per event-loop turn. Every request authenticated in a turn was received before the turn's
 * first read (the poll phase reads sockets whose bytes were already there), so a commit that the read missed
 * came after those requests were sent, and serving them as before it is a valid order. The next turn reads
 * again. Under load many requests share one turn: the two statements then run once per turn instead of once per
 * request.
 */
export function sqliteKeyVersion(db: SQLite.Database): KeyVersionSource {
  const dataVersion = db.prepare('pragma data_version').pluck();
  const totalChanges = db.prepare('select total_changes()').pluck();
  let lastData = -1;
  let lastChanges = -1;
  let version = 0;
  let thisTurn: number | undefined;
  const nextTurn = () => (thisTurn = undefined);
  return {
    version() {
      if (thisTurn !== undefined) return thisTurn;
      try {
        const data = dataVersion.get() as number;
        const changes = totalChanges.get() as number;
        if (data !== lastData || changes !== lastChanges) {
          lastData = data;
          lastChanges = changes;
          version += 1;
        }
        thisTurn = version;
        setImmediate(nextTurn);
        return version;
      } catch {
        return undefined; // closed or failing handle: no caching; the lookup itself reports the fault
      }
    },
    close: async () => {},
  };
}

export interface PgListenerOptions {
  /** First reconnect delay after the connection is lost (doubles up to reconnectMaxMs). Default 100. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Heartbeat query interval; a heartbeat that fails or takes longer than this drops the connection. Default 10000. */
  heartbeatMs?: number;
}

export class PgKeyListener implements KeyVersionSource {
  private client: pg.Client | undefined;
  private listening = false;
  private counter = 0;
  private started = false;
  private closed = false;
  private delayMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly heartbeatMs: number;

  constructor(
    private readonly connectionString: string,
    opts: PgListenerOptions = {},
  ) {
    this.minMs = opts.reconnectMinMs ?? 100;
    this.maxMs = Math.max(this.minMs, opts.reconnectMaxMs ?? 5000);
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
  }

  version(): number | undefined {
    if (!this.started) {
      this.started = true;
      void this.connect();
    }
    return this.listening ? this.counter : undefined;
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: API_KEYS_LISTENER_NAME,
      connectionTimeoutMillis: 5000,
      query_timeout: this.heartbeatMs,
      keepAlive: true,
    });
    this.client = client;
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (n.channel === API_KEYS_CHANNEL) this.counter += 1;
    });
    try {
      await client.connect();
      await client.query(`listen ${API_KEYS_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.client !== client) return; // lost or closed meanwhile
    // Listening from here on; whatever changed before it is covered by this bump.
    this.counter += 1;
    this.listening = true;
    this.delayMs = 0;
    this.heartbeatTimer = setInterval(() => {
      client.query('select 1').catch(() => this.lost(client));
    }, this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.counter += 1;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    client.end().catch(() => {});
    if (this.closed) return;
    this.delayMs = Math.min(this.maxMs, this.delayMs === 0 ? this.minMs : this.delayMs * 2);
    this.retryTimer = setTimeout(() => void this.connect(), this.delayMs);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
