/**
 * The TEST-ONLY fault injection that rehearses the canary gate: refused unless its explicit switch is set (so a
 * stray variable cannot break a deployment, production or not), and when on, exactly the configured share of API
 * requests is answered 500 (a proper problem+json), or every API request is delayed.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { problemsOf } from '../support/config.js';
import { LOCAL_SIGNING_KEYS, spawnPortal } from '../../scripts/bench/portal-process.js';
import { auth, startTestApp, type TestApp } from '../support/app.js';

const PROD = { NODE_ENV: 'production', PORTAL_PUBLIC_URL: 'https://api.portal.example.com', PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS };
const LIMITS = { PORTAL_RATE_LIMIT_PER_MINUTE: '100000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '100000' };


describe('test-only fault settings are refused without their switch', () => {
  it.each([
    ['production', PROD],
    ['development', { NODE_ENV: 'development' }],
  ])('in %s: an error rate or a delay alone is a configuration error', (_env, base) => {
    const faults: Record<string, string>[] = [{ PORTAL_TEST_FAULT_ERROR_RATE: '0.05' }, { PORTAL_TEST_FAULT_DELAY_MS: '300' }];
    for (const fault of faults) {
      const problems = problemsOf({ ...base, ...fault });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('refused unless PORTAL_TEST_FAULTS=enabled');
    }
    expect(problemsOf({ ...base, PORTAL_TEST_FAULTS: 'yes', PORTAL_TEST_FAULT_DELAY_MS: '300' })[0]).toContain('PORTAL_TEST_FAULTS="yes": expected one of disabled, enabled');
  });

  it('is off by default and with the switch alone', () => {
    expect(loadConfig(PROD).testFaults).toBeUndefined();
    expect(loadConfig({ ...PROD, PORTAL_TEST_FAULTS: 'enabled' }).testFaults).toBeUndefined();
    expect(loadConfig({ ...PROD, PORTAL_TEST_FAULTS: 'enabled', PORTAL_TEST_FAULT_ERROR_RATE: '0.05' }).testFaults).toEqual({ errorRate: 0.05, delayMs: 0 });
  });

  it('the real server refuses to start with a fault setting but no switch', async () => {
    const p = spawnPortal({ noWait: true, env: { ...PROD, PORTAL_TEST_FAULT_ERROR_RATE: '0.05' } });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain('PORTAL_TEST_FAULT_ERROR_RATE / PORTAL_TEST_FAULT_DELAY_MS are test-only fault injection');
  });
});

describe('with the switch on', () => {
  let errors: TestApp;
  let slow: TestApp;
  beforeAll(async () => {
    errors = await startTestApp({ ...LIMITS, PORTAL_TEST_FAULTS: 'enabled', PORTAL_TEST_FAULT_ERROR_RATE: '0.05' });
    slow = await startTestApp({ ...LIMITS, PORTAL_TEST_FAULTS: 'enabled', PORTAL_TEST_FAULT_DELAY_MS: '300' });
  });
  afterAll(async () => {
    await errors?.close();
    await slow?.close();
  });

  it('answers exactly 5% of API requests with a 500 problem, spread evenly, and says so in the log', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await request(errors.url).get(i % 2 ? '/v1/contacts?limit=1' : '/v1/health').set(auth());
      statuses.push(res.status);
      if (res.status === 500) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 500, title: 'Internal server error' });
        expect(JSON.stringify(res.body)).not.toContain('injected');
      }
    }
    const failedAt = statuses.flatMap((s, i) => (s === 500 ? [i] : []));
    expect(failedAt).toEqual([19, 39, 59, 79, 99, 119, 139, 159, 179, 199]);
    expect(statuses.filter((s) => s !== 500).every((s) => s === 200)).toBe(true);
    expect(errors.logs.text()).toContain('TEST-ONLY fault injection is on');
  });

  it('leaves unknown paths alone (404, not counted)', async () => {
    expect((await request(errors.url).get('/v1/nope').set(auth())).status).toBe(404);
  });

  it('adds the delay to every API request', async () => {
    for (const path of ['/v1/health', '/v1/contacts?limit=1']) {
      const t0 = performance.now();
      const res = await request(slow.url).get(path).set(auth());
      expect(res.status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
    }
  });
});
