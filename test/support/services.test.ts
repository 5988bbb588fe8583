/**
 * The service checks behind hasPostgres()/hasRedis(): a set variable is not enough, the server must answer (a
 * query, a PING), and the reason given for a skip names where it looked without the URL's credentials.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/bench/portal-process.js';
import { postgresProblem, redisProblem, testDatabaseUrl, testRedisUrl } from './services.js';

describe('service checks', () => {
  it('a PostgreSQL URL where nothing listens is a problem, reported without its password', async () => {
    const problem = await postgresProblem(`postgres://portal:s3cr3t-pw@127.0.0.1:${await freePort()}/portal`);
    expect(problem).toMatch(/^postgres:\/\/127\.0\.0\.1:\d+\/portal is not reachable: /);
    expect(problem).not.toContain('s3cr3t-pw');
  });

  it('a Redis URL where nothing listens is a problem, reported without its password', async () => {
    const problem = await redisProblem(`redis://:s3cr3t-pw@127.0.0.1:${await freePort()}`);
    expect(problem).toMatch(/^redis:\/\/127\.0\.0\.1:\d+ is not reachable: /);
    expect(problem).not.toContain('s3cr3t-pw');
  });

  it.runIf(testDatabaseUrl)('the configured PostgreSQL answers', async () => {
    expect(await postgresProblem(testDatabaseUrl!)).toBeUndefined();
  });

  it.runIf(testRedisUrl)('the configured Redis answers', async () => {
    expect(await redisProblem(testRedisUrl!)).toBeUndefined();
  });
});
