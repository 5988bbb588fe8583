/**
 * The one error middleware: every failure becomes `application/problem+json` (RFC 9457) carrying the request's
 * trace id. Validator errors name each offending parameter in `errors[]`; unexpected errors are logged with
 * their stack server-side and answered with a bare 500 — no stack traces or internals leave the process.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import { BackendRejected, BackendTimeout, BackendUnavailable } from '../backend/port.js';
import { ALLOWED_METHODS } from './methods.js';
import { HttpProblem, PROBLEM_BASE, problems, type FieldError } from './problem.js';

interface ValidatorError {
  status: number;
  message?: string;
  errors?: { path?: string; message?: string }[];
  headers?: Record<string, string>;
}

function isValidatorError(err: unknown): err is ValidatorError {
  return typeof err === 'object' && err !== null && typeof (err as ValidatorError).status === 'number' && Array.isArray((err as ValidatorError).errors);
}

const LOCATIONS = new Set(['query', 'path', 'header', 'body']);

/** `/query/limit` → {location: query, name: limit}; eov also says `.query.limit` in some versions. */
function fieldOf(path: string | undefined): Pick<FieldError, 'location' | 'name'> {
  const parts = (path ?? '').split(/[/.]/).filter(Boolean);
  const loc = parts[0] === 'params' ? 'path' : parts[0] === 'headers' ? 'header' : parts[0];
  if (loc && LOCATIONS.has(loc)) return { location: loc as FieldError['location'], name: parts.slice(1).join('.') || loc };
  return { location: 'query', name: parts.join('.') || 'request' };
}

function fromValidator(err: ValidatorError): HttpProblem {
  if (err.status === 400) {
    const errors = (err.errors ?? []).slice(0, 50).map((e) => ({ ...fieldOf(e.path), message: (e.message ?? 'is invalid').slice(0, 500) }));
    const names = [...new Set(errors.map((e) => e.name))];
    return problems.badRequest(`The request has ${names.length} invalid parameter${names.length === 1 ? '' : 's'}: ${names.join(', ')}.`, errors);
  }
  if (err.status === 404) return problems.notFound();
  if (err.status === 405) return problems.methodNotAllowed(ALLOWED_METHODS);
  if (err.status === 415 || err.status === 413) {
    return new HttpProblem({ status: 400, type: 'invalid-request', title: 'Invalid request', detail: 'This API accepts no request bodies.' });
  }
  return problems.internal(err);
}

/** The backend's own failures (src/backend/port.ts) as the problems the contract documents; undefined for others. */
export function backendProblem(err: unknown): HttpProblem | undefined {
  let problem: HttpProblem | undefined;
  if (err instanceof BackendUnavailable) problem = problems.serviceUnavailable(err.retryAfterMs / 1000);
  else if (err instanceof BackendRejected) problem = problems.serviceUnavailable(err.retryAfterMs / 1000, 'The data backend is at capacity; retry shortly.');
  else if (err instanceof BackendTimeout) problem = problems.gatewayTimeout();
  return problem && Object.assign(problem, { cause: err });
}

export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const fromBackend = backendProblem(err);
  if (fromBackend) return fromBackend;
  if (isValidatorError(err)) return fromValidator(err);
  if (err instanceof URIError) return problems.badRequest('The URL is not valid percent-encoding.');
  const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  // body-parser / http-errors style client errors (payload too large, bad encoding) stay 4xx without internals.
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) {
    return new HttpProblem({ status: status === 413 ? 400 : status, type: 'invalid-request', title: 'Invalid request', detail: 'The request is malformed.' });
  }
  return problems.internal(err);
}

/** Keeps valid percent-escapes, encodes a stray `%` and anything a URI path may not hold. */
function uriReference(path: string): string {
  return path.replace(/%(?![0-9A-Fa-f]{2})/g, '%25').replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => encodeURIComponent(c));
}

export function sendProblem(req: Request, res: Response, problem: HttpProblem): void {
  const body = {
    type: PROBLEM_BASE + problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    // The path only (a query string may hold a URL signature), re-encoded so it is always a valid URI reference.
    instance: uriReference(req.path),
    traceId: req.ctx?.traceId ?? '00000000000000000000000000000000',
    ...(problem.errors?.length ? { errors: problem.errors } : {}),
  };
  res.status(problem.status);
  // Headers a success would have carried do not describe a problem; the problem's own headers (a 416's
  // `Content-Range: bytes */size`, `Retry-After`, `Allow`…) are set after.
  res.removeHeader('ETag');
  res.removeHeader('Content-Disposition');
  res.removeHeader('Content-Range');
  if (problem.status !== 416) res.removeHeader('Accept-Ranges');
  for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v);
  res.type('application/problem+json');
  res.send(JSON.stringify(body));
}

export function errorMiddleware(): ErrorRequestHandler {
  return (err, req, res, next) => {
    // The client went away (or the server is draining): nobody is left to answer.
    if (req.ctx?.signal.aborted && (res.destroyed || req.socket?.destroyed)) return;
    if (res.headersSent) {
      next(err);
      return;
    }
    const problem = toProblem(err);
    const log = req.ctx?.log;
    if (problem.status >= 500) log?.error({ err: problem.cause ?? err, route: req.ctx?.match?.template, status: problem.status }, 'request failed');
    else log?.debug({ status: problem.status, type: problem.type }, 'request rejected');
    sendProblem(req, res, problem);
  };
}
