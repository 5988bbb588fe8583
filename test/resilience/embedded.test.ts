/**
 * The embedded pipeline (issue 15, decision 1) over a real SQLite file and the real app: bulkhead and retry on
 * SQLITE_BUSY, no per-attempt timeout, no circuit breaker; PostgreSQL keeps the networked pipeline.
 *
 * The lock: a second better-sqlite3 connection holds BEGIN EXCLUSIVE. In WAL mode (the store's default) no other
 * connection can lock an open reader out (a WAL reader holds the shared-memory lock from its first read on), so a
 * reader meets SQLITE_BUSY only in rarer states (WAL recovery after a crash, a file left in the rollback journal).
 * The file is put in the rollback journal here so that BEGIN EXCLUSIVE really locks the store's reads out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { withResilience, type ResilientBackend } from '../../src/backend/resilience.js';
import { openSqlStore, type SqlStore } from '../../src/backend/sql/store.js';
import { loadConfig } from '../../src/config.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { parseExposition } from '../../src/observability/exposition.js';
import { openDependencies } from '../../src/runtime/dependencies.js';
import { ACME_KEY, LogCapture } from '../support/app.js';
import { seedInto } from '../support/global-setup.js';
import { createTestDatabase, hasPostgres } from '../support/services.js';

let dir: string;
let store: SqlStore;
let backend: ResilientBackend;
let server: Server;
let url: string;
const withPostgres = await hasPostgres();
const retries: string[] = [];
const states: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'portal-embedded-'));
  await seedInto(dir);
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: dir,
    PORTAL_SEED_DEMO: 'false',
    PORTAL_PUBLIC_URL: url,
    PORTAL_BACKEND_MAX_RETRIES: '3',
    PORTAL_BACKEND_RETRY_BASE_MS: '20',
    PORTAL_BACKEND_RETRY_MAX_MS: '200',
    PORTAL_BREAKER_FAILURES: '2',
    PORTAL_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'silent',
  });
  store = await openSqlStore({ dataDir: dir, migrate: false });
  store.sqlite!.pragma('journal_mode = DELETE');
  // As openDependencies does for a serving process.
  store.setBusyTimeout(0);
  backend = withResilience(store, config.backend, { onRetry: (op) => retries.push(op), onBreakerStateChange: (s) => states.push(s) });
  const app = createApp({ config, backend, blobs: new LocalBlobStore(path.join(dir, 'blobs')), logger: createLogger({ level: 'silent' }, new LogCapture()) });
  server.on('request', app);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A second connection to the same file holding an exclusive lock until released. */
function lockFile(): { release(): void } {
  const other = new SQLite(path.join(dir, 'portal.db'), { timeout: 0 });
  other.exec('BEGIN EXCLUSIVE');
  return {
    release: () => {
      if (other.inTransaction) other.exec('COMMIT');
      other.close();
    },
  };
}

const getJobs = () => fetch(`${url}/v1/jobs?limit=5`, { headers: { Authorization: `Bearer ${ACME_KEY}` } });

describe('the embedded pipeline over a locked SQLite file', () => {
  it('is the pipeline of the SQLite store, without a circuit', () => {
    expect(store.inProcess).toBe(true);
    expect(backend.pipeline).toBe('embedded');
    expect(backend.circuitState()).toBe('closed');
  });

  it('a lock released while the request backs off → SQLITE_BUSY is retried off the event loop and the request answers 200', async () => {
    expect((await getJobs()).status).toBe(200); // warm: the validator compiles the route on first use
    retries.length = 0;
    const lock = lockFile();
    // This timer can only fire if the store's reads do not block the thread while the lock is held.
    setTimeout(() => lock.release(), 60);
    const res = await getJobs();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(5);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.every((op) => op === 'listJobs' || op === 'findApiKeyByHash')).toBe(true);
  });

  it('a lock held past the retry budget → 503 problem+json with Retry-After; repeated failures open no circuit', async () => {
    const lock = lockFile();
    try {
      // More consecutive failures than PORTAL_BREAKER_FAILURES (2): a networked pipeline would now refuse at once.
      for (let i = 0; i < 3; i++) {
        const res = await getJobs();
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(await res.json()).toMatchObject({ status: 503 });
      }
    } finally {
      lock.release();
    }
    expect(states).toEqual([]);
    expect(backend.circuitState()).toBe('closed');
    expect((await getJobs()).status).toBe(200);
  });
});

describe('which pipeline openDependencies builds, as its metric and the startup log report it (/readyz: test/ops/shutdown.test.ts)', () => {
  async function pipelineOf(env: Record<string, string>) {
    const config = loadConfig({ NODE_ENV: 'test', PORTAL_DATA_DIR: dir, PORTAL_SEED_DEMO: 'false', PORTAL_PUBLIC_URL: 'http://127.0.0.1', LOG_LEVEL: 'info', ...env });
    const logs = new LogCapture();
    const metrics = createMetrics({ version: 'test', revision: 'test', defaultMetrics: false });
    const deps = await openDependencies(config, createLogger({ level: 'info' }, logs), metrics);
    try {
      const gauge = parseExposition(await metrics.render()).filter((s) => s.name === 'portal_backend_pipeline');
      const logged = logs.records().find((r) => typeof r.pipeline === 'string')?.pipeline;
      return { pipeline: deps.backend.pipeline, gauge: Object.fromEntries(gauge.map((s) => [s.labels.pipeline, s.value])), logged };
    } finally {
      await deps.close();
    }
  }

  it('SQLite: embedded', async () => {
    expect(await pipelineOf({})).toEqual({ pipeline: 'embedded', gauge: { embedded: 1, networked: 0 }, logged: 'embedded' });
  });

  it.runIf(withPostgres)('PostgreSQL: networked (timeout, retries and breaker)', async () => {
    const db = await createTestDatabase('portal_pipeline');
    try {
      expect(await pipelineOf({ DATABASE_URL: db.url })).toEqual({ pipeline: 'networked', gauge: { embedded: 0, networked: 1 }, logged: 'networked' });
    } finally {
      await db.drop();
    }
  });
});
