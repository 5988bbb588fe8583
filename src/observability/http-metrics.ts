/**
 * Express middleware feeding `http_server_request_duration_seconds` / `http_server_requests_total`.
 *
 * Observed on the response's `close` event (emitted after `finish`, and also when the client went away first,
 * which is counted as status 499 so the counters still match the access log). The listener is one function
 * shared by every request (`this` is the response): no per-request closure on the hot path.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { routeLabel } from '../http/context.js';
import type { Metrics } from './metrics.js';

const STARTED = Symbol('portal.metrics.startedAt');
type TimedResponse = Response & { [STARTED]?: bigint };

/** nginx's convention for "client closed the connection before the response was complete". */
export const CLIENT_CLOSED_STATUS = 499;

export function metricsMiddleware(metrics: Metrics): RequestHandler {
  function onClose(this: TimedResponse): void {
    const started = this[STARTED];
    if (started === undefined) return;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = this.writableFinished ? this.statusCode : CLIENT_CLOSED_STATUS;
    metrics.observeHttp(this.req.method, routeLabel(this.req), status, seconds);
  }
  return function observeRequest(req: Request, res: Response, next: NextFunction): void {
    // Prefer the pipeline's own start so metrics and the access log report the same duration.
    (res as TimedResponse)[STARTED] = req.ctx?.startedAt ?? process.hrtime.bigint();
    res.once('close', onClose);
    next();
  };
}
