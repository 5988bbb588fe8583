/**
 * Records every request once its response closes: the HTTP metrics and the access line, from one `close` listener
 * shared by all requests (`this` is the response), so both report the same duration and status. A response closed
 * before it finished (the client went away) is recorded as 499, so the counters still match the access log.
 * src/app.ts mounts it in the `context` phase with both; tests mount it with either.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from '../http/context.js';
import { writeAccessLine } from './access-log.js';
import type { Metrics } from './metrics.js';
import type { UsageMeter } from './usage-meter.js';

/** nginx's convention for "client closed the connection before the response was complete". */
export const CLIENT_CLOSED_STATUS = 499;

const STARTED = Symbol('portal.recordRequests.startedAt');
type TimedResponse = Response & { [STARTED]?: bigint };

export interface RecordRequestsOptions {
  /** Where the access lines go (the base logger: the line names its trace id itself). */
  logger?: Logger;
  metrics?: Metrics;
  /** Counts each answered request toward its tenant (src/observability/usage-meter.ts). */
  meter?: UsageMeter;
}

/** The operation whose answers are downloads: their bytes count as served. */
const DOWNLOAD_OPERATION = 'downloadFile';

export function recordRequests(opts: RecordRequestsOptions): RequestHandler {
  const { logger, metrics, meter } = opts;
  function onClose(this: TimedResponse): void {
    const started = this[STARTED];
    if (started === undefined) return;
    const elapsed = process.hrtime.bigint() - started;
    const status = this.writableFinished ? this.statusCode : CLIENT_CLOSED_STATUS;
    metrics?.observeHttp(this.req.method, routeLabel(this.req), status, Number(elapsed) / 1e9);
    // Answered requests only (not a 499), attributed to a tenant: the principal's, or a verified signed URL's.
    if (this.writableFinished) {
      const ctx = this.req.ctx;
      const operationId = ctx?.match?.operation.operationId;
      const bytes = operationId === DOWNLOAD_OPERATION && (status === 200 || status === 206) ? Number(this.getHeader('content-length') ?? 0) || 0 : 0;
      if (bytes > 0) metrics?.downloadBytes(bytes);
      const tenantId = ctx?.principal?.tenantId ?? ctx?.tenantId;
      if (meter && tenantId && operationId) meter.record(tenantId, operationId, status, bytes);
    }
    if (logger) writeAccessLine(this, logger, status, elapsed);
  }
  return function recordRequest(req: Request, res: Response, next: NextFunction): void {
    // The pipeline's own start, so the duration covers everything after the first phase.
    (res as TimedResponse)[STARTED] = req.ctx?.startedAt ?? process.hrtime.bigint();
    res.once('close', onClose);
    next();
  };
}
