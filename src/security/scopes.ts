/**
 * The `authorize` phase: the scopes the matched operation's security requirement names (the contract's, through
 * generated/operations.ts) must all be held by the principal, else 403 `insufficient-scope` naming them (RFC 6750
 * §3.1 `insufficient_scope` in `WWW-Authenticate`). The principal itself is the `authenticate` phase's business.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from '../http/context.js';
import { HttpProblem } from '../http/problem.js';

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

/**
 * `scopesFor(req)`: the scopes the request's operation requires (undefined or [] for a public one). Default: the
 * matched operation's.
 */
export function enforceScopes(scopesFor: (req: Request) => readonly string[] | undefined = (req) => req.ctx.match?.operation.scopes): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const required = scopesFor(req) ?? [];
    if (required.length === 0) return next();
    const missing = missingScopes(req.ctx.principal ?? { scopes: [] }, required);
    next(missing.length > 0 ? insufficientScope(missing) : undefined);
  };
}
