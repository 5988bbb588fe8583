import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_PATTERNS } from '../../src/backend/ids.js';
import { JOB_STATUSES } from '../../src/backend/port.js';
import type { JobRecord } from '../../src/backend/port.js';
import { seedScale } from '../../src/backend/sql/scale.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import type { SqlStore } from '../../src/backend/sql/store.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';

const live = () => new AbortController().signal;

function scaleSuite(label: string, open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>) {
  describe(`scale seed on ${label}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('creates N well-formed jobs over N/20 contacts, pageable without skips or repeats, and re-creates on rerun', async () => {
      const progress: number[] = [];
      const summary = await seedScale(store, { tenantId: 'ten_scale-test', jobs: 3001, onProgress: (done) => progress.push(done) });
      expect(summary).toMatchObject({ tenantId: 'ten_scale-test', jobs: 3001, contacts: 150 });
      expect(progress[progress.length - 1]).toBe(3001);

      const seen: JobRecord[] = [];
      let page = await store.listJobs('ten_scale-test', {}, { limit: 100 }, live());
      seen.push(...page.items);
      while (page.next) {
        page = await store.listJobs('ten_scale-test', {}, { limit: 100, after: page.next }, live());
        seen.push(...page.items);
      }
      expect(seen).toHaveLength(3001);
      expect(new Set(seen.map((j) => j.id)).size).toBe(3001);
      expect(new Set(seen.map((j) => j.status))).toEqual(new Set(JOB_STATUSES));
      for (const j of seen) {
        expect(j.id).toMatch(ID_PATTERNS.job);
        expect(j.contactId).toMatch(ID_PATTERNS.con);
        if (j.status === 'queued') expect([j.progress, j.startedAt, j.completedAt]).toEqual([0, null, null]);
        if (j.status === 'running') expect(j.startedAt !== null && j.completedAt === null).toBe(true);
        if (j.status === 'succeeded') expect([j.progress, j.completedAt !== null]).toEqual([100, true]);
        if (j.status === 'failed' || j.status === 'cancelled') expect(j.completedAt).not.toBeNull();
      }
      expect(await store.getContact('ten_scale-test', seen[0]!.contactId, live())).not.toBeNull();

      await seedScale(store, { tenantId: 'ten_scale-test', jobs: 500 });
      const again = await store.listJobs('ten_scale-test', { status: 'queued' }, { limit: 100 }, live());
      expect(again.items).toHaveLength(25); // 500 jobs, every 20th queued: the old rows are gone
    });
  });
}

scaleSuite('SQLite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'portal-scale-'));
  return { store: await openSqlStore({ dataDir: dir }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe.runIf(await hasPostgres())('PostgreSQL', () => {
  scaleSuite('PostgreSQL', async () => {
    const db = await createTestDatabase('portal_scale');
    return { store: await openSqlStore({ dataDir: '/unused', databaseUrl: db.url }), cleanup: db.drop };
  });
});
