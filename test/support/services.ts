/**
 * Access to the machine's real services for tests. Without PORTAL_TEST_DATABASE_URL / PORTAL_TEST_REDIS_URL the
 * suites that need them skip with a visible message; with PORTAL_TEST_REQUIRE_SERVICES=1 (CI) a missing or
 * unreachable service fails instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const requireServices = process.env.PORTAL_TEST_REQUIRE_SERVICES === '1';
export const testDatabaseUrl = process.env.PORTAL_TEST_DATABASE_URL || undefined;
export const testRedisUrl = process.env.PORTAL_TEST_REDIS_URL || undefined;

function announceSkip(what: string, variable: string): void {
  if (requireServices) {
    throw new Error(`${what} is required (PORTAL_TEST_REQUIRE_SERVICES=1) but ${variable} is not set`);
  }
  console.warn(`\n*** SKIPPING ${what} tests: set ${variable} to run them ***\n`);
}

/** True when PostgreSQL tests should run; logs a visible skip (or throws under REQUIRE_SERVICES) otherwise. */
export function hasPostgres(): boolean {
  if (testDatabaseUrl) return true;
  announceSkip('PostgreSQL', 'PORTAL_TEST_DATABASE_URL');
  return false;
}

export function hasRedis(): boolean {
  if (testRedisUrl) return true;
  announceSkip('Redis', 'PORTAL_TEST_REDIS_URL');
  return false;
}

/**
 * Creates a fresh, uniquely named database on the test server and returns its URL and a drop function, so test
 * files never see each other's rows.
 */
export async function createTestDatabase(prefix = 'portal_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!testDatabaseUrl) throw new Error('PORTAL_TEST_DATABASE_URL is not set');
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A Redis key prefix unique to one test, so parallel test files never share counters. */
export function uniqueRedisPrefix(label: string): string {
  return `portal-test:${label}:${randomBytes(6).toString('hex')}:`;
}
