/**
 * The SDK's retries, timeouts and aborts, against the live API behind a fault proxy on real sockets (the proxy
 * plays the network and the gateways in between: resets, 503/504 answers, silence). Assertions are on what
 * crossed the wire and on the delays the client chose, never on wall-clock timing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GatewayTimeoutError,
  InternalServerError,
  PortalConnectionError,
  PortalTimeoutError,
  ServiceUnavailableError,
  createPortalClient,
  type RetryInfo,
} from '../../generated/sdk/dist/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { ACME_KEY, startTestApp, type TestApp } from '../support/app.js';

let api: TestApp;
let proxy: FaultProxy;

beforeAll(async () => {
  api = await startTestApp({ PORTAL_RATE_LIMIT_PER_MINUTE: '100000' });
  proxy = await startFaultProxy(api.url);
});

afterEach(() => proxy.setFault({ kind: 'pass' }));

afterAll(async () => {
  await proxy?.close();
  await api?.close();
});

function client(opts: { maxRetries?: number; timeoutMs?: number; onRetry?: (i: RetryInfo) => void } = {}) {
  return createPortalClient({ baseUrl: proxy.url, token: ACME_KEY, ...opts });
}

/** Records onRetry calls. */
function retries() {
  const seen: RetryInfo[] = [];
  return { seen, onRetry: (i: RetryInfo) => void seen.push(i) };
}

describe('retries (GET/HEAD)', () => {
  it('retries connection resets, then succeeds', async () => {
    const r = retries();
    const before = proxy.seen.length;
    proxy.nextFaults({ kind: 'reset' }, 2);
    const page = await client({ onRetry: r.onRetry }).listContacts({ limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(proxy.seen.length - before).toBe(3);
    expect(r.seen.map((i) => [i.attempt, i.error.constructor])).toEqual([
      [1, PortalConnectionError],
      [2, PortalConnectionError],
    ]);
  });

  it('retries 503 and 504 with exponential backoff and jitter when there is no Retry-After', async () => {
    const r = retries();
    proxy.nextFaults({ kind: 'status', status: 503 });
    proxy.nextFaults({ kind: 'status', status: 504 });
    const job = await client({ onRetry: r.onRetry }).listJobs({ limit: 1 });
    expect(job.data).toHaveLength(1);
    expect(r.seen.map((i) => i.error.constructor)).toEqual([ServiceUnavailableError, GatewayTimeoutError]);
    // Retry n waits between half and all of min(8 s, 500 ms × 2^n).
    expect(r.seen[0]!.delayMs).toBeGreaterThanOrEqual(250);
    expect(r.seen[0]!.delayMs).toBeLessThanOrEqual(500);
    expect(r.seen[1]!.delayMs).toBeGreaterThanOrEqual(500);
    expect(r.seen[1]!.delayMs).toBeLessThanOrEqual(1000);
  });

  it('gives up after maxRetries with the last error', async () => {
    const before = proxy.seen.length;
    proxy.setFault({ kind: 'status', status: 504 });
    const err = await client({ maxRetries: 1 }).getHealth().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayTimeoutError);
    expect(err).toMatchObject({ status: 504, operationId: 'getHealth', problem: { status: 504 } });
    expect(proxy.seen.length - before).toBe(2);
  });

  it('never retries a 500 or a 4xx', async () => {
    const before = proxy.seen.length;
    proxy.nextFaults({ kind: 'status', status: 500, body: 'stack trace that must not matter' });
    const err = await client().listContacts().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect(proxy.seen.length - before).toBe(1);

    const bad = await client().listContacts({ limit: 0 }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400 });
    expect(proxy.seen.length - before).toBe(2);
  });
});

describe('timeouts', () => {
  it('an attempt with no answer times out and is retried; the abandoned connection is closed', async () => {
    const r = retries();
    proxy.nextFaults({ kind: 'blackhole' });
    const closed = proxy.waitForClientClose(10_000);
    const page = await client({ timeoutMs: 400, onRetry: r.onRetry }).listContacts({ limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(r.seen.map((i) => i.error.constructor)).toEqual([PortalTimeoutError]);
    await closed;
  });

  it('every attempt silent → PortalTimeoutError', async () => {
    proxy.setFault({ kind: 'blackhole' });
    const before = proxy.seen.length;
    const err = await client({ timeoutMs: 300, maxRetries: 1 }).getJob({ jobId: 'job_0000000000000000000000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortalTimeoutError);
    expect(err).toMatchObject({ kind: 'timeout', operationId: 'getJob' });
    expect(proxy.seen.length - before).toBe(2);
  });
});

describe('the caller’s AbortSignal', () => {
  it('an already aborted signal sends nothing', async () => {
    const before = proxy.seen.length;
    const reason = new Error('page left');
    await expect(client().listContacts({}, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(proxy.seen.length).toBe(before);
  });

  it('aborting mid-request rejects with an AbortError, closes the connection and does not retry', async () => {
    proxy.setFault({ kind: 'latency', ms: 10_000 });
    const before = proxy.seen.length;
    const controller = new AbortController();
    const call = client().listJobs({ limit: 5 }, { signal: controller.signal });
    const rejected = expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => proxy.seen.length, { timeout: 5_000 }).toBe(before + 1);
    const closed = proxy.waitForClientClose(5_000);
    controller.abort();
    await rejected;
    await closed;
    expect(proxy.seen.length).toBe(before + 1);
  });

  it('aborting during the wait before a retry stops the retries', async () => {
    const before = proxy.seen.length;
    const controller = new AbortController();
    const reason = new Error('cancelled while backing off');
    proxy.setFault({ kind: 'status', status: 503 });
    const portal = client({ maxRetries: 5, onRetry: () => controller.abort(reason) });
    await expect(portal.listContacts({}, { signal: controller.signal })).rejects.toBe(reason);
    expect(proxy.seen.length - before).toBe(1);
  });
});
