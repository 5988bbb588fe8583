/**
 * Keeps URL credentials out of span attributes. Two layers: the http instrumentation's own query redaction
 * (given our full list, in the exact spellings it compares case-sensitively) and, as the last word, an exporter
 * wrapper that scrubs every string attribute with the files module's `redactText` before anything leaves the
 * process — so an attribute set by any library or hook cannot carry a `sig=` value out.
 */
import type { IncomingMessage } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';
import { SENSITIVE_QUERY_PARAMS, redactText, redactUrl } from '../common/redaction.js';

/** OTel compares names case-sensitively: list the lower-case names plus the spellings presigned URLs use. */
export const SENSITIVE_PARAMS_FOR_OTEL: string[] = [
  ...new Set([
    ...SENSITIVE_QUERY_PARAMS,
    'sig',
    'Signature',
    'AWSAccessKeyId',
    'X-Goog-Signature',
    'X-Goog-Credential',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
  ]),
];

/** http instrumentation `requestHook`: re-derive `url.query` of incoming requests with our redaction. */
export function redactSpanUrlAttributes(span: Span, request: unknown): void {
  const url = (request as Partial<IncomingMessage>).url;
  if (typeof url !== 'string') return;
  const q = url.indexOf('?');
  if (q === -1) return;
  span.setAttribute(ATTR_URL_QUERY, redactUrl(url).slice(q + 1));
}

function scrub(attributes: Attributes): void {
  const mutable = attributes as Record<string, unknown>;
  for (const key of Object.keys(mutable)) {
    const value = mutable[key];
    if (typeof value === 'string' && value.includes('=')) mutable[key] = redactText(value);
    else if (Array.isArray(value)) {
      mutable[key] = value.map((v: unknown) => (typeof v === 'string' && v.includes('=') ? redactText(v) : v));
    }
  }
}

export function redactSpan(span: ReadableSpan): void {
  scrub(span.attributes);
  for (const event of span.events) if (event.attributes) scrub(event.attributes);
}

export class RedactingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) redactSpan(span);
    this.inner.export(spans, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
