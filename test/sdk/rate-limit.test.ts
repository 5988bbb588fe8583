/**
 * The SDK against the API's real rate limiter, set to 3 requests per minute: a 429 is retried after exactly the
 * `Retry-After` the API sent (so this suite takes up to a minute), and a `Retry-After` beyond the client's cap
 * fails fast with RateLimitedError instead of blocking the caller.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RateLimitedError, createPortalClient, type RetryInfo } from '../../generated/sdk/dist/index.js';
import { ACME_KEY, startTestApp, type TestApp } from '../support/app.js';
import { countingFetch } from './support.js';

let api: TestApp;
const traffic = countingFetch();

beforeAll(async () => {
  api = await startTestApp({ PORTAL_RATE_LIMIT_PER_MINUTE: '3' });
});

afterAll(async () => {
  await api?.close();
});

it('a Retry-After longer than maxRetryDelayMs fails fast with RateLimitedError', async () => {
  const onRetry: RetryInfo[] = [];
  const portal = createPortalClient({ baseUrl: api.url, token: ACME_KEY, fetch: traffic.fetch, maxRetryDelayMs: 500, onRetry: (i) => void onRetry.push(i) });
  for (let i = 0; i < 3; i++) await portal.listContacts({ limit: 1 });

  const before = traffic.calls.length;
  const err = await portal.listContacts({ limit: 1 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitedError);
  const e = err as RateLimitedError;
  expect(e).toMatchObject({ kind: 'rate_limited', status: 429 });
  expect(e.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(e.retryAfterSeconds).toBeLessThanOrEqual(60);
  expect(e.retryAfterSeconds).toBe(Number(traffic.calls.at(-1)!.retryAfter));
  expect(traffic.calls.length - before).toBe(1);
  expect(onRetry).toEqual([]);
});

it('a 429 is retried after the Retry-After the API sent, then succeeds', { timeout: 90_000 }, async () => {
  const onRetry: RetryInfo[] = [];
  const portal = createPortalClient({ baseUrl: api.url, token: ACME_KEY, fetch: traffic.fetch, onRetry: (i) => void onRetry.push(i) });
  const before = traffic.calls.length;
  const started = performance.now();
  const page = await portal.listContacts({ limit: 1 });
  const elapsed = performance.now() - started;

  expect(page.data).toHaveLength(1);
  const calls = traffic.calls.slice(before);
  expect(calls.map((c) => c.status)).toEqual([429, 200]);
  const retryAfter = Number(calls[0]!.retryAfter);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(onRetry).toHaveLength(1);
  expect(onRetry[0]).toMatchObject({ attempt: 1, delayMs: retryAfter * 1000 });
  expect(onRetry[0]!.error).toBeInstanceOf(RateLimitedError);
  // It really waited (setTimeout may fire a millisecond early on some platforms).
  expect(elapsed).toBeGreaterThanOrEqual(retryAfter * 1000 - 20);
});
