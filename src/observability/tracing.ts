/**
 * OpenTelemetry tracing: W3C trace-context propagation always; with an exporter (OTLP when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, or one injected by tests) also http instrumentation recording
 * every request's spans ("full" mode). Without one, "light" mode: no instrumentation, the trace context is
 * still continued from `traceparent`, activated per request and propagated to the backend.
 *
 * Must run before node:http is first loaded (the instrumentation patches modules as they are required):
 * src/server.ts and src/backend-service/main.ts call it first and import the rest dynamically.
 */
import { createRequire } from 'node:module';
import { trace, context, propagation, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { RedactingSpanExporter, SENSITIVE_PARAMS_FOR_OTEL, redactSpanUrlAttributes } from './span-redaction.js';

export interface TracingOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `<endpoint>/v1/traces`. */
  otlpEndpoint?: string;
  /** Tests inject an InMemorySpanExporter; exported synchronously (SimpleSpanProcessor). */
  exporter?: SpanExporter;
}

interface ActiveTracing {
  provider: TracerProvider;
  disableInstrumentations: () => void;
  mode: 'light' | 'full';
}

let active: ActiveTracing | undefined;

/**
 * Server spans get the spec's route template (`GET /v1/contacts/{contactId}`) from the pipeline's route match
 * — the same value as the metrics' and the access log's `route` — instead of express instrumentation, which
 * would add a span per handler (its cost: docs/benchmarks.md) for a less useful `:param` route.
 */
function nameServerSpanAfterRoute(span: Span, request: unknown): void {
  const req = request as { ctx?: { match?: { template: string } }; method?: string };
  const route = req.ctx?.match?.template;
  if (typeof route !== 'string') return;
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.updateName(`${req.method ?? 'GET'} ${route}`);
}

/** Probes and scrapes are not worth a trace. */
const UNTRACED_PATHS = new Set(['/metrics', '/livez', '/readyz']);

export function isTracingStarted(): boolean {
  return active !== undefined;
}

/** `full`: spans are recorded and exported; `light`: context + propagation only; undefined: not started. */
export function tracingMode(): 'light' | 'full' | undefined {
  return active?.mode;
}

export function startTracing(opts: TracingOptions): void {
  if (active) return;

  const processors: SpanProcessor[] = [];
  if (opts.exporter) {
    processors.push(new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(opts.exporter) }));
  } else if (opts.otlpEndpoint) {
    const url = `${opts.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new RedactingSpanExporter(new OTLPTraceExporter({ url })) }));
  }

  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      ...(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
    }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: processors,
  });
  // The AsyncLocalStorage context manager and the W3C trace-context (+ baggage) propagator, as the SDK documents it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);

  if (processors.length === 0) {
    // Light mode (no exporter configured): spans nobody receives are not worth instrumenting every request
    // (docs/benchmarks.md). Context and propagation stay: traceContextMiddleware() activates the request's trace context,
    // so log lines, problem bodies and the RPC backend call still carry the trace id.
    active = { provider, disableInstrumentations: () => {}, mode: 'light' };
    return;
  }

  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?', 1)[0] ?? ''),
        redactedQueryParams: SENSITIVE_PARAMS_FOR_OTEL,
        redactedQueryParamsServer: SENSITIVE_PARAMS_FOR_OTEL,
        requestHook: redactSpanUrlAttributes,
        applyCustomAttributesOnSpan: nameServerSpanAfterRoute,
      }),
    ],
  });

  // Builtins imported from ESM bypass the require hook: require them once so the instrumentation patches them.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');

  active = { provider, disableInstrumentations, mode: 'full' };
}

/** Flushes pending spans (bounded by the exporter's timeout) and unregisters everything. */
export async function shutdownTracing(): Promise<void> {
  const current = active;
  if (!current) return;
  active = undefined;
  try {
    await current.provider.shutdown();
  } finally {
    current.disableInstrumentations();
    trace.disable();
    context.disable();
    propagation.disable();
  }
}
