/**
 * What an API key is, shared by the store that issues them (backend/sql/writes.ts, the admin CLI) and the
 * authentication that checks them (security/authenticate.ts): the secret's shape, the scopes a key may carry (the
 * contract's), and the one hash under which a secret is stored and looked up.
 *
 * The secret is `pk_live_` + 32 random bytes in base64url (256 bits); only its SHA-256 (hex) is stored. A slow
 * password hash (bcrypt/scrypt/argon2) exists to make guessing *low-entropy* human passwords expensive; a 256-bit
 * random secret cannot be guessed at any hash speed, so a fast hash loses nothing and keeps the lookup one
 * indexed equality on every request (a salted slow hash could not be looked up by value at all).
 */
import { createHash, randomBytes } from 'node:crypto';
import { API_SCOPES } from '../../generated/operations.js';

/** Every scope an operation of the contract can require, in the contract's order. */
export const API_KEY_SCOPES = API_SCOPES;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const API_KEY_PREFIX = 'pk_live_';

/** SHA-256 (hex) of a whole API key: how it is stored, and how it is looked up. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newApiKeySecret(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}
