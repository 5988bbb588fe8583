/**
 * The access line: one compact JSON line per request (written by record-requests.ts when the response closes):
 *   {level, time, traceId, msg: "request", method, route, status, durationMs, bytes?, tenant?, principal?, operationId?}
 * The route is the spec template (never the raw path, which holds ids and query strings such as `sig=`), and no
 * header is logged: pino-http's default serializers log every header (~1.4 KB a line). Status 499 = the client
 * went away first.
 */
import type { Response } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from '../http/context.js';
import { traceIdsOf } from './trace.js';

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
  if (ctx?.match) line.operationId = ctx.match.operation.operationId;
  // The base logger with the trace id spelled out: the same line as the request's child logger would write, without
  // making a child for the many requests that log nothing else.
  line.traceId = ctx?.traceId ?? traceIdsOf(req).traceId;
  if (status >= 500) baseLogger.warn(line, 'request');
  else baseLogger.info(line, 'request');
}
