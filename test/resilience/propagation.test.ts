/**
 * What travels upstream with each RPC attempt: the W3C trace context of the active span (through the resilience
 * pipeline's awaits and retries), the attempt's remaining deadline, and the shared secret.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setDeadline } from '../../src/common/deadline.js';
import { shutdownTracing, startTracing } from '../../src/observability/tracing.js';
import { CONTACTS, TENANT, createMemoryBackend } from '../support/memory-backend.js';
import { SECRET, never, startTier, type Tier } from './harness.js';

let tier: Tier;
beforeAll(async () => {
  startTracing({ serviceName: 'propagation-test' }); // the server's own set-up: context manager + W3C propagator
  tier = await startTier(createMemoryBackend());
});
afterAll(async () => {
  await tier.close();
  await shutdownTracing();
});

it('every attempt carries the active span as traceparent, the remaining deadline and the secret', async () => {
  tier.proxy.nextFaults({ kind: 'status', status: 503 }, 1);
  const ids = await trace.getTracer('test').startActiveSpan('GET /v1/contacts/{contactId}', async (span) => {
    expect(await tier.resilient.getContact(TENANT, CONTACTS[0]!.id, never())).toEqual(CONTACTS[0]);
    span.end();
    return span.spanContext();
  });
  expect(tier.proxy.seen).toHaveLength(2);
  for (const r of tier.proxy.seen) {
    expect(r.headers.traceparent).toBe(`00-${ids.traceId}-${ids.spanId}-01`);
    expect(r.headers.authorization).toBe(`Bearer ${SECRET}`);
    const deadline = Number(r.headers['x-portal-deadline-ms']);
    expect(deadline).toBeGreaterThan(0);
    expect(deadline).toBeLessThanOrEqual(1000); // the attempt timeout of the test options
  }
  // The retry only had what was left of the call's 1 s budget.
  expect(Number(tier.proxy.seen[1]!.headers['x-portal-deadline-ms'])).toBeLessThan(Number(tier.proxy.seen[0]!.headers['x-portal-deadline-ms']));
});

it("a caller's own deadline shorter than the timeout is what goes upstream", async () => {
  const ctrl = new AbortController();
  setDeadline(ctrl.signal, Date.now() + 120);
  await tier.resilient.ping(ctrl.signal);
  const sent = Number(tier.proxy.seen.at(-1)!.headers['x-portal-deadline-ms']);
  expect(sent).toBeGreaterThan(0);
  expect(sent).toBeLessThanOrEqual(120);
});
