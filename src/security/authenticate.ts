/**
 * The `authenticate` phase: a protected operation needs a principal, here and only here. `Authorization: Bearer
 * <token>` → `req.ctx.principal`, or a 401 problem. Public operations skip it (their Authorization is ignored).
 *
 * Two kinds of token:
 * - API keys (`pk_…`, issued by the admin CLI): the SHA-256 (hex) of the whole token is looked up in the store.
 *   The spec promises that revoked keys stop working at once, so a key is cached (key-cache.ts) only when the
 *   backend can say whether api_keys changed (`apiKeysVersion()`, cheap and synchronous): a cached key is used
 *   only while that version is unchanged, which skips the lookup and the resilience pipeline. A backend without
 *   it (the RPC client), or one that cannot tell right now (`undefined`), gets the lookup on every request.
 * - JWT access tokens from the OIDC provider (see jwt.ts).
 *
 * Every failure answers the same 401 (`WWW-Authenticate: Bearer error="invalid_token"`, one fixed detail) so a
 * caller learns nothing about which part failed; the reason goes only to the `onFailure` counter and the log.
 * A backend error during the key lookup is *not* an authentication failure: it propagates (503 via the error
 * middleware) so an outage never looks like "your key is invalid".
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hashApiKeySecret } from '../backend/api-keys.js';
import type { ApiKeyRecord, Backend } from '../backend/port.js';
import type { Principal } from '../http/context.js';
import { HttpProblem, problems } from '../http/problem.js';
import { ApiKeyCache, type ApiKeyCacheOptions } from './key-cache.js';
import { AUTH_FAILURE_REASONS, type AuthFailureReason as BaseAuthFailureReason } from './auth-reasons.js';
import { createJwtVerifier, JwksUnavailable, JwtRejected, type JwtFailureReason, type JwtVerifier, type OidcOptions } from './jwt.js';

export type AuthFailureReason = BaseAuthFailureReason | JwtFailureReason;
export { AUTH_FAILURE_REASONS };

const API_KEY_PATTERN = /^pk_[A-Za-z0-9_-]{8,256}$/;
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN_LENGTH = 8192;

export interface AuthenticateOptions {
  /** `apiKeysVersion`, when the backend has it, turns the API-key cache on. */
  backend: Pick<Backend, 'findApiKeyByHash' | 'apiKeysVersion'>;
  /** API-key cache bounds (or a cache of one's own); `false` turns it off. Used only with `backend.apiKeysVersion`. */
  apiKeyCache?: ApiKeyCacheOptions | ApiKeyCache | false;
  /** `config.security.oidc`; without it JWTs are refused (reason `oidc_disabled`). */
  oidc?: OidcOptions;
  /** Injected verifier (tests); built from `oidc` otherwise. */
  verifyJwt?: JwtVerifier;
  /**
   * Requests that skip authentication entirely (their Authorization header is ignored). Default: the matched
   * operation is public in the contract (`security: []`).
   */
  isPublic?: (req: Request) => boolean;
  /** Counter hook: one call per rejected request. */
  onFailure?: (reason: AuthFailureReason) => void;
}

class AuthFailure extends Error {
  constructor(readonly reason: AuthFailureReason) {
    super(reason);
  }
}

/** The bearer token, or an AuthFailure (`missing` / `malformed`). */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new AuthFailure('missing');
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m?.[1] || m[1].length > MAX_TOKEN_LENGTH) throw new AuthFailure('malformed');
  return m[1];
}

export function createAuthenticate(opts: AuthenticateOptions): RequestHandler {
  const verifyJwt = opts.verifyJwt ?? (opts.oidc ? createJwtVerifier(opts.oidc) : undefined);
  const isPublic = opts.isPublic ?? ((req: Request) => req.ctx.match?.operation.public === true);
  const backend = opts.backend;
  const cache =
    opts.apiKeyCache === false || !backend.apiKeysVersion ? undefined : opts.apiKeyCache instanceof ApiKeyCache ? opts.apiKeyCache : new ApiKeyCache(opts.apiKeyCache);

  async function findKey(hash: string, signal: AbortSignal): Promise<ApiKeyRecord | null> {
    // Read before the lookup: a change that races the lookup leaves the entry under an outdated version.
    const version = cache ? backend.apiKeysVersion!() : undefined;
    if (version !== undefined) {
      const hit = cache!.get(hash, version);
      if (hit) return hit;
    }
    const key = await backend.findApiKeyByHash(hash, signal);
    if (key && version !== undefined) cache!.set(hash, key, version);
    return key;
  }

  async function principalFor(token: string, signal: AbortSignal): Promise<Principal> {
    if (token.startsWith('pk_')) {
      if (!API_KEY_PATTERN.test(token)) throw new AuthFailure('malformed');
      const key = await findKey(hashApiKeySecret(token), signal);
      if (!key) throw new AuthFailure('unknown_key');
      if (key.revokedAt !== null) throw new AuthFailure('revoked_key');
      return { tenantId: key.tenantId, subject: key.id, keyId: key.id, scopes: [...key.scopes], method: 'api_key' };
    }
    if (!JWT_PATTERN.test(token)) throw new AuthFailure('malformed');
    if (!verifyJwt) throw new AuthFailure('oidc_disabled');
    try {
      return await verifyJwt(token);
    } catch (err) {
      if (err instanceof JwtRejected) throw new AuthFailure(err.reason);
      throw err;
    }
  }

  return async function authenticate(req: Request, _res: Response, next: NextFunction): Promise<void> {
    if (req.method === 'OPTIONS' || isPublic(req)) return next();
    try {
      req.ctx.principal = await principalFor(bearerToken(req.get('authorization')), req.ctx.signal);
    } catch (err) {
      if (err instanceof AuthFailure) {
        opts.onFailure?.(err.reason);
        // The reason is logged, the token never is.
        req.ctx.log?.info({ event: 'auth.failure', reason: err.reason }, 'authentication failed');
        return next(problems.unauthorized());
      }
      if (err instanceof JwksUnavailable) {
        req.ctx.log?.error({ event: 'auth.jwks_unavailable', err: err.cause }, 'OIDC key set unavailable');
        return next(
          new HttpProblem({
            status: 503,
            type: 'authentication-unavailable',
            title: 'Service unavailable',
            detail: 'Tokens cannot be verified right now.',
            headers: { 'Retry-After': '5' },
            cause: err,
          }),
        );
      }
      return next(err);
    }
    next();
  };
}
