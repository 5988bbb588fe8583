/**
 * Seeds a store through the seed API (the same code as `npm run seed`), in-process: the demo tenants with their
 * blobs, and optionally a synthetic tenant with N jobs for list-latency runs.
 */
import path from 'node:path';
import { API_KEY_SCOPES } from '../../src/backend/api-keys.js';
import { seedScale } from '../../src/backend/sql/scale.js';
import { seedDemo } from '../../src/backend/sql/seed.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { LocalBlobStore } from '../../src/files/local.js';

export interface SeedTarget {
  /** Local blobs go to `<dataDir>/blobs`; SQLite lives here too unless `databaseUrl` is set. */
  dataDir: string;
  databaseUrl?: string;
}

export async function seedDemoData(target: SeedTarget): Promise<void> {
  const store = await openSqlStore({ dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrate: true });
  try {
    await seedDemo(store, new LocalBlobStore(path.join(target.dataDir, 'blobs')));
  } finally {
    await store.close();
  }
}

/** Seeds `tenantId` with `jobs` jobs and returns a fresh all-scopes API key for it. */
export async function seedScaleTenant(target: SeedTarget, jobs: number, tenantId: string, onProgress?: (done: number, total: number) => void): Promise<string> {
  const store = await openSqlStore({ dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrate: true });
  try {
    await seedScale(store, { jobs, tenantId, onProgress });
    const { secret } = await store.createApiKey({ tenantId, scopes: [...API_KEY_SCOPES], name: 'bench' });
    return secret;
  } finally {
    await store.close();
  }
}
