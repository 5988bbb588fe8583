/**
 * Authorization by scope. The required scopes come from the spec's `security` requirements (one source of truth,
 * computed by src/http/); this module only enforces them: no principal → 401, a missing scope → 403
 * `insufficient-scope` naming it (RFC 6750 §3.1 `insufficient_scope` in `WWW-Authenticate`).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from '../http/context.js';
import { HttpProblem, problems } from '../http/problem.js';

/** The scopes a principal lacks, in the order required. */
export function missingScopes(principal: Pick<Principal, 'scopes'>, required: readonly string[]): string[] {
  const held = new Set(principal.scopes);
  return required.filter((s) => !held.has(s));
}

export function insufficientScope(missing: readonly string[]): HttpProblem {
  const list = missing.join(' ');
  return new HttpProblem({
    status: 403,
    type: 'insufficient-scope',
    title: 'Forbidden',
    detail: `This operation needs the scope ${missing.map((s) => `"${s}"`).join(', ')}, which the token does not carry.`,
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${list}"` },
  });
}

/** Throws the 401/403 problem unless the request's principal holds every required scope. */
export function checkScopes(req: Request, required: readonly string[]): void {
  if (required.length === 0) return;
  const principal = req.ctx.principal;
  if (!principal) throw problems.unauthorized();
  const missing = missingScopes(principal, required);
  if (missing.length > 0) throw insufficientScope(missing);
}

/** Middleware for one fixed requirement. */
export function requireScopes(required: readonly string[]): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    try {
      checkScopes(req, required);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Middleware for the whole app: `scopesFor(req)` returns the matched operation's required scopes (undefined or
 * [] for a public operation). Runs after OpenAPI validation, when the operation is known.
 */
export function enforceScopes(scopesFor: (req: Request) => readonly string[] | undefined): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    try {
      checkScopes(req, scopesFor(req) ?? []);
      next();
    } catch (err) {
      next(err);
    }
  };
}
