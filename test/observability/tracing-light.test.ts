/**
 * Light mode — tracing started without an exporter (production without OTEL_EXPORTER_OTLP_ENDPOINT): no
 * instrumentation, yet the trace id is continued from `traceparent`, is on every log line and problem body, and
 * travels to the RPC backend service in its `traceparent`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { TwoTier } from './two-tier.js';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { shutdownTracing, startTracing, tracingMode } from '../../src/observability/tracing.js';

startTracing({ serviceName: 'portal-api-light-test' });

const { startTwoTier } = await import('./two-tier.js');
const { auth } = await import('../support/app.js');

const seen: IncomingHttpHeaders[] = [];
let tier: TwoTier;
let t: TwoTier['app'];

beforeAll(async () => {
  tier = await startTwoTier({ dataDir: inject('seededDataDir'), onBackendRequest: (req) => seen.push(req.headers) });
  t = tier.app;
});

afterAll(async () => {
  await tier?.close();
  await shutdownTracing();
});

describe('tracing, light mode', () => {
  it('continues the caller trace into logs and the backend call without recording spans', async () => {
    expect(tracingMode()).toBe('light');
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    seen.length = 0;
    const res = await fetch(`${t.url}/v1/jobs?limit=2`, { headers: { ...auth(), traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const header = res.headers.get('traceparent')!;
    expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // The backend saw the same trace, with the portal's span as parent (not the caller's).
    expect(seen.length).toBeGreaterThan(0);
    for (const h of seen) {
      expect(h.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(String(h.traceparent).split('-')[2]).toBe(header.split('-')[2]);
    }
    const lines = t.logs.records().filter((l) => l.traceId === traceId);
    expect(lines.some((l) => l.msg === 'request' && l.route === '/v1/jobs' && l.status === 200)).toBe(true);
  });

  it('starts a fresh trace per request without traceparent and propagates it', async () => {
    seen.length = 0;
    const res = await fetch(`${t.url}/v1/contacts?limit=1`, { headers: auth() });
    await res.arrayBuffer();
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00$/.exec(res.headers.get('traceparent') ?? '');
    expect(m).not.toBeNull();
    expect(seen.map((h) => String(h.traceparent).split('-')[1])).toContain(m![1]);
    const problem = await fetch(`${t.url}/v1/contacts/con_000000000000000000none`, { headers: { ...auth(), traceparent: `00-${'7'.repeat(32)}-${'1'.repeat(16)}-00` } });
    expect(((await problem.json()) as { traceId: string }).traceId).toBe('7'.repeat(32));
  });
});
