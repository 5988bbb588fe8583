import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlStore, StoreOpenError } from '../../src/backend/sql/store.js';
import { backendContract } from './contract.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'portal-sqlite-'));

backendContract('SQLite on disk', async () => {
  const dir = tempDir();
  const store = await openSqlStore({ dataDir: dir });
  return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('SQLite store: opening', () => {
  it('keeps its data in <dataDir>/portal.db across reopen', async () => {
    const dir = tempDir();
    try {
      const a = await openSqlStore({ dataDir: dir });
      await a.createTenant('ten_keep', 'Keep');
      await a.close();
      const b = await openSqlStore({ dataDir: dir, migrate: false });
      expect((await b.listTenants()).map((t) => t.id)).toEqual(['ten_keep']);
      expect(b.where).toBe(path.join(dir, 'portal.db'));
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with one clear line when the database file is corrupt', async () => {
    const dir = tempDir();
    try {
      writeFileSync(path.join(dir, 'portal.db'), Buffer.alloc(8192, 'garbage!'));
      const err = await openSqlStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreOpenError);
      expect((err as Error).message).toMatch(/^Cannot open the SQLite database .*portal\.db: .*not a database/);
      expect((err as Error).message).not.toContain('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with one clear line when the data dir is not a usable directory', async () => {
    const dir = tempDir();
    try {
      const notADir = path.join(dir, 'file');
      writeFileSync(notADir, 'x');
      const err = await openSqlStore({ dataDir: notADir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreOpenError);
      expect((err as Error).message).toMatch(/^Cannot use the data directory .*file \(PORTAL_DATA_DIR\): /);
      expect((err as Error).message).not.toContain('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to serve an unmigrated database when migrations at start are off', async () => {
    const dir = tempDir();
    try {
      const err = await openSqlStore({ dataDir: dir, migrate: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreOpenError);
      expect((err as Error).message).toMatch(/missing migrations \(0001_initial, 0002_api_keys_notify, 0003_usage, 0004_jobs_file_count, 0005_usage_counters\): run `npm run migrate`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
