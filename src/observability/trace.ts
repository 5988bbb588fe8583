/**
 * The request's trace identity. With tracing started (src/observability/tracing.ts), the http
 * instrumentation has already continued the incoming W3C `traceparent` (or started a trace) and made its
 * server span active; we read that. Without it (unit tests, scripts) we continue a valid incoming
 * `traceparent` ourselves or mint a fresh id, so `req.ctx.traceId` and the `traceparent` response header exist
 * either way.
 */
import { randomFillSync } from 'node:crypto';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface TraceIds {
  traceId: string;
  spanId: string;
  /** Two hex digits; `01` = sampled. */
  traceFlags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const RESOLVED = Symbol('portal.trace.ids');

/** Parses a W3C trace-context `traceparent` header; undefined when absent or invalid (then a new trace starts). */
export function parseTraceparent(header: unknown): { traceId: string; parentId: string; traceFlags: string } | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, traceFlags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has no extra fields; later versions may append some (we ignore them).
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, traceFlags };
}

export function formatTraceparent(ids: TraceIds): string {
  return `00-${ids.traceId}-${ids.spanId}-${ids.traceFlags}`;
}

/**
 * Ids come from a pooled CSPRNG buffer: one crypto.randomBytes() call per 4 KiB instead of one per id (the same
 * trick Node's randomUUID uses).
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_SIZE;

function randomHex(bytes: number, zero: string): string {
  if (offset + bytes > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return id === zero ? randomHex(bytes, zero) : id;
}

/** The trace ids of this request (computed once, then cached on the request). */
export function traceIdsOf(req: Request): TraceIds {
  const cached = (req as Request & { [RESOLVED]?: TraceIds })[RESOLVED];
  if (cached) return cached;
  let ids: TraceIds;
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && spanContext.traceId !== ZERO_TRACE) {
    ids = {
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
      traceFlags: (spanContext.traceFlags & 1) === 1 ? '01' : '00',
    };
  } else {
    const incoming = parseTraceparent(req.headers.traceparent);
    ids = {
      traceId: incoming?.traceId ?? randomHex(16, ZERO_TRACE),
      spanId: randomHex(8, ZERO_SPAN),
      traceFlags: incoming ? (incoming.traceFlags === '01' ? '01' : '00') : '00',
    };
  }
  (req as Request & { [RESOLVED]?: TraceIds })[RESOLVED] = ids;
  return ids;
}

/**
 * First in the pipeline: sets `req.ctx.traceId` (when the context exists already) and the `traceparent`
 * response header, so every response — problems included — names its trace. When no instrumentation created a
 * server span (tracing off or in light mode), the rest of the pipeline runs inside a context holding this
 * request's span context, so the logger's mixin and the RPC client's `propagation.inject` see it.
 */
export function traceContextMiddleware(): RequestHandler {
  return function traceContext(req: Request, res: Response, next: NextFunction): void {
    const hasSpan = trace.getActiveSpan() !== undefined;
    const ids = traceIdsOf(req);
    if (req.ctx) req.ctx.traceId = ids.traceId;
    res.setHeader('traceparent', formatTraceparent(ids));
    if (hasSpan) {
      next();
      return;
    }
    const spanContext = {
      traceId: ids.traceId,
      spanId: ids.spanId,
      traceFlags: ids.traceFlags === '01' ? TraceFlags.SAMPLED : TraceFlags.NONE,
    };
    context.with(trace.setSpanContext(context.active(), spanContext), next);
  };
}
