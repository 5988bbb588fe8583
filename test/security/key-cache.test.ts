/**
 * The API-key cache against real databases: the production pipeline (createApp, resilience, the SQL store) on
 * SQLite and on PostgreSQL. A counting wrapper around the real store shows the cache is used (N requests with one
 * key → one lookup, and the resilience pipeline sees one call), and every way a key can change — revoked through
 * another store instance (as the admin CLI does), through the admin CLI itself, through the serving store, a new
 * key, a deleted tenant — is seen by the next request.
 *
 * How soon: on SQLite and for the serving store's own writes, the very next request, with no wait (the version
 * is read from the database file, or bumped by the write itself). On PostgreSQL a change made over another
 * connection reaches the server as a NOTIFY, delivered asynchronously some milliseconds after the writer's commit
 * returns; those tests wait for that notification (bounded), then require the very next request to see it.
 * On PostgreSQL the LISTEN connection is also killed: requests stay correct (uncached) while it is down, and
 * caching resumes once it is back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Backend } from '../../src/backend/port.js';
import { withResilience } from '../../src/backend/resilience.js';
import { createRpcBackend } from '../../src/backend/rpc/client.js';
import { API_KEYS_LISTENER_NAME } from '../../src/backend/sql/key-version.js';
import { openSqlStore, type SqlStore, type SqlStoreOptions } from '../../src/backend/sql/store.js';
import { loadConfig } from '../../src/config.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { createLogger } from '../../src/observability/logger.js';
import { hashApiKeySecret } from '../../src/backend/api-keys.js';
import { ApiKeyCache } from '../../src/security/key-cache.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const live = () => new AbortController().signal;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repo, 'src/cli/portal-admin.mjs'), ...args], { cwd: repo, env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe('ApiKeyCache', () => {
  const key = { id: 'key_a', tenantId: 'ten_a', name: 'a', scopes: ['contacts:read'], createdAt: '2025-01-01T00:00:00.000Z', revokedAt: null };

  it('hits only at the version the entry was stored at, and only younger than maxAgeMs', () => {
    let now = 1_000;
    const cache = new ApiKeyCache({ maxAgeMs: 60_000, now: () => now });
    cache.set('h', key, 7);
    expect(cache.get('h', 7)).toBe(key);
    expect(cache.get('other', 7)).toBeUndefined();
    expect(cache.get('h', 8)).toBeUndefined(); // the table may have changed
    expect(cache.get('h', 7)).toBeUndefined(); // and the outdated entry is gone
    cache.set('h', key, 8);
    now += 59_999;
    expect(cache.get('h', 8)).toBe(key);
    now += 1;
    expect(cache.get('h', 8)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, evicting the oldest', () => {
    const cache = new ApiKeyCache({ maxEntries: 3 });
    for (const h of ['a', 'b', 'c', 'd']) cache.set(h, key, 1);
    expect(cache.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((h) => cache.get(h, 1) !== undefined)).toEqual([false, true, true, true]);
  });

  it('is offered by the SQL stores through the resilience wrapper, never by the RPC client', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portal-keyver-'));
    const store = await openSqlStore({ dataDir: dir });
    try {
      const wrapped = withResilience(store, loadConfig({ NODE_ENV: 'test', PORTAL_DATA_DIR: dir }).backend);
      expect(typeof wrapped.apiKeysVersion).toBe('function');
      expect(wrapped.apiKeysVersion!()).toBe(store.apiKeysVersion());
      expect(createRpcBackend({ url: 'http://127.0.0.1:1', secret: 'x'.repeat(32) }).apiKeysVersion).toBeUndefined();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Target {
  label: string;
  dataDir: string;
  databaseUrl?: string;
  /** Env for the admin CLI. */
  cliEnv: Record<string, string>;
  storeOptions?: Partial<SqlStoreOptions>;
  cleanup(): Promise<void>;
}

interface Harness {
  url: string;
  /** The store serving the app. */
  store: SqlStore;
  /** Another store instance on the same database: another connection, as the admin CLI has. */
  other: SqlStore;
  /** findApiKeyByHash calls that reached the store, and calls the resilience pipeline ran. */
  lookups(): number;
  pipelineLookups(): number;
  get(key: string): Promise<number>;
  close(): Promise<void>;
}

async function startHarness(t: Target): Promise<Harness> {
  const opts: SqlStoreOptions = { dataDir: t.dataDir, databaseUrl: t.databaseUrl, ...t.storeOptions };
  const store = await openSqlStore(opts);
  const other = await openSqlStore({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
  await other.createTenant('ten_acme', 'Acme');
  let lookups = 0;
  let pipelineLookups = 0;
  const counting: Backend = {
    name: store.name,
    listContacts: (...a) => store.listContacts(...a),
    getContact: (...a) => store.getContact(...a),
    listJobs: (...a) => store.listJobs(...a),
    getJob: (...a) => store.getJob(...a),
    listJobFiles: (...a) => store.listJobFiles(...a),
    getJobFile: (...a) => store.getJobFile(...a),
    getFile: (...a) => store.getFile(...a),
    ownerOf: (...a) => store.ownerOf(...a),
    findApiKeyByHash: (h, s) => {
      lookups += 1;
      return store.findApiKeyByHash(h, s);
    },
    getUsage: (...a) => store.getUsage(...a),
    recordUsage: (...a) => store.recordUsage(...a),
    apiKeysVersion: () => store.apiKeysVersion(),
    ping: (s) => store.ping(s),
    close: () => store.close(),
  };
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: t.dataDir,
    ...(t.databaseUrl ? { DATABASE_URL: t.databaseUrl } : {}),
    PORTAL_RATE_LIMIT_PER_MINUTE: '100000',
    PORTAL_RESPONSE_VALIDATION: 'throw',
  });
  const backend = withResilience(counting, config.backend, { onCall: (op) => void (op === 'findApiKeyByHash' && (pipelineLookups += 1)) });
  const app = createApp({ config, backend, blobs: new LocalBlobStore(path.join(t.dataDir, 'blobs')), logger: createLogger({ level: 'silent', debugLogSampleRate: 0 }) });
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    other,
    lookups: () => lookups,
    pipelineLookups: () => pipelineLookups,
    get: async (key) => {
      const res = await fetch(`${url}/v1/contacts?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      return res.status;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.allSettled([store.close(), other.close()]);
    },
  };
}

/**
 * `strict`: a change through another connection must be seen by the very next request with no wait (SQLite).
 * Otherwise the next request after the store has been told (PostgreSQL NOTIFY).
 */
function cacheSuite(label: string, strict: boolean, setup: () => Promise<Target>, extra?: (h: () => Harness, t: () => Target) => void) {
  describe(`API-key cache on ${label}`, () => {
    let target: Target;
    let h: Harness;
    beforeAll(async () => {
      target = await setup();
      h = await startHarness(target);
      // PostgreSQL's listener starts on the first call and reports undefined until it listens.
      h.store.apiKeysVersion();
      await until(() => h.store.apiKeysVersion() !== undefined, 'the store to offer a version');
    });
    afterAll(async () => {
      await h?.close();
      await target?.cleanup();
    });

    /**
     * Waits until the serving store has heard of every change made so far: its version is defined and stays put
     * for 150 ms (PostgreSQL notifications arrive a few ms after the write; SQLite's version is current at once).
     * Only so can lookups be counted exactly.
     */
    async function settle(): Promise<void> {
      let last = h.store.apiKeysVersion();
      let since = Date.now();
      await until(() => {
        const v = h.store.apiKeysVersion();
        if (v !== last || v === undefined) [last, since] = [v, Date.now()];
        return v !== undefined && Date.now() - since >= 150;
      }, 'the store version to settle');
    }

    /** A new key, made through the other store, once the serving store has heard of it. */
    async function newKey(): Promise<{ id: string; secret: string }> {
      const created = await h.other.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'] });
      await settle();
      return { id: created.key.id, secret: created.secret };
    }

    /** Runs a change made over another connection; unless strict, waits until the serving store is told of it. */
    async function elsewhere(change: () => Promise<unknown>): Promise<void> {
      const before = h.store.apiKeysVersion();
      await change();
      if (!strict) await until(() => h.store.apiKeysVersion() !== before, 'the change to be notified', 5000);
    }

    it('N requests with one key → one lookup: the cache skips the query and the resilience pipeline', async () => {
      const key = await newKey();
      const [l0, p0] = [h.lookups(), h.pipelineLookups()];
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push(await h.get(key.secret));
      expect(statuses).toEqual(Array(20).fill(200));
      expect(h.lookups() - l0).toBe(1);
      expect(h.pipelineLookups() - p0).toBe(1);
    });

    it('never caches unknown keys: each guess is a lookup, and a 401', async () => {
      const l0 = h.lookups();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push(await h.get('pk_live_NotAKeyNotAKeyNotAKeyNotAKey00000000000'));
      expect(statuses).toEqual(Array(5).fill(401));
      expect(h.lookups() - l0).toBe(5);
    });

    it('a key revoked through another store instance (another connection) → the very next request is 401', async () => {
      for (let round = 0; round < 5; round++) {
        const key = await newKey();
        const l0 = h.lookups();
        expect([await h.get(key.secret), await h.get(key.secret), await h.get(key.secret)]).toEqual([200, 200, 200]);
        expect(h.lookups() - l0).toBe(1); // cached
        await elsewhere(() => h.other.revokeApiKey(key.id));
        expect(await h.get(key.secret)).toBe(401);
        expect(await h.get(key.secret)).toBe(401);
      }
    });

    it('a key revoked through the serving store itself → the very next request is 401', async () => {
      for (let round = 0; round < 5; round++) {
        const key = await newKey();
        const l0 = h.lookups();
        expect([await h.get(key.secret), await h.get(key.secret)]).toEqual([200, 200]);
        expect(h.lookups() - l0).toBe(1);
        await h.store.revokeApiKey(key.id); // no wait on either dialect: the store's own write bumps its version
        expect(await h.get(key.secret)).toBe(401);
      }
    });

    it('a key revoked with the admin CLI (another process) → the very next request is 401', async () => {
      const key = await newKey();
      const l0 = h.lookups();
      expect([await h.get(key.secret), await h.get(key.secret)]).toEqual([200, 200]);
      expect(h.lookups() - l0).toBe(1);
      let revoked: Awaited<ReturnType<typeof cli>> | undefined;
      await elsewhere(async () => (revoked = await cli(target.cliEnv, 'api-keys', 'revoke', key.id)));
      expect(revoked).toMatchObject({ code: 0, stderr: '' });
      expect(await h.get(key.secret)).toBe(401);
    }, 60_000);

    it('a new key works at once, while other keys stay cached', async () => {
      const old = await newKey();
      expect(await h.get(old.secret)).toBe(200);
      // No wait even on PostgreSQL: an unknown key is never cached, so a new one is looked up.
      const created = await h.other.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'] });
      expect(await h.get(created.secret)).toBe(200);
      expect(await h.get(old.secret)).toBe(200);
      // Deleting the tenant (its keys go with it) through the other connection stops its keys.
      await h.other.createTenant('ten_gone', 'Gone');
      const gone = await h.other.createApiKey({ tenantId: 'ten_gone', scopes: ['contacts:read'] });
      await settle();
      const l0 = h.lookups();
      expect([await h.get(gone.secret), await h.get(gone.secret)]).toEqual([200, 200]);
      expect(h.lookups() - l0).toBe(1);
      await elsewhere(() => h.other.deleteTenant('ten_gone'));
      expect(await h.get(gone.secret)).toBe(401);
    });

    extra?.(() => h, () => target);
  });
}

cacheSuite('SQLite', true, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-keycache-'));
  return { label: 'SQLite', dataDir, cliEnv: { PORTAL_DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});

describe.runIf(await hasPostgres())('PostgreSQL', () => {
  cacheSuite(
    'PostgreSQL',
    false,
    async () => {
      const db = await createTestDatabase('portal_keycache');
      // A slow first reconnect, so the test can watch the store while its listener is down.
      return { label: 'PostgreSQL', dataDir: '/nonexistent', databaseUrl: db.url, cliEnv: { DATABASE_URL: db.url, PORTAL_DATA_DIR: '/nonexistent' }, storeOptions: { apiKeysListener: { reconnectMinMs: 3000 } }, cleanup: db.drop };
    },
    (h, t) => {
      async function listenerPids(): Promise<number[]> {
        const c = new pg.Client({ connectionString: t().databaseUrl });
        await c.connect();
        try {
          const r = await c.query('select pid from pg_stat_activity where datname = current_database() and application_name = $1', [API_KEYS_LISTENER_NAME]);
          return r.rows.map((row: { pid: number }) => row.pid);
        } finally {
          await c.end();
        }
      }

      it('listener killed → no caching, still correct; after it reconnects, caching resumes', async () => {
        const [pid] = await listenerPids();
        expect(pid).toBeGreaterThan(0);
        // A key in use (and cached) before the listener dies.
        const cached = await h().other.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'] });
        expect([await h().get(cached.secret), await h().get(cached.secret)]).toEqual([200, 200]);

        const admin = new pg.Client({ connectionString: t().databaseUrl });
        await admin.connect();
        try {
          expect((await admin.query('select pg_terminate_backend($1) as ok', [pid])).rows[0].ok).toBe(true);
        } finally {
          await admin.end();
        }
        await until(() => h().store.apiKeysVersion() === undefined, 'the store to notice the lost listener');

        // Down: every request is a lookup, and a revocation is seen at once.
        const down = await h().other.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'] });
        const l0 = h().lookups();
        expect([await h().get(down.secret), await h().get(down.secret), await h().get(cached.secret)]).toEqual([200, 200, 200]);
        expect(h().lookups() - l0).toBe(3);
        await h().other.revokeApiKey(cached.key.id);
        expect(await h().get(cached.secret)).toBe(401);
        expect(h().store.apiKeysVersion()).toBeUndefined(); // all of the above ran while it was down

        // Back: a new listening connection, and one lookup for many requests again.
        await until(() => h().store.apiKeysVersion() !== undefined, 'the listener to reconnect', 15_000);
        const pids = await listenerPids();
        expect(pids).toHaveLength(1);
        expect(pids[0]).not.toBe(pid);
        const l1 = h().lookups();
        const statuses = [];
        for (let i = 0; i < 10; i++) statuses.push(await h().get(down.secret));
        expect(statuses).toEqual(Array(10).fill(200));
        expect(h().lookups() - l1).toBe(1);
        // And the new listener is the one that hears of changes.
        const v = h().store.apiKeysVersion();
        await h().other.revokeApiKey(down.key.id);
        await until(() => h().store.apiKeysVersion() !== v, 'the revocation to be notified', 5000);
        expect(h().store.apiKeysVersion()).not.toBeUndefined();
        expect(await h().get(down.secret)).toBe(401);
      }, 30_000);

      it('closing the store closes its listener', async () => {
        const store = await openSqlStore({ dataDir: '/nonexistent', databaseUrl: t().databaseUrl });
        store.apiKeysVersion();
        await until(() => store.apiKeysVersion() !== undefined, 'a second listener');
        expect(await listenerPids()).toHaveLength(2);
        await store.close();
        await until(async () => (await listenerPids()).length === 1, 'the closed store’s listener to go');
        expect(store.apiKeysVersion()).toBeUndefined();
        expect(await h().store.findApiKeyByHash(hashApiKeySecret('pk_live_nothing'), live())).toBeNull();
      });
    },
  );
});
