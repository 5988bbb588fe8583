/**
 * THE backend contract: one suite, run unchanged against every SQL store (SQLite on disk, PostgreSQL). A factory
 * gives each run a fresh, empty, migrated store.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Backend, Keyset, Page, StatusClass, UsageIncrement } from '../../src/backend/port.js';
import { JOB_STATUSES } from '../../src/backend/port.js';
import { hashApiKeySecret } from '../../src/backend/api-keys.js';
import type { SqlStore } from '../../src/backend/sql/store.js';
import { byKeysetDesc, HOUR, insertFixture, T0 } from './fixtures.js';
import type { Fixture } from './fixtures.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const live = () => new AbortController().signal;

async function walk<T extends { id: string }>(fetch: (after: Keyset | undefined) => Promise<Page<T> | null>): Promise<T[]> {
  const out: T[] = [];
  let after: Keyset | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetch(after);
    if (!page) throw new Error('page was null');
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
  throw new Error('pagination did not end');
}

export function backendContract(label: string, open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>): void {
  describe(`backend contract: ${label}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let acme: Fixture;
    let globex: Fixture;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      acme = await insertFixture(store, 'ten_acme', 'Acme Analytics', 'contract-acme');
      globex = await insertFixture(store, 'ten_globex', 'Globex Corporation', 'contract-globex');
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('is named sql and answers ping', async () => {
      expect(store.name).toBe('sql');
      await expect(store.ping(live())).resolves.toBeUndefined();
    });

    it('lists jobs newest first with id tie-breaks, in pages that neither skip nor repeat', async () => {
      for (const limit of [1, 5, 7, 100]) {
        const all = await walk((after) => store.listJobs('ten_acme', {}, { limit, after }, live()));
        expect(all.map((j) => j.id)).toEqual(byKeysetDesc(acme.jobs).map((j) => j.id));
      }
    });

    it('returns records in the documented shape with ISO-8601 millisecond timestamps', async () => {
      const { items } = await store.listJobs('ten_acme', {}, { limit: 100 }, live());
      for (const j of items) {
        const fx = acme.jobs.find((x) => x.id === j.id)!;
        expect(j.createdAt).toMatch(ISO);
        expect(Date.parse(j.createdAt)).toBe(fx.created);
        expect(j.updatedAt).toBe(new Date(fx.updated).toISOString());
        expect(j.status).toBe(fx.status);
        expect(j.contactId).toBe(fx.contactId);
        expect(j.startedAt === null).toBe(fx.status === 'queued');
        if (j.startedAt) expect(j.startedAt).toMatch(ISO);
        expect(j.fileCount).toBe(fx.files.length);
      }
      const contact = await store.getContact('ten_acme', acme.contacts[1]!.id, live());
      expect(contact).toEqual({
        id: acme.contacts[1]!.id, name: acme.contacts[1]!.name, email: acme.contacts[1]!.email, phone: '+44 20 7946 0000',
        company: 'Initech', role: null, createdAt: new Date(acme.contacts[1]!.created).toISOString(),
        updatedAt: new Date(acme.contacts[1]!.updated).toISOString(),
      });
    });

    it('keeps pages consistent while rows are inserted between requests', async () => {
      const cid = acme.contacts[0]!.id;
      const first = await store.listJobs('ten_acme', {}, { limit: 10 }, live());
      const cursor = first.next!;
      const cursorMs = Date.parse(cursor.createdAt);
      // Newer than everything (belongs before the cursor), older than everything (after it), and two rows sharing
      // the cursor's created_at with ids on both sides of the cursor's id.
      const extra = [
        { id: 'job_zzzzzzzzzzzzzzzzzzzzz1', created: T0 + 1000 * HOUR },
        { id: 'job_0000000000000000000001', created: T0 - 1000 * HOUR },
        { id: 'job_zzzzzzzzzzzzzzzzzzzzz2', created: cursorMs },
        { id: 'job_0000000000000000000002', created: cursorMs },
      ];
      await store.insertJobs(extra.map((e) => ({
        id: e.id, tenant_id: 'ten_acme', contact_id: cid, title: 'Inserted later', status: 'queued', progress: 0,
        created_at: e.created, updated_at: e.created, started_at: null, completed_at: null,
      })));
      try {
        const rest = await walk((after) => store.listJobs('ten_acme', {}, { limit: 10, after: after ?? cursor }, live()));
        const seen = [...first.items, ...rest].map((j) => j.id);
        expect(new Set(seen).size).toBe(seen.length); // no repeats
        for (const j of acme.jobs) expect(seen).toContain(j.id); // no skips
        expect(seen).toContain('job_0000000000000000000001');
        expect(seen).toContain('job_0000000000000000000002');
        expect(seen).not.toContain('job_zzzzzzzzzzzzzzzzzzzzz1');
        expect(seen).not.toContain('job_zzzzzzzzzzzzzzzzzzzzz2');
      } finally {
        await store.db.deleteFrom('jobs').where('id', 'in', extra.map((e) => e.id)).execute();
      }
    });

    it('filters jobs by status, contact and updatedSince in SQL, also across pages', async () => {
      for (const status of JOB_STATUSES) {
        const got = await walk((after) => store.listJobs('ten_acme', { status }, { limit: 3, after }, live()));
        expect(got.map((j) => j.id)).toEqual(byKeysetDesc(acme.jobs.filter((j) => j.status === status)).map((j) => j.id));
      }
      const contactId = acme.contacts[2]!.id;
      const byContact = await walk((after) => store.listJobs('ten_acme', { contactId }, { limit: 4, after }, live()));
      expect(byContact.map((j) => j.id)).toEqual(byKeysetDesc(acme.jobs.filter((j) => j.contactId === contactId)).map((j) => j.id));
      expect(byContact.length).toBeGreaterThan(0);

      const since = acme.jobs[20]!.updated;
      const updated = await walk((after) => store.listJobs('ten_acme', { updatedSince: new Date(since).toISOString() }, { limit: 4, after }, live()));
      expect(updated.map((j) => j.id)).toEqual(byKeysetDesc(acme.jobs.filter((j) => j.updated >= since)).map((j) => j.id));

      const combined = await store.listJobs('ten_acme', { status: 'failed', contactId: acme.contacts[3]!.id, updatedSince: new Date(T0).toISOString() }, { limit: 100 }, live());
      expect(combined.items.map((j) => j.id)).toEqual(
        byKeysetDesc(acme.jobs.filter((j) => j.status === 'failed' && j.contactId === acme.contacts[3]!.id)).map((j) => j.id),
      );
      expect(combined.items.length).toBeGreaterThan(0);
    });

    it('filters contacts by q (case-insensitive, name or email, wildcards literal) and updatedSince', async () => {
      const names = async (q: string) => (await walk((after) => store.listContacts('ten_acme', { q }, { limit: 2, after }, live()))).map((c) => c.name);
      expect(await names('PERSON 1')).toEqual(expect.arrayContaining(['acme Person 10', 'acme Person 11']));
      expect((await names('PERSON 1')).sort()).toEqual(['acme Person 10', 'acme Person 11']);
      expect(await names('person7@ACME')).toEqual(['acme Person 7']);
      expect(await names('%')).toEqual(['Zoë 100% Sure']);
      expect(await names('_')).toEqual(['Under_Score Ltd']);
      expect(await names('\\')).toEqual(['Back\\slash Co']);
      expect(await names('n_1')).toEqual([]); // as a wildcard, _ would match 'Person 1…'
      expect(await names('0%s')).toEqual([]); // as a wildcard, % would match '100% Sure'
      expect(await names('nobody-matches-this')).toEqual([]);

      const since = acme.contacts[6]!.updated;
      const recent = await walk((after) => store.listContacts('ten_acme', { updatedSince: new Date(since).toISOString() }, { limit: 3, after }, live()));
      expect(recent.map((c) => c.id)).toEqual(byKeysetDesc(acme.contacts.filter((c) => c.updated >= since)).map((c) => c.id));
      const all = await walk((after) => store.listContacts('ten_acme', {}, { limit: 5, after }, live()));
      expect(all.map((c) => c.id)).toEqual(byKeysetDesc(acme.contacts).map((c) => c.id));
    });

    it('lists and gets job files, counts them, and returns null for a job it does not have', async () => {
      const job = acme.jobs.find((j) => j.files.length === 3)!;
      const files = await walk((after) => store.listJobFiles('ten_acme', job.id, { limit: 2, after }, live()));
      expect(files.map((f) => f.id)).toEqual(byKeysetDesc(acme.files.filter((f) => f.jobId === job.id)).map((f) => f.id));
      const f = files[0]!;
      expect(f).toMatchObject({ tenantId: 'ten_acme', jobId: job.id, contentType: 'text/csv', blobKey: `ten_acme/${job.id}/${f.id}` });
      expect(f.sha256).toBe(createHash('sha256').update(f.id).digest('hex'));
      expect(f.createdAt).toMatch(ISO);
      expect(await store.getJobFile('ten_acme', job.id, f.id, live())).toEqual(f);
      expect(await store.getFile('ten_acme', f.id, live())).toEqual(f);
      const empty = acme.jobs.find((j) => j.files.length === 0)!;
      expect(await store.listJobFiles('ten_acme', empty.id, { limit: 10 }, live())).toEqual({ items: [], next: null });
      expect((await store.getJob('ten_acme', empty.id, live()))?.fileCount).toBe(0);
      expect((await store.getJob('ten_acme', job.id, live()))?.fileCount).toBe(3);
      expect(await store.listJobFiles('ten_acme', 'job_0000000000000000000000', { limit: 10 }, live())).toBeNull();
      expect(await store.getJobFile('ten_acme', empty.id, f.id, live())).toBeNull(); // file exists, but not on that job
    });

    it('never lets globex read an acme row through any method, filter or keyset', async () => {
      const s = live();
      for (const c of acme.contacts) expect(await store.getContact('ten_globex', c.id, s)).toBeNull();
      for (const j of acme.jobs) {
        expect(await store.getJob('ten_globex', j.id, s)).toBeNull();
        expect(await store.listJobFiles('ten_globex', j.id, { limit: 100 }, s)).toBeNull();
      }
      for (const f of acme.files) {
        expect(await store.getFile('ten_globex', f.id, s)).toBeNull();
        expect(await store.getJobFile('ten_globex', f.jobId, f.id, s)).toBeNull();
      }
      const acmeIds = new Set([...acme.contacts, ...acme.jobs, ...acme.files].map((r) => r.id));
      const globexLists = [
        ...(await walk((after) => store.listJobs('ten_globex', {}, { limit: 100, after }, s))),
        ...(await walk((after) => store.listJobs('ten_globex', { contactId: acme.contacts[0]!.id }, { limit: 100, after }, s))),
        ...(await walk((after) => store.listContacts('ten_globex', { q: 'acme' }, { limit: 100, after }, s))),
        ...(await walk((after) => store.listContacts('ten_globex', { q: '%' }, { limit: 100, after }, s))),
        // A keyset taken from acme's list only positions globex's own list.
        ...(await store.listJobs('ten_globex', {}, { limit: 100, after: { createdAt: new Date(T0 + 100 * HOUR).toISOString(), id: acme.jobs[0]!.id } }, s)).items,
      ];
      for (const r of globexLists) expect(acmeIds.has(r.id)).toBe(false);
      expect((await store.listJobs('ten_globex', {}, { limit: 100 }, s)).items.map((j) => j.id).sort()).toEqual(globex.jobs.map((j) => j.id).sort());
      expect(await store.listJobs('ten_nobody', {}, { limit: 100 }, s)).toEqual({ items: [], next: null });
    });

    it('keeps fileCount exact through file inserts, deletes (also cascaded), moves, and a re-run of its migration', async () => {
      const s = live();
      const fx = await insertFixture(store, 'ten_filecount', 'File counts', 'contract-filecount');
      // The truth, counted from files; and what the lists and gets answer.
      const counted = async () => {
        const rows = await store.db.selectFrom('jobs as j').where('j.tenant_id', '=', fx.tenantId)
          .select((eb) => ['j.id', eb.selectFrom('files as f').select(eb.fn.countAll<number>().as('n')).whereRef('f.tenant_id', '=', 'j.tenant_id').whereRef('f.job_id', '=', 'j.id').as('n')])
          .execute();
        return Object.fromEntries(rows.map((r) => [r.id, Number(r.n)]));
      };
      const listed = async () => Object.fromEntries((await walk((after) => store.listJobs(fx.tenantId, {}, { limit: 7, after }, s))).map((j) => [j.id, j.fileCount]));
      try {
        expect(await listed()).toEqual(Object.fromEntries(fx.jobs.map((j) => [j.id, j.files.length])));
        const [a, b] = fx.jobs.filter((j) => j.files.length === 3);
        const gone = fx.jobs.find((j) => j.files.length === 2)!;
        await store.db.deleteFrom('files').where('id', '=', a!.files[0]!).execute();
        await store.db.updateTable('files').set({ job_id: b!.id }).where('id', '=', a!.files[1]!).execute();
        await store.db.deleteFrom('jobs').where('id', '=', gone.id).execute(); // its files go by ON DELETE CASCADE
        const now = await counted();
        expect([now[a!.id], now[b!.id], now[gone.id]]).toEqual([1, 4, undefined]);
        expect(await listed()).toEqual(now);
        expect((await store.getJob(fx.tenantId, b!.id, s))?.fileCount).toBe(4);

        // The migration's backfill: down to before it (column and triggers gone), then up again from the files.
        const { Migrator } = await import('kysely/migration');
        const { MIGRATIONS, migrateToLatest } = await import('../../src/backend/sql/migrations.js');
        const down = await new Migrator({ db: store.db, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo('0003_usage');
        expect(down.error).toBeUndefined();
        await expect(migrateToLatest(store.db, store.dialect)).resolves.toEqual({ applied: ['0004_jobs_file_count', '0005_usage_counters'] });
        expect(await listed()).toEqual(now);
        expect((await store.listJobs('ten_acme', {}, { limit: 100 }, s)).items.map((j) => j.fileCount)).toEqual(byKeysetDesc(acme.jobs).map((j) => j.files.length));
      } finally {
        await store.deleteTenant(fx.tenantId);
      }
    });

    it('keeps every usage count through the move to one row per operation (0005) and back', async () => {
      const tenantId = 'ten_contract-usage';
      const inc = (day: string, operationId: string, statusClass: StatusClass, requests: number, rateLimited = 0, bytes = 0): UsageIncrement => ({ tenantId, day, operationId, statusClass, requests, rateLimited, bytes });
      await store.recordUsage(
        [inc('2026-01-31', 'listJobs', '2xx', 7), inc('2026-01-31', 'listJobs', '4xx', 5, 3), inc('2026-01-31', 'downloadFile', '2xx', 2, 0, 4096), inc('2026-02-01', 'getJob', '5xx', 1), inc('2026-02-01', 'listJobs', '3xx', 4)],
        live(),
      );
      // A second flush adds to the same rows; classes of one operation and day in one batch share a row.
      await store.recordUsage([inc('2026-01-31', 'listJobs', '2xx', 1), inc('2026-01-31', 'listJobs', '4xx', 1, 1)], live());
      const read = async () => ({
        day: await store.getUsage(tenantId, { from: '2026-01-01', to: '2026-02-28', granularity: 'day' }, live()),
        month: await store.getUsage(tenantId, { from: '2026-01-01', to: '2026-02-28', granularity: 'month' }, live()),
      });
      const classes = (c2: number, c3: number, c4: number, c5: number) => ({ '2xx': c2, '3xx': c3, '4xx': c4, '5xx': c5 });
      const before = await read();
      expect(before.day).toEqual([
        { period: '2026-01-31', operationId: 'downloadFile', statusClasses: classes(2, 0, 0, 0), rateLimited: 0, bytes: 4096 },
        { period: '2026-01-31', operationId: 'listJobs', statusClasses: classes(8, 0, 6, 0), rateLimited: 4, bytes: 0 },
        { period: '2026-02-01', operationId: 'getJob', statusClasses: classes(0, 0, 0, 1), rateLimited: 0, bytes: 0 },
        { period: '2026-02-01', operationId: 'listJobs', statusClasses: classes(0, 4, 0, 0), rateLimited: 0, bytes: 0 },
      ]);
      expect(before.month.map((r) => [r.period, r.operationId, r.statusClasses, r.rateLimited])).toEqual([
        ['2026-01-01', 'downloadFile', classes(2, 0, 0, 0), 0],
        ['2026-01-01', 'listJobs', classes(8, 0, 6, 0), 4],
        ['2026-02-01', 'getJob', classes(0, 0, 0, 1), 0],
        ['2026-02-01', 'listJobs', classes(0, 4, 0, 0), 0],
      ]);
      try {
        const { Migrator } = await import('kysely/migration');
        const { MIGRATIONS, migrateToLatest } = await import('../../src/backend/sql/migrations.js');
        const down = await new Migrator({ db: store.db, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo('0004_jobs_file_count');
        expect(down.error).toBeUndefined();
        // Back in 0003's shape: one row per status class with requests, the 429s with the 4xx, the bytes with the 2xx.
        const old = await sql<{ day: string; operation_id: string; status_class: string; requests: number | string; rate_limited: number | string; bytes: number | string }>`
          select day, operation_id, status_class, requests, rate_limited, bytes from usage_daily where tenant_id = ${tenantId} order by day, operation_id, status_class`.execute(store.db);
        expect(old.rows.map((r) => [r.day, r.operation_id, r.status_class, Number(r.requests), Number(r.rate_limited), Number(r.bytes)])).toEqual([
          ['2026-01-31', 'downloadFile', '2xx', 2, 0, 4096],
          ['2026-01-31', 'listJobs', '2xx', 8, 0, 0],
          ['2026-01-31', 'listJobs', '4xx', 6, 4, 0],
          ['2026-02-01', 'getJob', '5xx', 1, 0, 0],
          ['2026-02-01', 'listJobs', '3xx', 4, 0, 0],
        ]);
        await expect(migrateToLatest(store.db, store.dialect)).resolves.toEqual({ applied: ['0005_usage_counters'] });
        expect(await read()).toEqual(before);
      } finally {
        // deleteTenant removes a tenant's usage also when no tenant row exists (this one has none).
        await store.deleteTenant(tenantId);
      }
    });

    it('tells which tenant owns an id (ownerOf), or null', async () => {
      expect(await store.ownerOf('contact', acme.contacts[0]!.id, live())).toBe('ten_acme');
      expect(await store.ownerOf('job', globex.jobs[0]!.id, live())).toBe('ten_globex');
      expect(await store.ownerOf('file', acme.files[0]!.id, live())).toBe('ten_acme');
      expect(await store.ownerOf('job', acme.contacts[0]!.id, live())).toBeNull(); // wrong kind
      expect(await store.ownerOf('file', 'fil_0000000000000000000000', live())).toBeNull();
    });

    it('finds API keys by the SHA-256 of their secret, never storing or listing the secret', async () => {
      const { key, secret } = await store.createApiKey({ tenantId: 'ten_acme', scopes: ['jobs:read', 'files:read'], name: 'ci' });
      expect(secret).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
      const found = await store.findApiKeyByHash(createHash('sha256').update(secret).digest('hex'), live());
      expect(found).toEqual({ id: key.id, tenantId: 'ten_acme', name: 'ci', scopes: ['jobs:read', 'files:read'], createdAt: key.createdAt, revokedAt: null });
      expect(await store.findApiKeyByHash(hashApiKeySecret(`${secret}x`), live())).toBeNull();
      const listed = JSON.stringify(await store.listApiKeys('ten_acme'));
      expect(listed).toContain(key.id);
      expect(listed).not.toContain(secret);
      expect(listed).not.toContain(hashApiKeySecret(secret));
      const raw = JSON.stringify(await store.db.selectFrom('api_keys').selectAll().execute());
      expect(raw).not.toContain(secret);
      expect(await store.listApiKeys('ten_globex')).toEqual([]);

      const revoked = await store.revokeApiKey(key.id);
      expect(revoked?.revokedAt).toMatch(ISO);
      expect((await store.findApiKeyByHash(hashApiKeySecret(secret), live()))?.revokedAt).toBe(revoked?.revokedAt);
      expect((await store.revokeApiKey(key.id, Date.now() + 5000))?.revokedAt).toBe(revoked?.revokedAt); // first revocation sticks
      expect(await store.revokeApiKey('key_0000000000000000000000')).toBeNull();
      await expect(store.createApiKey({ tenantId: 'ten_nobody', scopes: ['jobs:read'] })).rejects.toThrow(/Unknown tenant/);
      await expect(store.createApiKey({ tenantId: 'ten_acme', scopes: ['admin'] })).rejects.toThrow(/Unknown scope/);
      await expect(store.createTenant('ten_acme', 'again')).rejects.toThrow(/already exists/);
      await expect(store.createTenant('acme', 'bad id')).rejects.toThrow(/Invalid tenant id/);
    });

    it('rejects every call with the reason when the signal is already aborted', async () => {
      const ac = new AbortController();
      const reason = new Error('client went away');
      ac.abort(reason);
      const b: Backend = store;
      const calls = [
        () => b.listContacts('ten_acme', {}, { limit: 5 }, ac.signal),
        () => b.getContact('ten_acme', acme.contacts[0]!.id, ac.signal),
        () => b.listJobs('ten_acme', {}, { limit: 5 }, ac.signal),
        () => b.getJob('ten_acme', acme.jobs[0]!.id, ac.signal),
        () => b.listJobFiles('ten_acme', acme.jobs[3]!.id, { limit: 5 }, ac.signal),
        () => b.getJobFile('ten_acme', acme.files[0]!.jobId, acme.files[0]!.id, ac.signal),
        () => b.getFile('ten_acme', acme.files[0]!.id, ac.signal),
        () => b.ownerOf('job', acme.jobs[0]!.id, ac.signal),
        () => b.findApiKeyByHash('0'.repeat(64), ac.signal),
        () => b.ping(ac.signal),
      ];
      for (const call of calls) await expect(call()).rejects.toBe(reason);
    });

    it('is unchanged by running the migrations again', async () => {
      const { migrateToLatest } = await import('../../src/backend/sql/migrations.js');
      await expect(migrateToLatest(store.db, store.dialect)).resolves.toEqual({ applied: [] });
      expect((await store.listJobs('ten_acme', {}, { limit: 100 }, live())).items.length).toBe(acme.jobs.length);
      expect((await store.listTenants()).map((t) => t.id)).toEqual(['ten_acme', 'ten_globex']);
    });
  });
}
