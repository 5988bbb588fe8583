/**
 * Seeds the demo data once per test run into a temp data dir (SQLite on disk + blob files); suites that only read
 * share it through `inject('seededDataDir')`. Suites that write make their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { seedDemo } from '../../src/backend/sql/seed.js';
import { LocalBlobStore } from '../../src/files/local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    seededDataDir: string;
  }
}

export async function seedInto(dir: string): Promise<void> {
  const store = await openSqlStore({ dataDir: dir });
  try {
    await seedDemo(store, new LocalBlobStore(path.join(dir, 'blobs')));
  } finally {
    await store.close();
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-seeded-'));
  await seedInto(dir);
  project.provide('seededDataDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
