import net from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientBackendError } from '../../src/backend/port.js';
import { openSqlStore, StoreOpenError } from '../../src/backend/sql/store.js';
import type { SqlStore } from '../../src/backend/sql/store.js';
import { createTestDatabase, hasPostgres, runProcessesAtOnce } from '../support/services.js';
import { backendContract } from './contract.js';

const run = await hasPostgres();
const live = () => new AbortController().signal;

async function activeQueries(url: string, like: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query("select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1 and pid <> pg_backend_pid()", [like]);
    return r.rows[0].n as number;
  } finally {
    await c.end();
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.runIf(run)('PostgreSQL store', () => {
  backendContract('PostgreSQL', async () => {
    const db = await createTestDatabase('portal_contract');
    const store = await openSqlStore({ dataDir: '/nonexistent-unused', databaseUrl: db.url });
    return { store, cleanup: db.drop };
  });

  describe('PostgreSQL specifics', () => {
    let db: { url: string; drop: () => Promise<void> };
    let store: SqlStore;
    beforeAll(async () => {
      db = await createTestDatabase('portal_pgspec');
      store = await openSqlStore({ dataDir: '/unused', databaseUrl: db.url });
      await store.createTenant('ten_acme', 'Acme');
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it('runs migrations from several processes at once without error (advisory lock), exactly once', async () => {
      const fresh = await createTestDatabase('portal_migrate');
      try {
        const results = await runProcessesAtOnce(path.join(import.meta.dirname, 'store-process.ts'), 4, { STORE_PROCESS_TASK: 'migrate', DATABASE_URL: fresh.url });
        expect(new Set(results.map((r) => r.pid)).size).toBe(4);
        expect(results.every((r) => r.migrated === true)).toBe(true);
        const migrated = await openSqlStore({ dataDir: '/unused', databaseUrl: fresh.url, migrate: false });
        try {
          const rows = await migrated.db.selectFrom(sql.table('kysely_migration').as('m')).select(sql<string>`name`.as('name')).execute();
          expect(rows.map((r) => r.name)).toEqual(['0001_initial', '0002_api_keys_notify', '0003_usage', '0004_jobs_file_count', '0005_usage_counters']);
          await migrated.createTenant('ten_after', 'After');
          expect((await migrated.listTenants()).map((t) => t.id)).toEqual(['ten_after']);
        } finally {
          await migrated.close();
        }
      } finally {
        await fresh.drop();
      }
    });

    it('cancels a running query on the server when the signal fires (pg_sleep)', async () => {
      const ac = new AbortController();
      const reason = new Error('request timed out');
      const pending = store.execute(sql`select pg_sleep(30) as portal_sleep_probe`.compile(store.db), ac.signal);
      await until(async () => (await activeQueries(db.url, '%portal_sleep_probe%')) === 1, 'the sleep to start');
      const t0 = Date.now();
      ac.abort(reason);
      await expect(pending).rejects.toBe(reason);
      // The server stops the query itself (not merely the client giving up on it).
      await until(async () => (await activeQueries(db.url, '%portal_sleep_probe%')) === 0, 'the server to cancel the query');
      expect(Date.now() - t0).toBeLessThan(10_000);
      await expect(store.ping(live())).resolves.toBeUndefined(); // the pool is healthy afterwards
    });

    it('gives up waiting for a pool connection as soon as the signal fires', async () => {
      const tiny = await openSqlStore({ dataDir: '/unused', databaseUrl: db.url, poolSize: 1 });
      try {
        const hog = new AbortController();
        const holding = tiny.execute(sql`select pg_sleep(30) as portal_pool_hog`.compile(tiny.db), hog.signal);
        await until(async () => (await activeQueries(db.url, '%portal_pool_hog%')) === 1, 'the hog to hold the only connection');
        const waiter = new AbortController();
        const waiting = tiny.listJobs('ten_acme', {}, { limit: 5 }, waiter.signal);
        await new Promise((r) => setTimeout(r, 100));
        const reason = new Error('deadline while queued');
        waiter.abort(reason);
        // Long before the 30 s sleep ends and frees the connection.
        const stillWaiting = new Promise((r) => setTimeout(() => r('still waiting for a connection'), 5000));
        await expect(Promise.race([waiting, stillWaiting])).rejects.toBe(reason);
        hog.abort(new Error('done'));
        await expect(holding).rejects.toThrow('done');
        await until(async () => (await activeQueries(db.url, '%portal_pool_hog%')) === 0, 'the hog to be cancelled');
        expect((await tiny.listJobs('ten_acme', {}, { limit: 5 }, live())).items).toEqual([]); // the pool recovered
      } finally {
        await tiny.close();
      }
    });

    it('cancels a list call blocked on a lock when its signal fires, server-side', async () => {
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      try {
        await locker.query('begin');
        await locker.query('lock table jobs in access exclusive mode');
        const ac = new AbortController();
        const pending = store.listJobs('ten_acme', {}, { limit: 10 }, ac.signal);
        await until(async () => (await activeQueries(db.url, '%from "jobs"%')) === 1, 'the list query to wait on the lock');
        ac.abort(new Error('deadline'));
        await expect(pending).rejects.toThrow('deadline');
        await until(async () => (await activeQueries(db.url, '%from "jobs"%')) === 0, 'the server to drop the list query');
      } finally {
        await locker.query('rollback').catch(() => {});
        await locker.end();
      }
      expect((await store.listJobs('ten_acme', {}, { limit: 10 }, live())).items).toEqual([]);
    });

    it('maps a connection lost mid-flight to TransientBackendError', async () => {
      // A real TCP hop in front of PostgreSQL that we can cut: the outside world failing, over real sockets.
      const target = new URL(db.url);
      const sockets = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const proxied = new URL(db.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String((proxy.address() as net.AddressInfo).port);
      const viaProxy = await openSqlStore({ dataDir: '/unused', databaseUrl: proxied.toString(), poolSize: 1 });
      try {
        await viaProxy.ping(live());
        const pending = viaProxy.execute(sql`select pg_sleep(5)`.compile(viaProxy.db), live());
        await new Promise((r) => setTimeout(r, 200));
        for (const s of sockets) s.destroy();
        await expect(pending).rejects.toBeInstanceOf(TransientBackendError);
        proxy.close();
        await expect(viaProxy.ping(live())).rejects.toBeInstanceOf(TransientBackendError); // ECONNREFUSED now
      } finally {
        proxy.close();
        for (const s of sockets) s.destroy();
        await viaProxy.close();
      }
    });

    it('fails with one clear line, without credentials, when DATABASE_URL is unreachable', async () => {
      const err = await openSqlStore({ dataDir: '/unused', databaseUrl: 'postgres://admin:s3cretPassw0rd@127.0.0.1:1/portal' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreOpenError);
      expect((err as Error).message).toMatch(/^Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/portal \(DATABASE_URL\): .*ECONNREFUSED/);
      expect((err as Error).message).not.toContain('s3cretPassw0rd');
      expect((err as Error).message).not.toContain('\n');
    });
  });
});
