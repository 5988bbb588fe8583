/**
 * Distributed tracing through the real processes' code: the portal (createApp over the RPC backend client)
 * and the backend service (createBackendServer over the seeded SQL store), both instrumented by
 * startTracing() with an in-memory exporter. Tracing must start before express/http load, hence the dynamic
 * imports below (this file imports nothing that loads express statically).
 */
import type { TwoTier } from './two-tier.js';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { shutdownTracing, startTracing, isTracingStarted } from '../../src/observability/tracing.js';

const exporter = new InMemorySpanExporter();
startTracing({ serviceName: 'portal-api-test', serviceVersion: '0.0.0-test', exporter });

const { startTwoTier } = await import('./two-tier.js');
const { auth, ACME_KEY } = await import('../support/app.js');
const { startAdminServer } = await import('../../src/observability/admin-server.js');

let tier: TwoTier;
let t: TwoTier['app'];

beforeAll(async () => {
  tier = await startTwoTier({ dataDir: inject('seededDataDir') });
  t = tier.app;
});

afterAll(async () => {
  await tier?.close();
  await shutdownTracing();
});

/** Spans end when the response has been written, a moment after the client saw it: poll briefly. */
async function spansOf(traceId: string, atLeast: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    if (spans.length >= atLeast) return spans;
    await new Promise((r) => setTimeout(r, 20));
  }
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
}

const portPort = () => Number(new URL(t.url).port);

describe('tracing', () => {
  it('continues an incoming traceparent through the portal into the backend service, and into the logs', async () => {
    expect(isTracingStarted()).toBe(true);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    // fetch (undici) is not instrumented, so the header we set is the one the portal receives.
    const res = await fetch(`${t.url}/v1/contacts?limit=2`, { headers: { ...auth(), traceparent: `00-${traceId}-${parentId}-01` } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const header = res.headers.get('traceparent');
    expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const spans = await spansOf(traceId, 3);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    const portal = servers.find((s) => s.attributes['server.port'] === portPort());
    const backend = servers.find((s) => s.attributes['server.port'] !== portPort());
    expect(portal, 'portal server span').toBeDefined();
    expect(backend, 'backend server span').toBeDefined();
    expect(portal!.parentSpanContext?.spanId).toBe(parentId);
    // The response's traceparent names the portal's server span.
    expect(header!.split('-')[2]).toBe(portal!.spanContext().spanId);
    // The backend's span is a child of one of the portal's spans (the one active when the RPC call was made).
    const portalSpanIds = new Set(spans.filter((s) => s !== backend && s.attributes['server.port'] !== backend!.attributes['server.port']).map((s) => s.spanContext().spanId));
    expect(portalSpanIds.has(backend!.parentSpanContext!.spanId)).toBe(true);
    // The server span is named after the spec's route template, like the metrics and the access log.
    expect(portal!.attributes['http.route']).toBe('/v1/contacts');
    expect(portal!.name).toBe('GET /v1/contacts');
    expect(portal!.resource.attributes['service.name']).toBe('portal-api-test');

    const lines = t.logs.records().filter((l) => l.traceId === traceId);
    expect(lines.some((l) => l.msg === 'request' && l.route === '/v1/contacts' && l.status === 200)).toBe(true);
  });

  it('starts a new sampled trace when there is no traceparent, and replaces an invalid one', async () => {
    for (const headers of [{} as Record<string, string>, { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, { traceparent: 'garbage' }]) {
      const res = await fetch(`${t.url}/v1/health`, { headers });
      await res.arrayBuffer();
      const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(res.headers.get('traceparent') ?? '');
      expect(m).not.toBeNull();
      expect(m![1]).not.toBe('0'.repeat(32));
      const spans = await spansOf(m![1]!, 1);
      expect(spans.some((s) => s.kind === SpanKind.SERVER && !s.parentSpanContext)).toBe(true);
    }
  });

  it('problem bodies carry the trace id of the request; the span holds the route template, not the id', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await fetch(`${t.url}/v1/contacts/con_000000000000000000none`, { headers: { ...auth(), traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { traceId: string }).traceId).toBe(traceId);
    const server = (await spansOf(traceId, 2)).find((s) => s.kind === SpanKind.SERVER && s.attributes['server.port'] === portPort())!;
    expect(server.name).toBe('GET /v1/contacts/{contactId}');
    expect(server.attributes['http.response.status_code']).toBe(404);
  });

  it('no span attribute holds a signature, an API key or the backend secret; probes are not traced', async () => {
    const jobs = (await (await fetch(`${t.url}/v1/jobs?status=succeeded&limit=20`, { headers: auth() })).json()) as { data: Array<{ id: string; fileCount: number }> };
    const job = jobs.data.find((j) => j.fileCount > 0)!;
    const files = (await (await fetch(`${t.url}/v1/jobs/${job.id}/files`, { headers: auth() })).json()) as { data: Array<{ downloadUrl: string }> };
    const url = files.data[0]!.downloadUrl;
    const sig = new URL(url).searchParams.get('sig')!;
    const dl = await fetch(url);
    expect(dl.status).toBe(200);
    await dl.arrayBuffer();
    const other = await fetch(`${t.url}/v1/contacts?limit=1&token=${ACME_KEY}&X-Amz-Signature=${sig}`, { headers: auth() });
    await other.arrayBuffer();

    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, metrics: t.metrics, isReady: () => true });
    try {
      await (await fetch(`http://127.0.0.1:${admin.port}/metrics`)).text();
    } finally {
      await admin.close();
    }
    await new Promise((r) => setTimeout(r, 100));

    const all = exporter.getFinishedSpans();
    const dump = JSON.stringify(all.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(dump).toContain('sig=REDACTED');
    for (const secret of [sig, ACME_KEY, tier.secret]) expect(dump).not.toContain(secret);
    expect(all.some((s) => s.attributes['url.path'] === '/metrics')).toBe(false);
  });
});
