/**
 * Local signed download URLs: `/v1/downloads/<fileId>?tenant=…&expires=…&kid=…&sig=…`.
 *
 * The signature is HMAC-SHA256 (base64url, unpadded) over a canonical string of the method, the route path, the
 * tenant, the file id, the expiry and the key id, so changing any of them — or replaying the URL for another
 * method — breaks it. Any replica configured with the same keys verifies any other's URLs: nothing is stored.
 *
 * Rotation: the first key signs; every configured key verifies (`PORTAL_SIGNING_KEYS=k2:…,k1:…`). Drop the old
 * key once the longest TTL has passed since the new one started signing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningKey } from '../config.js';

export type SignedMethod = 'GET' | 'HEAD';

export interface IssuedUrl {
  url: string;
  expiresAt: Date;
  issuedAt: Date;
}

export interface VerifyInput {
  /** The request method: HEAD is accepted on a GET URL (RFC 9110 §9.3.2: HEAD is GET without the body). */
  method: string;
  fileId: string;
  tenant: string;
  /** The raw `expires` query value (Unix seconds, decimal, no leading zeros). */
  expires: string | number;
  kid: string;
  sig: string;
}

export type VerifyFailure = 'expired' | 'bad_signature' | 'unknown_key';
export type VerifyResult = { ok: true; expiresAt: Date; kid: string } | { ok: false; reason: VerifyFailure };

export interface UrlSigner {
  readonly ttlSeconds: number;
  /** The id of the key that signs new URLs. */
  readonly currentKeyId: string;
  issue(input: { tenantId: string; fileId: string; method?: SignedMethod }): IssuedUrl;
  verify(input: VerifyInput): VerifyResult;
  /** The route path a file's URL signs (without the public URL's own path prefix). */
  pathFor(fileId: string): string;
}

export interface UrlSignerOptions {
  /** First signs, all verify. */
  keys: readonly SigningKey[];
  ttlSeconds: number;
  /** Absolute base URL clients reach the API at (may carry a path prefix behind a proxy). */
  publicUrl: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /**
   * Tolerated clock difference between the issuing and the verifying replica (0–60 s, default 60), applied on the
   * not-before side only: a URL from a replica whose clock runs ahead is accepted, but no URL outlives its
   * `expires` (the expiry the client was told is the one enforced).
   */
  clockSkewSeconds?: number;
  /**
   * The longest TTL a replica may issue (default: this signer's TTL). A URL whose implied issue time
   * (`expires − maxTtl`) lies more than the skew in the future was not issued by us. When raising
   * PORTAL_SIGNED_URL_TTL_SECONDS with a rolling deploy, pass the new value here (or 3600) on every replica.
   */
  maxTtlSeconds?: number;
}

export const DOWNLOAD_PATH_PREFIX = '/v1/downloads/';
const CANONICAL_VERSION = 'portal-download-v1';
const EXPIRES_RE = /^[1-9][0-9]{0,10}$/;
const KID_RE = /^[A-Za-z0-9_-]{1,32}$/;
// 32 bytes of HMAC-SHA256 in unpadded base64url.
const SIG_RE = /^[A-Za-z0-9_-]{43}$/;

function canonical({ method, fileId, tenant, expires, kid }: { method: SignedMethod; fileId: string; tenant: string; expires: string; kid: string }): string {
  // Newline-separated fields; none of them may contain a newline (checked by the callers' patterns), so two
  // different tuples can never produce the same string.
  return [CANONICAL_VERSION, method, `${DOWNLOAD_PATH_PREFIX}${fileId}`, tenant, fileId, expires, kid].join('\n');
}

function hmac(secret: Buffer, data: string): string {
  return createHmac('sha256', secret).update(data, 'utf8').digest('base64url');
}

/** Constant-time comparison of two ASCII signatures (lengths are public: both are 43 characters when valid). */
function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'ascii');
  const b = Buffer.from(given, 'ascii');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createUrlSigner(opts: UrlSignerOptions): UrlSigner {
  const keys = [...opts.keys];
  const current = keys[0];
  if (!current) throw new Error('createUrlSigner: at least one signing key is required');
  for (const k of keys) {
    if (!KID_RE.test(k.id)) throw new Error(`createUrlSigner: invalid key id ${JSON.stringify(k.id)}`);
    if (k.secret.length === 0) throw new Error(`createUrlSigner: key ${k.id} has an empty secret`);
  }
  const byId = new Map(keys.map((k) => [k.id, k.secret]));
  const ttlSeconds = opts.ttlSeconds;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new Error('createUrlSigner: ttlSeconds must be a positive integer');
  const skew = Math.min(60, Math.max(0, opts.clockSkewSeconds ?? 60));
  const maxTtl = Math.max(ttlSeconds, opts.maxTtlSeconds ?? ttlSeconds);
  const now = opts.now ?? Date.now;
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');

  function pathFor(fileId: string): string {
    return `${DOWNLOAD_PATH_PREFIX}${encodeURIComponent(fileId)}`;
  }

  return {
    ttlSeconds,
    currentKeyId: current.id,
    pathFor,

    issue({ tenantId, fileId, method = 'GET' }) {
      const issuedMs = now();
      const expires = String(Math.floor(issuedMs / 1000) + ttlSeconds);
      const sig = hmac(current.secret, canonical({ method, fileId, tenant: tenantId, expires, kid: current.id }));
      const query = new URLSearchParams({ tenant: tenantId, expires, kid: current.id, sig });
      return {
        url: `${publicUrl}${pathFor(fileId)}?${query.toString()}`,
        expiresAt: new Date(Number(expires) * 1000),
        issuedAt: new Date(issuedMs),
      };
    },

    verify(input) {
      const expires = String(input.expires);
      const method = input.method.toUpperCase();
      // Shape checks first: anything we would never have issued is a bad signature, whatever its key.
      if (
        typeof input.sig !== 'string' ||
        !SIG_RE.test(input.sig) ||
        !EXPIRES_RE.test(expires) ||
        typeof input.fileId !== 'string' ||
        typeof input.tenant !== 'string' ||
        input.fileId.includes('\n') ||
        input.tenant.includes('\n') ||
        (method !== 'GET' && method !== 'HEAD')
      ) {
        return { ok: false, reason: 'bad_signature' };
      }
      if (typeof input.kid !== 'string' || !KID_RE.test(input.kid)) return { ok: false, reason: 'bad_signature' };
      const secret = byId.get(input.kid);
      if (!secret) return { ok: false, reason: 'unknown_key' };

      // A GET URL also answers HEAD; a HEAD-only URL never answers GET.
      const candidates: SignedMethod[] = method === 'HEAD' ? ['HEAD', 'GET'] : ['GET'];
      let valid = false;
      for (const m of candidates) {
        // Evaluate every candidate (no early exit) so timing does not reveal which one matched.
        const match = sameSignature(hmac(secret, canonical({ method: m, fileId: input.fileId, tenant: input.tenant, expires, kid: input.kid })), input.sig);
        valid = valid || match;
      }
      if (!valid) return { ok: false, reason: 'bad_signature' };

      // Signature first, expiry second: "expired" is only ever said about a URL we really issued.
      const expiresS = Number(expires);
      const nowS = now() / 1000;
      if (nowS > expiresS) return { ok: false, reason: 'expired' };
      // Issued (by its implied issue time) farther in the future than a fast clock explains: not a URL of ours.
      if (expiresS - maxTtl > nowS + skew) return { ok: false, reason: 'bad_signature' };
      return { ok: true, expiresAt: new Date(expiresS * 1000), kid: input.kid };
    },
  };
}
