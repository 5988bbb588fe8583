/**
 * Metrics and the access line for every request, from one `close` listener shared by all requests (`this` is
 * the response): one duration, one status, no per-request closure. This is what src/app.ts mounts; the
 * separate metricsMiddleware()/accessLogMiddleware() exist for apps that want only one of the two.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from '../http/context.js';
import { writeAccessLine } from './access-log.js';
import { CLIENT_CLOSED_STATUS } from './http-metrics.js';
import type { Metrics } from './metrics.js';

const STARTED = Symbol('portal.requestObserver.startedAt');
type TimedResponse = Response & { [STARTED]?: bigint };

export function requestObserver(opts: { logger: Logger; metrics?: Metrics }): RequestHandler {
  const { logger, metrics } = opts;
  function onClose(this: TimedResponse): void {
    const started = this[STARTED];
    if (started === undefined) return;
    const elapsed = process.hrtime.bigint() - started;
    const status = this.writableFinished ? this.statusCode : CLIENT_CLOSED_STATUS;
    metrics?.observeHttp(this.req.method, routeLabel(this.req), status, Number(elapsed) / 1e9);
    writeAccessLine(this, logger, status, elapsed);
  }
  return function observeRequest(req: Request, res: Response, next: NextFunction): void {
    // The pipeline's own start, so the duration covers everything after the first middleware.
    (res as TimedResponse)[STARTED] = req.ctx?.startedAt ?? process.hrtime.bigint();
    res.once('close', onClose);
    next();
  };
}
