/**
 * Second in the pipeline, right after the trace context (src/observability/trace.ts, which also sets the
 * `traceparent` response header): the request's context — its trace id, child logger, and an AbortSignal that
 * fires when the client goes away or the server gives up on the request at shutdown.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { setDeadline } from '../backend/resilience.js';
import { requestLogger } from '../observability/logger.js';
import { traceIdsOf } from '../observability/trace.js';

/**
 * `budgetMs` is the whole request's backend budget: every backend call of the request (the key lookup, then the
 * data) shares it, so retries never run past it and a request is answered within about that long.
 */
export function requestContext(logger: Logger, budgetMs: number, shutdownSignal?: AbortSignal): RequestHandler {
  return (req, res, next) => {
    const { traceId } = traceIdsOf(req);
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    if (shutdownSignal) {
      const onShutdown = () => controller.abort(new Error('server shutting down'));
      shutdownSignal.addEventListener('abort', onShutdown, { once: true });
      res.once('finish', () => shutdownSignal.removeEventListener('abort', onShutdown));
    }
    setDeadline(controller.signal, Date.now() + budgetMs);
    req.ctx = { traceId, signal: controller.signal, log: requestLogger(logger, traceId), startedAt: process.hrtime.bigint() };
    next();
  };
}
