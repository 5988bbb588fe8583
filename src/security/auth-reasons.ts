/** Why an authentication failed: a closed set, so the metric's label can never grow (the 401 body never says). */
export const AUTH_FAILURE_REASONS = [
  'missing',
  'malformed',
  'unknown_key',
  'revoked_key',
  'oidc_disabled',
  'expired',
  'not_yet_valid',
  'bad_issuer',
  'bad_audience',
  'bad_alg',
  'bad_signature',
  'unknown_kid',
  'bad_claims',
  'no_tenant',
  'no_subject',
] as const;

export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];
