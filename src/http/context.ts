/**
 * Per-request state shared along the pipeline. Set by the early middleware in src/app.ts; read by handlers,
 * the rate limiter, the error middleware and the access log.
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
  principal?: Principal;
  /** The spec's route template once matched (`/v1/jobs/{jobId}`), for metrics and logs. */
  route?: string;
  operationId?: string;
  /** The matched operation (set by src/http/routes.ts). */
  match?: RouteMatch;
  startedAt: bigint;
  /** A HEAD being validated as its GET (src/http/validator.ts). */
  headAsGet?: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    ctx: RequestContext;
  }
}

/** The route label for metrics and logs: the spec template, or one fixed value for unmatched paths. */
export function routeLabel(req: Request): string {
  return req.ctx?.route ?? 'unmatched';
}

export type { Request, Response };
