/**
 * CORS allow-list (`cors` package). Browsers on an allowed origin get the CORS headers (and 204 on preflight);
 * a request or preflight carrying any other `Origin` is refused outright with a 403 problem and *no* CORS
 * headers, counted and logged: the API is read-only, so the only cross-origin callers we expect are our portal.
 * Requests without `Origin` (servers, curl, same-origin GETs) are not CORS requests and pass untouched.
 */
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem } from '../http/problem.js';

export const CORS_METHODS = ['GET', 'HEAD', 'OPTIONS'];
export const CORS_EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'ETag', 'Link', 'traceparent'];
/** What a browser may send: the credentials, the conditional/range headers and trace context. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'If-None-Match', 'If-Range', 'Range', 'traceparent', 'tracestate'];

export interface CorsOptions {
  /** Exact origins (`scheme://host[:port]`), e.g. `config.security.corsOrigins`. */
  origins: readonly string[];
  maxAgeSeconds: number;
  /** Counter hook, called once per refused request. */
  onBlocked?: (origin: string) => void;
}

export function originNotAllowed(): HttpProblem {
  return new HttpProblem({
    status: 403,
    type: 'origin-not-allowed',
    title: 'Forbidden',
    detail: 'Cross-origin requests from this origin are not allowed.',
  });
}

export function createCors(opts: CorsOptions): RequestHandler {
  const allowed = new Set(opts.origins);
  const withHeaders = cors({
    // Only reached for allowed origins, so reflecting the request's origin is exactly the allow-list.
    origin: true,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: opts.maxAgeSeconds,
    optionsSuccessStatus: 204,
  });

  return function corsAllowList(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    // The answer depends on Origin: shared caches must keep one variant per origin.
    res.vary('Origin');
    if (origin === undefined) return next();
    if (!allowed.has(origin)) {
      opts.onBlocked?.(origin);
      req.ctx?.log?.warn({ event: 'cors.blocked', origin: origin.slice(0, 200), method: req.method }, 'origin not allowed');
      return next(originNotAllowed());
    }
    withHeaders(req, res, next);
  };
}
