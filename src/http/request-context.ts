/**
 * First in the pipeline: the trace id (from the active OpenTelemetry span when tracing runs, else from a valid
 * incoming W3C `traceparent`, else fresh), `traceparent` on every response, the request's child logger and an
 * AbortSignal that fires when the client goes away or the server gives up on the request.
 */
import { randomBytes } from 'node:crypto';
import { trace, isSpanContextValid } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { setDeadline } from '../backend/resilience.js';
import { requestLogger } from '../observability/logger.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);

/**
 * `budgetMs` is the whole request's backend budget: every backend call of the request (the key lookup, then the
 * data) shares it, so retries never run past it and a request is answered within about that long.
 */
export function requestContext(logger: Logger, budgetMs: number, shutdownSignal?: AbortSignal): RequestHandler {
  return (req, res, next) => {
    let traceId: string;
    let spanId: string;
    let flags = '01';
    const span = trace.getActiveSpan()?.spanContext();
    if (span && isSpanContextValid(span)) {
      traceId = span.traceId;
      spanId = span.spanId;
      flags = (span.traceFlags & 1 ? '01' : '00');
    } else {
      const incoming = TRACEPARENT.exec(req.get('traceparent') ?? '');
      traceId = incoming && incoming[1] !== ZERO_TRACE ? incoming[1]! : randomBytes(16).toString('hex');
      spanId = randomBytes(8).toString('hex');
      if (incoming) flags = incoming[3]!;
    }
    res.setHeader('traceparent', `00-${traceId}-${spanId}-${flags}`);

    const controller = new AbortController();
    const abort = () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    };
    res.once('close', abort);
    const onShutdown = () => controller.abort(new Error('server shutting down'));
    shutdownSignal?.addEventListener('abort', onShutdown, { once: true });
    res.once('finish', () => shutdownSignal?.removeEventListener('abort', onShutdown));

    setDeadline(controller.signal, Date.now() + budgetMs);
    req.ctx = { traceId, signal: controller.signal, log: requestLogger(logger, traceId), startedAt: process.hrtime.bigint() };
    next();
  };
}
