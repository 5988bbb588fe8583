import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../../src/backend/port.js';
import type { FileRecord, JobRecord } from '../../src/backend/port.js';
import { hashApiKeySecret } from '../../src/backend/api-keys.js';
import { DEMO_API_KEYS, DEMO_CLOCK, DEMO_TENANTS, seedDemo, seedDemoIfEmpty } from '../../src/backend/sql/seed.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import type { SqlStore } from '../../src/backend/sql/store.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { createTestDatabase, hasPostgres, runProcessesAtOnce } from '../support/services.js';

const live = () => new AbortController().signal;

async function allJobs(store: SqlStore, tenantId: string): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  let page = await store.listJobs(tenantId, {}, { limit: 100 }, live());
  out.push(...page.items);
  while (page.next) {
    page = await store.listJobs(tenantId, {}, { limit: 100, after: page.next }, live());
    out.push(...page.items);
  }
  return out;
}

function seedSuite(label: string, databaseUrl: () => string | undefined) {
  describe(`demo seed on ${label}`, () => {
    let dir: string;
    let store: SqlStore;
    let blobs: LocalBlobStore;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'portal-seed-'));
      store = await openSqlStore({ dataDir: dir, databaseUrl: databaseUrl() });
      blobs = new LocalBlobStore(path.join(dir, 'blobs'));
      expect(await seedDemoIfEmpty(store, blobs)).not.toBeNull();
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates acme and globex with ≥ 50 contacts and ≥ 200 jobs in every status, with coherent timestamps', async () => {
      expect(await store.listTenants()).toEqual([
        expect.objectContaining({ id: 'ten_acme', name: 'Acme Analytics' }),
        expect.objectContaining({ id: 'ten_globex', name: 'Globex Corporation' }),
      ]);
      for (const t of DEMO_TENANTS) {
        const contacts = await store.listContacts(t.id, {}, { limit: 100 }, live());
        expect(contacts.items.length).toBeGreaterThanOrEqual(50);
        const jobs = await allJobs(store, t.id);
        expect(jobs.length).toBeGreaterThanOrEqual(200);
        expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(JOB_STATUSES));
        for (const j of jobs) {
          const ms = (s: string | null) => (s === null ? null : Date.parse(s));
          if (j.status === 'queued') expect([j.progress, j.startedAt, j.completedAt]).toEqual([0, null, null]);
          if (j.status === 'running') expect(j.startedAt !== null && j.completedAt === null && j.progress > 0 && j.progress < 100).toBe(true);
          if (j.status === 'succeeded') expect(j.progress === 100 && j.startedAt !== null && j.completedAt !== null).toBe(true);
          if (j.status === 'failed' || j.status === 'cancelled') expect(j.completedAt).not.toBeNull();
          if (j.startedAt) expect(ms(j.startedAt)!).toBeGreaterThanOrEqual(ms(j.createdAt)!);
          if (j.completedAt) expect(ms(j.completedAt)!).toBeGreaterThanOrEqual(ms(j.startedAt) ?? ms(j.createdAt)!);
          expect(ms(j.updatedAt)!).toBeGreaterThanOrEqual(ms(j.createdAt)!);
          for (const t of [j.createdAt, j.updatedAt, j.startedAt, j.completedAt]) if (t) expect(ms(t)!).toBeLessThanOrEqual(DEMO_CLOCK);
          if (j.status !== 'succeeded' && j.status !== 'failed') expect(j.fileCount).toBe(0);
          expect((await store.getContact(t.id, j.contactId, live()))?.id).toBe(j.contactId);
        }
        expect(jobs.filter((j) => j.status === 'succeeded').every((j) => j.fileCount >= 1)).toBe(true);
        expect(jobs.some((j) => j.status === 'failed' && j.fileCount > 0)).toBe(true);
      }
    });

    it('stores files whose bytes exist in the blob store with the recorded size and sha256', async () => {
      const files: FileRecord[] = [];
      for (const t of DEMO_TENANTS) {
        for (const j of (await allJobs(store, t.id)).filter((x) => x.fileCount > 0)) {
          files.push(...(await store.listJobFiles(t.id, j.id, { limit: 100 }, live()))!.items);
        }
      }
      const types = new Set(files.map((f) => f.contentType));
      expect(types).toEqual(new Set(['text/csv', 'application/pdf', 'text/plain']));
      expect(Math.max(...files.map((f) => f.size))).toBeGreaterThan(1_000_000);
      expect(Math.min(...files.map((f) => f.size))).toBeGreaterThan(1_000);
      for (const f of files) {
        const bytes = await buffer(await blobs.read(f.blobKey));
        expect(bytes.length).toBe(f.size);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
        if (f.contentType === 'application/pdf') {
          expect(bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
          expect(bytes.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
        }
      }
    });

    it('creates the well-known demo keys with every scope the contract names', async () => {
      for (const k of Object.values(DEMO_API_KEYS)) {
        const found = await store.findApiKeyByHash(hashApiKeySecret(k.secret), live());
        expect(found).toMatchObject({ id: k.keyId, tenantId: k.tenantId, scopes: ['contacts:read', 'jobs:read', 'files:read', 'usage:read'], revokedAt: null });
      }
    });

    it('is deterministic and re-creatable: seeding again yields the same rows; seedDemoIfEmpty leaves data alone', async () => {
      const before = await allJobs(store, 'ten_acme');
      expect(await seedDemoIfEmpty(store, blobs)).toBeNull();
      await store.revokeApiKey(DEMO_API_KEYS.acme.keyId);
      const summary = await seedDemo(store, blobs);
      expect(summary.tenants).toBe(2);
      expect(await allJobs(store, 'ten_acme')).toEqual(before);
      expect((await store.findApiKeyByHash(hashApiKeySecret(DEMO_API_KEYS.acme.secret), live()))?.revokedAt).toBeNull();
    });
  });
}

seedSuite('SQLite', () => undefined);

describe.runIf(await hasPostgres())('PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    db = await createTestDatabase('portal_seed');
  });
  afterAll(async () => db?.drop());
  seedSuite('PostgreSQL', () => db!.url);

  it('seeds exactly once when several replicas (processes) start together on an empty database', async () => {
    const fresh = await createTestDatabase('portal_seedrace');
    const dir = mkdtempSync(path.join(tmpdir(), 'portal-seedrace-'));
    try {
      const results = await runProcessesAtOnce(path.join(import.meta.dirname, 'store-process.ts'), 3, {
        STORE_PROCESS_TASK: 'seed',
        DATABASE_URL: fresh.url,
        PORTAL_DATA_DIR: dir,
      });
      expect(new Set(results.map((r) => r.pid)).size).toBe(3);
      expect(results.filter((r) => r.seeded === true)).toHaveLength(1);
      const store = await openSqlStore({ dataDir: dir, databaseUrl: fresh.url });
      try {
        expect((await store.listTenants()).map((t) => t.id)).toEqual(['ten_acme', 'ten_globex']);
      } finally {
        await store.close();
      }
    } finally {
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
