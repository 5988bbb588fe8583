/**
 * Per-request state shared along the phases of src/app.ts: made by the `context` phase
 * (src/http/request-context.ts), filled in by `route` and `authenticate`, read by everything after them.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { RouteMatch } from './routes.js';

export interface Principal {
  tenantId: string;
  /** The API key id or the token's `sub`. */
  subject: string;
  keyId?: string;
  scopes: string[];
  /** How the caller authenticated. */
  method: 'api_key' | 'jwt';
}

export interface RequestContext {
  /** W3C trace id (32 lowercase hex), also in every log line and problem body. */
  traceId: string;
  /** Aborts when the client disconnects or the server shuts down; handlers pass it to the backend. */
  signal: AbortSignal;
  log: Logger;
  /** The authenticated caller: set by the `authenticate` phase on every protected operation. */
  principal?: Principal;
  /**
   * The tenant a request without a principal is attributed to, for usage metering: a signed download's, once its
   * signature is verified (src/files/download.ts).
   */
  tenantId?: string;
  /** The matched operation and its path template (set by the `route` phase, src/http/routes.ts). */
  match?: RouteMatch;
  startedAt: bigint;
}

declare module 'express-serve-static-core' {
  interface Request {
    ctx: RequestContext;
  }
}

/** The route label for metrics, logs and spans: the spec template, or one fixed value for unmatched paths. */
export function routeLabel(req: Request): string {
  return req.ctx?.match?.template ?? 'unmatched';
}

export type { Request, Response };
