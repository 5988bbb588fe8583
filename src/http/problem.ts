/**
 * RFC 9457 problem details. Everything that fails a request throws (or passes to `next`) an HttpProblem; the one
 * error middleware (src/http/errors.ts) renders it as `application/problem+json` with the request's trace id.
 */

export const PROBLEM_BASE = 'https://api.portal.example.com/problems/';

export interface FieldError {
  location: 'query' | 'path' | 'header' | 'body';
  name: string;
  message: string;
}

export interface ProblemInit {
  status: number;
  /** Slug appended to PROBLEM_BASE: `not-found`, `invalid-request`… */
  type: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`, `Allow`, `Content-Range`). */
  headers?: Record<string, string>;
  /** Internal cause, logged but never sent. */
  cause?: unknown;
}

export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail?: string;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'HttpProblem';
    this.status = init.status;
    this.type = init.type;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers ?? {};
  }
}

export const problems = {
  badRequest: (detail: string, errors?: FieldError[]) =>
    new HttpProblem({ status: 400, type: 'invalid-request', title: 'Invalid request', detail, errors }),
  unauthorized: (detail = 'A valid bearer token is required.') =>
    new HttpProblem({ status: 401, type: 'unauthorized', title: 'Unauthorized', detail, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }),
  forbidden: (type: string, detail: string) => new HttpProblem({ status: 403, type, title: 'Forbidden', detail }),
  notFound: (detail = 'No such resource.') => new HttpProblem({ status: 404, type: 'not-found', title: 'Not found', detail }),
  methodNotAllowed: (allow: readonly string[]) =>
    new HttpProblem({
      status: 405,
      type: 'method-not-allowed',
      title: 'Method not allowed',
      detail: `This resource allows ${allow.join(', ')}.`,
      headers: { Allow: allow.join(', ') },
    }),
  tooManyRequests: (retryAfterSeconds: number, detail: string) =>
    new HttpProblem({ status: 429, type: 'rate-limited', title: 'Too many requests', detail, headers: { 'Retry-After': String(retryAfterSeconds) } }),
  serviceUnavailable: (retryAfterSeconds: number, detail = 'The data backend is unavailable.') =>
    new HttpProblem({
      status: 503,
      type: 'backend-unavailable',
      title: 'Service unavailable',
      detail,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),
  gatewayTimeout: (detail = 'The data backend did not answer in time.') =>
    new HttpProblem({ status: 504, type: 'backend-timeout', title: 'Gateway timeout', detail }),
  internal: (cause?: unknown) =>
    new HttpProblem({ status: 500, type: 'internal', title: 'Internal server error', detail: 'An unexpected error occurred.', cause }),
};
