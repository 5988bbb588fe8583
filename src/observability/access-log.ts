/**
 * One compact JSON access line per request, written when the response closes:
 *   {level, time, traceId, msg: "request", method, route, status, durationMs, bytes?, tenant?, principal?, operationId?}
 * The route is the spec template (never the raw path, which holds ids and query strings such as `sig=`), and no
 * header is logged — pino-http's default serializers log every header (~1.4 KB a line), the single largest
 * per-request cost measured in the design notes, so this is a 20-line listener on the same `close` event the
 * metrics use, sharing one function for all requests. Status 499 = the client went away first.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from '../http/context.js';
import { CLIENT_CLOSED_STATUS } from './http-metrics.js';
import { traceIdsOf } from './trace.js';

const STARTED = Symbol('portal.accessLog.startedAt');
type TimedResponse = Response & { [STARTED]?: bigint };

interface AccessLine {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  bytes?: number;
  tenant?: string;
  principal?: string;
  operationId?: string;
  traceId?: string;
}

/** Writes the access line of a finished (or abandoned) response; `elapsedNs` since the request started. */
export function writeAccessLine(res: Response, baseLogger: Logger, status: number, elapsedNs: bigint): void {
  const req = res.req;
  const ctx = req.ctx;
  const line: AccessLine = {
    method: req.method,
    route: routeLabel(req),
    status,
    durationMs: Math.round(Number(elapsedNs) / 10_000) / 100,
  };
  const length = res.getHeader('content-length');
  if (length !== undefined) line.bytes = Number(length);
  if (ctx?.principal) {
    line.tenant = ctx.principal.tenantId;
    line.principal = ctx.principal.subject;
  }
  if (ctx?.operationId) line.operationId = ctx.operationId;
  // The base logger with the trace id spelled out: the same line as the request's child logger would write, without
  // making a child for the many requests that log nothing else.
  line.traceId = ctx?.traceId ?? traceIdsOf(req).traceId;
  if (status >= 500) baseLogger.warn(line, 'request');
  else baseLogger.info(line, 'request');
}

/** The access log alone (requestObserver() does metrics and the access line with one listener). */
export function accessLogMiddleware(baseLogger: Logger): RequestHandler {
  function onClose(this: TimedResponse): void {
    const started = this[STARTED];
    if (started === undefined) return;
    const status = this.writableFinished ? this.statusCode : CLIENT_CLOSED_STATUS;
    writeAccessLine(this, baseLogger, status, process.hrtime.bigint() - started);
  }
  return function accessLog(req: Request, res: Response, next: NextFunction): void {
    (res as TimedResponse)[STARTED] = req.ctx?.startedAt ?? process.hrtime.bigint();
    res.once('close', onClose);
    next();
  };
}
