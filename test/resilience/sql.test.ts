/**
 * The same pipeline over the real SQL store (src/backend/sql), embedded and behind the RPC tier:
 * - SQLite (demo data): every method through withResilience, and the two-tier chain with response validation,
 *   gives the same records as the store itself; a slow SQLite-backed tier answers 504 at the timeout.
 * - PostgreSQL: an attempt timeout really cancels the query on the server — a running `pg_sleep` and a query
 *   waiting on a table lock both vanish from pg_stat_activity long before they would have finished — directly
 *   and through portal → proxy → backend service → PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/port.js';
import { withResilience } from '../../src/backend/resilience.js';
import { hashApiKeySecret } from '../../src/backend/api-keys.js';
import { DEMO_API_KEYS, seedDemo } from '../../src/backend/sql/seed.js';
import { openSqlStore, type SqlStore } from '../../src/backend/sql/store.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { HttpProblem } from '../../src/http/problem.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';
import { FAST, failure, never, startTier, until } from './harness.js';

const TENANT = DEMO_API_KEYS.acme.tenantId;

/** Every read of the port, for one tenant, in a comparable shape. */
async function readAll(b: Backend) {
  const s = never();
  const contacts = await b.listContacts(TENANT, {}, { limit: 5 }, s);
  const page2 = await b.listContacts(TENANT, {}, { limit: 5, after: contacts.next! }, s);
  const jobs = await b.listJobs(TENANT, { status: 'succeeded' }, { limit: 10 }, s);
  const withFiles = jobs.items.find((j) => j.fileCount > 0)!;
  const files = await b.listJobFiles(TENANT, withFiles.id, { limit: 10 }, s);
  const file = files!.items[0]!;
  return {
    contacts,
    page2,
    contact: await b.getContact(TENANT, contacts.items[0]!.id, s),
    missing: await b.getContact(TENANT, 'con_0000000000000000000000', s),
    jobs,
    job: await b.getJob(TENANT, withFiles.id, s),
    files,
    noJobFiles: await b.listJobFiles(TENANT, 'job_0000000000000000000000', { limit: 10 }, s),
    jobFile: await b.getJobFile(TENANT, withFiles.id, file.id, s),
    file: await b.getFile(TENANT, file.id, s),
    crossTenant: await b.getFile('ten_globex', file.id, s),
    owner: await b.ownerOf('file', file.id, s),
    key: await b.findApiKeyByHash(hashApiKeySecret(DEMO_API_KEYS.acme.secret), s),
    noKey: await b.findApiKeyByHash('0'.repeat(64), s),
  };
}

describe('SQLite store through the pipeline', () => {
  let dir: string;
  let store: SqlStore;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'portal-resilience-sqlite-'));
    store = await openSqlStore({ dataDir: dir });
    await seedDemo(store, new LocalBlobStore(path.join(dir, 'blobs')));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embedded and over the RPC tier (responses validated against backend.yaml) give exactly what the store gives', async () => {
    const direct = await readAll(store);
    expect(direct.contacts.items).toHaveLength(5);
    expect(direct.missing).toBeNull();
    expect(direct.noJobFiles).toBeNull();
    expect(direct.crossTenant).toBeNull();
    expect(direct.owner).toBe(TENANT);
    expect(direct.key?.id).toBe(DEMO_API_KEYS.acme.keyId);

    // Correctness, not timing: the validator compiles each route's schemas on first use, so allow the 5 s default.
    const relaxed = { ...FAST, timeoutMs: 5000 };
    expect(await readAll(withResilience(store, relaxed))).toEqual(direct);
    const tier = await startTier(withResilience(store, relaxed), relaxed);
    try {
      expect(await readAll(tier.resilient)).toEqual(direct);
      expect(await tier.resilient.health(never())).toMatchObject({ status: 'ok' });
    } finally {
      await tier.close();
    }
  });

  it('a slow SQLite-backed tier answers 504 at the timeout (1 s), not after the upstream delay, and is not retried', async () => {
    const tier = await startTier(withResilience(store, FAST));
    try {
      tier.proxy.setFault({ kind: 'latency', ms: 3500 });
      const { error, ms } = await failure(() => tier.resilient.listJobs(TENANT, {}, { limit: 25 }, never()));
      expect(error).toBeInstanceOf(HttpProblem);
      expect((error as HttpProblem).status).toBe(504);
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(2500);
      expect(tier.proxy.seen).toHaveLength(1);
      await until(() => tier.proxy.clientCloses === 1, 2000, 'the client side to close');
    } finally {
      await tier.close();
    }
  });
});

describe.runIf(await hasPostgres())('PostgreSQL store: a timeout cancels the query on the server', () => {
  let db: { url: string; drop: () => Promise<void> };
  let store: SqlStore;
  let observer: pg.Client;
  let dir: string;

  /** Queries of other sessions in this database that are running (or waiting) and match `like`. */
  async function active(like: string): Promise<number> {
    const r = await observer.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state = 'active' and query ilike $1`,
      [like],
    );
    return r.rows[0]!.n;
  }
  async function eventually(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('portal_resilience');
    dir = mkdtempSync(path.join(os.tmpdir(), 'portal-resilience-pg-'));
    store = await openSqlStore({ dataDir: dir, databaseUrl: db.url });
    await seedDemo(store, new LocalBlobStore(path.join(dir, 'blobs')));
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer?.end();
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a running pg_sleep is cancelled server-side when the attempt times out', async () => {
    // The store's own runner (the cancellable path every read takes), asked for a 30 s sleep.
    const sleepy: Backend = { ...bindAll(store), ping: (s) => store.execute(sql`select pg_sleep(30) /* resilience-test */`.compile(store.db), s).then(() => undefined) };
    const resilient = withResilience(sleepy, { ...FAST, timeoutMs: 2000 });
    const call = failure(() => resilient.ping(never()));
    await eventually(async () => (await active('%pg_sleep(30) /* resilience-test */%')) === 1, 1800, 'pg_sleep to be running');
    const { error, ms } = await call;
    expect((error as HttpProblem).status).toBe(504);
    expect(ms).toBeLessThan(3500);
    await eventually(async () => (await active('%pg_sleep(30) /* resilience-test */%')) === 0, 3000, 'pg_sleep to be cancelled');
  });

  it('a query waiting on a lock is cancelled at the timeout — directly and through portal → proxy → backend service', async () => {
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    const tier = await startTier(withResilience(store, { ...FAST, timeoutMs: 5000 }), { timeoutMs: 2000 });
    try {
      await locker.query('begin');
      await locker.query('lock table contacts in access exclusive mode');
      const waiting = '%from "contacts"%';

      for (const [label, backend] of [['direct', withResilience(store, { ...FAST, timeoutMs: 2000 })], ['two-tier', tier.resilient]] as const) {
        const call = failure(() => backend.listContacts(TENANT, {}, { limit: 10 }, never()));
        await eventually(async () => (await active(waiting)) === 1, 1800, `${label}: the store's query to wait on the lock`);
        const { error } = await call;
        expect((error as HttpProblem).status, label).toBe(504);
        // The lock is still held: the query can only have left pg_stat_activity by being cancelled.
        await eventually(async () => (await active(waiting)) === 0, 3000, `${label}: the waiting query to be cancelled`);
      }
    } finally {
      await locker.query('rollback').catch(() => {});
      await locker.end();
      await tier.close();
    }
  });
});

/** The store's Backend methods bound to it, so a test can replace one. */
function bindAll(store: SqlStore): Backend {
  return {
    name: store.name,
    listContacts: store.listContacts.bind(store),
    getContact: store.getContact.bind(store),
    listJobs: store.listJobs.bind(store),
    getJob: store.getJob.bind(store),
    listJobFiles: store.listJobFiles.bind(store),
    getJobFile: store.getJobFile.bind(store),
    getFile: store.getFile.bind(store),
    ownerOf: store.ownerOf.bind(store),
    findApiKeyByHash: store.findApiKeyByHash.bind(store),
    getUsage: store.getUsage.bind(store),
    recordUsage: store.recordUsage.bind(store),
    ping: store.ping.bind(store),
    close: async () => {},
  };
}
