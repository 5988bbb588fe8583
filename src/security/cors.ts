/**
 * CORS allow-list (`cors` package). Browsers on an allowed origin get the CORS headers (and 204 on preflight);
 * a request or preflight carrying any other `Origin` is refused outright with a 403 problem and *no* CORS
 * headers, counted and logged: the API is read-only, so the only cross-origin callers we expect are our portal.
 * Requests without `Origin` (servers, curl, same-origin GETs) or from the API's own origin (the /docs page) are
 * not CORS requests and pass untouched.
 */
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ALLOWED_METHODS } from '../http/methods.js';
import { HttpProblem } from '../http/problem.js';

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

function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.host === host.toLowerCase();
  } catch {
    return false;
  }
}

export function createCors(opts: CorsOptions): RequestHandler {
  const allowed = new Set(opts.origins);
  const withHeaders = cors({
    // Only reached for allowed origins, so reflecting the request's origin is exactly the allow-list.
    origin: true,
    methods: [...ALLOWED_METHODS],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: opts.maxAgeSeconds,
    optionsSuccessStatus: 204,
  });

  return function corsAllowList(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    // The answer depends on Origin: shared caches must keep one variant per origin.
    if (res.getHeader('Vary') === undefined) res.setHeader('Vary', 'Origin');
    else res.vary('Origin');
    // Same-origin requests are not CORS requests, but browsers still send Origin on some of them (module
    // scripts of the /docs page, for one). The browser sets Origin to the page's origin and Host to the target,
    // so a match means the page is ours; a non-browser client can forge both, but CORS never bound those anyway.
    if (origin === undefined || isSameOrigin(origin, req.headers.host)) return next();
    if (!allowed.has(origin)) {
      opts.onBlocked?.(origin);
      req.ctx?.log?.warn({ event: 'cors.blocked', origin: origin.slice(0, 200), method: req.method }, 'origin not allowed');
      return next(originNotAllowed());
    }
    withHeaders(req, res, next);
  };
}
