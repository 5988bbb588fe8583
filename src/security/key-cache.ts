/**
 * The in-process API-key cache of authenticate.ts, invalidated by the database itself.
 *
 * Keyed by the key's SHA-256 (never the secret). An entry holds the ApiKeyRecord and the backend's
 * `apiKeysVersion()` read *before* the lookup that produced it; it is a hit only while the backend still reports
 * that same version (any change to api_keys, by anyone, makes every entry a miss) and for at most `maxAgeMs`
 * (a safety net should a change ever go unnoticed). Only keys that exist are stored (revoked ones as revoked),
 * never unknown hashes, so guessing keys cannot fill memory; and at most `maxEntries`, the oldest evicted first.
 */
import type { ApiKeyRecord } from '../backend/port.js';

export interface ApiKeyCacheOptions {
  /** Default 10,000. */
  maxEntries?: number;
  /** Default 60,000 (60 s). */
  maxAgeMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Entry {
  key: ApiKeyRecord;
  version: number;
  storedAt: number;
}

export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(opts: ApiKeyCacheOptions = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key stored for this hash at this exact version and not older than maxAgeMs; undefined otherwise. */
  get(hash: string, version: number): ApiKeyRecord | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    if (entry.version !== version || this.now() - entry.storedAt >= this.maxAgeMs) {
      this.entries.delete(hash); // versions never come back, nor does youth
      return undefined;
    }
    return entry.key;
  }

  /** `version`: the backend's version read before the lookup that returned `key`. */
  set(hash: string, key: ApiKeyRecord, version: number): void {
    // Re-inserting moves the hash to the newest end of the Map's order.
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, { key, version, storedAt: this.now() });
  }

  clear(): void {
    this.entries.clear();
  }
}
