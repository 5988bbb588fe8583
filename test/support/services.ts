/**
 * Access to the machine's real services for tests. Without PORTAL_TEST_DATABASE_URL / PORTAL_TEST_REDIS_URL the
 * suites that need them skip with a visible message; with PORTAL_TEST_REQUIRE_SERVICES=1 (CI) a missing or
 * unreachable service fails instead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const requireServices = process.env.PORTAL_TEST_REQUIRE_SERVICES === '1';
export const testDatabaseUrl = process.env.PORTAL_TEST_DATABASE_URL || undefined;
export const testRedisUrl = process.env.PORTAL_TEST_REDIS_URL || undefined;

/** Where a service URL points, without its credentials (for messages). */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return '(an unparsable URL)';
  }
}

function skip(what: string, why: string): false {
  if (requireServices) throw new Error(`${what} is required (PORTAL_TEST_REQUIRE_SERVICES=1) but ${why}`);
  console.warn(`\n*** SKIPPING ${what} tests: ${why} ***\n`);
  return false;
}

/** Why PostgreSQL at `url` cannot serve the tests (connect and `SELECT 1`, 3 s at most), or undefined when it can. */
export async function postgresProblem(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, query_timeout: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `${hostOf(url)} is not reachable: ${(err as Error).message || (err as { code?: string }).code || String(err)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why Redis at `url` cannot serve the tests (connect and PING, 3 s at most), or undefined when it can. */
export async function redisProblem(url: string): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3000, commandTimeout: 3000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const pong = await redis.ping();
    return pong === 'PONG' ? undefined : `${hostOf(url)} answered PING with ${pong}`;
  } catch (err) {
    return `${hostOf(url)} is not reachable: ${(err as Error).message || String(err)}`;
  } finally {
    redis.disconnect();
  }
}

let postgres: Promise<boolean> | undefined;
let redis: Promise<boolean> | undefined;

/**
 * True when the PostgreSQL tests can run: the variable is set and the server answers a query. Otherwise a visible
 * skip, or under PORTAL_TEST_REQUIRE_SERVICES=1 a failure. Checked once per test file (`await hasPostgres()`).
 */
export function hasPostgres(): Promise<boolean> {
  return (postgres ??= (async () => {
    if (!testDatabaseUrl) return skip('PostgreSQL', 'PORTAL_TEST_DATABASE_URL is not set');
    const problem = await postgresProblem(testDatabaseUrl);
    return problem ? skip('PostgreSQL', `PORTAL_TEST_DATABASE_URL: ${problem}`) : true;
  })());
}

/** The same for Redis (PORTAL_TEST_REDIS_URL, PING). */
export function hasRedis(): Promise<boolean> {
  return (redis ??= (async () => {
    if (!testRedisUrl) return skip('Redis', 'PORTAL_TEST_REDIS_URL is not set');
    const problem = await redisProblem(testRedisUrl);
    return problem ? skip('Redis', `PORTAL_TEST_REDIS_URL: ${problem}`) : true;
  })());
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

/**
 * Runs `script` (TypeScript, through tsx) as `count` processes at once: each must print `ready` when set up;
 * then all are told `go` in the same instant, and each prints one JSON line before it exits 0. Resolves to those
 * lines, parsed, in process order.
 */
export async function runProcessesAtOnce(script: string, count: number, env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const outputs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.startsWith('ready\n') && resolve());
      child.once('exit', (code) => reject(new Error(`${script} exited ${String(code)} before it was ready:\n${err}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { child, ready, exited, out: () => out, err: () => err };
  });
  try {
    await Promise.all(outputs.map((o) => o.ready));
    for (const o of outputs) o.child.stdin.write('go\n');
    const codes = await Promise.all(outputs.map((o) => o.exited));
    return outputs.map((o, i) => {
      if (codes[i] !== 0) throw new Error(`${script} (process ${i + 1} of ${count}) exited ${String(codes[i])}:\n${o.err()}`);
      return JSON.parse(o.out().trim().split('\n').at(-1)!) as Record<string, unknown>;
    });
  } finally {
    for (const o of outputs) if (o.child.exitCode === null) o.child.kill('SIGKILL');
  }
}
