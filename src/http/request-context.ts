/**
 * The `context` phase, right after the trace context (src/observability/trace.ts, which also sets the
 * `traceparent` response header): the request's context — its trace id, child logger, and an AbortSignal that
 * fires when the client goes away or the server gives up on the request at shutdown, marked with the request's
 * backend deadline.
 *
 * Per request this is one AbortController, one `close` listener shared by all requests and a Set entry; the
 * child logger is made on first use (most requests log only their access line, which the base logger writes with
 * the trace id spelled out). Shutdown aborts every request still in the Set, instead of each request adding and
 * removing its own listener on the shutdown signal.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { setDeadline } from '../common/deadline.js';
import { requestLogger } from '../observability/logger.js';
import { traceIdsOf } from '../observability/trace.js';
import type { Principal, RequestContext } from './context.js';
import type { RouteMatch } from './routes.js';

const CONTROLLER = Symbol('portal.requestContext.controller');
type TrackedResponse = Response & { [CONTROLLER]?: AbortController };

class Context implements RequestContext {
  principal?: Principal;
  tenantId?: string;
  match?: RouteMatch;
  private child?: Logger;

  constructor(
    readonly traceId: string,
    readonly signal: AbortSignal,
    readonly startedAt: bigint,
    private readonly base: Logger,
  ) {}

  get log(): Logger {
    return (this.child ??= requestLogger(this.base, this.traceId));
  }

  /** Assigning (tests do) replaces the lazily made child. */
  set log(logger: Logger) {
    this.child = logger;
  }
}

/**
 * `budgetMs` is the whole request's backend budget: every backend call of the request (the key lookup, then the
 * data) shares it, so retries never run past it and a request is answered within about that long.
 */
export function requestContext(logger: Logger, budgetMs: number, shutdownSignal?: AbortSignal): RequestHandler {
  const inFlight = new Set<AbortController>();
  shutdownSignal?.addEventListener(
    'abort',
    () => {
      for (const controller of inFlight) controller.abort(new Error('server shutting down'));
    },
    { once: true },
  );

  function onClose(this: TrackedResponse): void {
    const controller = this[CONTROLLER];
    if (!controller) return;
    inFlight.delete(controller);
    if (!this.writableFinished) controller.abort(new Error('client closed the connection'));
  }

  return (req: Request, res: Response, next) => {
    const startedAt = process.hrtime.bigint();
    const { traceId } = traceIdsOf(req);
    const controller = new AbortController();
    (res as TrackedResponse)[CONTROLLER] = controller;
    res.on('close', onClose);
    if (shutdownSignal) {
      if (shutdownSignal.aborted) controller.abort(new Error('server shutting down'));
      else inFlight.add(controller);
    }
    setDeadline(controller.signal, Date.now() + budgetMs);
    req.ctx = new Context(traceId, controller.signal, startedAt, logger);
    next();
  };
}
