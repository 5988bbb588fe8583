/**
 * Opaque, unguessable ids: a type prefix, `_`, and 22 base62 characters (~131 bits) drawn from the CSPRNG.
 * Never sequential: ids appear in URLs and must not leak counts or let a client enumerate another tenant's rows.
 */
import { randomBytes } from 'node:crypto';

export type IdPrefix = 'con' | 'job' | 'fil' | 'key';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ID_RANDOM_LENGTH = 22;

export const ID_PATTERNS = {
  con: /^con_[0-9A-Za-z]{22}$/,
  job: /^job_[0-9A-Za-z]{22}$/,
  fil: /^fil_[0-9A-Za-z]{22}$/,
  key: /^key_[0-9A-Za-z]{22}$/,
  tenant: /^ten_[a-z0-9][a-z0-9-]{0,39}$/,
} as const;

/**
 * 22 base62 characters from a byte source. Rejection sampling keeps them unbiased: bytes ≥ 248 (= 4 × 62) are
 * dropped, so every accepted byte maps onto the 62 characters with equal probability.
 */
export function base62(length: number, nextBytes: (n: number) => Buffer = randomBytes): string {
  let out = '';
  while (out.length < length) {
    const buf = nextBytes(length * 2);
    for (const b of buf) {
      if (b >= 248) continue;
      out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${base62(ID_RANDOM_LENGTH)}`;
}

export function isTenantId(value: string): boolean {
  return ID_PATTERNS.tenant.test(value);
}
