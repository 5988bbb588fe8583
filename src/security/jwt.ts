/**
 * OIDC access-token verification with `jose`: keys from the provider's JWKS URL (cached; refetched when a token
 * names an unknown `kid`, at most once per cooldown so junk tokens cannot hammer the provider), asymmetric
 * algorithms only, `iss`/`aud`/`exp`/`nbf` checked with a bounded clock tolerance.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal } from '../http/context.js';

/** Only asymmetric algorithms: an HMAC token "signed" with the public key (alg confusion) is refused up front. */
export const ALLOWED_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** The same pattern as the spec's TenantId schema: a claim that does not match never becomes a tenant. */
export const TENANT_ID_PATTERN = /^ten_[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_SKEW_SECONDS = 60;

export type JwtFailureReason =
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_issuer'
  | 'bad_audience'
  | 'bad_alg'
  | 'bad_signature'
  | 'unknown_kid'
  | 'bad_claims'
  | 'no_tenant'
  | 'no_subject';

/** A token that fails verification: the reason is for metrics and logs only, never for the client. */
export class JwtRejected extends Error {
  override readonly name = 'JwtRejected';
  constructor(readonly reason: JwtFailureReason) {
    super(`JWT rejected: ${reason}`);
  }
}

/** The provider's key set could not be fetched: a dependency outage, not the caller's fault. */
export class JwksUnavailable extends Error {
  override readonly name = 'JwksUnavailable';
}

export interface OidcOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
  tenantClaim: string;
  clockToleranceSeconds: number;
  /** Minimum time between two JWKS fetches (jose `cooldownDuration`); default 30 s. */
  jwksCooldownMs?: number;
  /** How long fetched keys are trusted without a refetch (jose `cacheMaxAge`); default 10 min. */
  jwksCacheMaxAgeMs?: number;
  /** Timeout of one JWKS fetch; default 5 s. */
  jwksTimeoutMs?: number;
}

export type JwtVerifier = (token: string) => Promise<Principal>;

function scopesOf(payload: JWTPayload): string[] {
  const scopes = new Set<string>();
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') for (const s of scope.split(' ')) if (s) scopes.add(s);
  if (Array.isArray(scp)) for (const s of scp) if (typeof s === 'string' && s) scopes.add(s);
  if (typeof scp === 'string') for (const s of scp.split(' ')) if (s) scopes.add(s);
  return [...scopes];
}

function classify(err: unknown): JwtFailureReason | 'jwks_unavailable' {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'not_yet_valid';
    if (err.claim === 'iss') return 'bad_issuer';
    if (err.claim === 'aud') return 'bad_audience';
    if (err.claim === 'sub') return 'no_subject';
    return 'bad_claims';
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'bad_alg';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return 'unknown_kid';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JWKInvalid) return 'malformed';
  // Timeouts, network errors, a non-200 or non-JSON key set: the provider is unreachable.
  return 'jwks_unavailable';
}

export function createJwtVerifier(opts: OidcOptions): JwtVerifier {
  const clockTolerance = Math.min(Math.max(0, opts.clockToleranceSeconds), MAX_SKEW_SECONDS);
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl), {
    cooldownDuration: opts.jwksCooldownMs ?? 30_000,
    cacheMaxAge: opts.jwksCacheMaxAgeMs ?? 600_000,
    timeoutDuration: opts.jwksTimeoutMs ?? 5000,
  });

  return async (token) => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new JwtRejected('malformed');
    }
    // Checked before any key lookup, so `alg: none` and HS256 never reach the key set or trigger a refetch.
    if (typeof alg !== 'string' || !ALLOWED_JWT_ALGORITHMS.includes(alg)) throw new JwtRejected('bad_alg');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: ALLOWED_JWT_ALGORITHMS,
        clockTolerance,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      const reason = classify(err);
      if (reason === 'jwks_unavailable') throw new JwksUnavailable('The OIDC key set could not be fetched', { cause: err });
      throw new JwtRejected(reason);
    }

    const tenant = (payload as Record<string, unknown>)[opts.tenantClaim];
    if (typeof tenant !== 'string' || !TENANT_ID_PATTERN.test(tenant)) throw new JwtRejected('no_tenant');
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) throw new JwtRejected('no_subject');
    return { tenantId: tenant, subject: sub, scopes: scopesOf(payload), method: 'jwt' };
  };
}
