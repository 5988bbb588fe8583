/**
 * HTTP caching and conditional requests, for every answer the API gives: the two `Cache-Control` policies, the
 * entity tag of a JSON body, and the RFC 9110 comparisons of `If-None-Match` and `If-Range` against it.
 */
import { hash } from 'node:crypto';

/** Answers that hold signed URLs, and every download answer: never stored by any cache. */
export const NO_STORE = 'private, max-age=0, no-store';
/** Answers with an `ETag`: a private cache may keep them but revalidates before each use. */
export const REVALIDATE = 'private, no-cache';

/** A strong entity tag for a JSON body: the first 160 bits of its SHA-256, base64url. */
export function entityTag(json: string): string {
  return `"${hash('sha256', json, 'base64url').slice(0, 27)}"`;
}

interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** Parses an entity-tag list (`"a", W/"b"`); `*` is reported separately; malformed members are skipped. */
function parseEntityTags(header: string): { any: boolean; tags: EntityTag[] } {
  if (header.trim() === '*') return { any: true, tags: [] };
  const tags: EntityTag[] = [];
  const re = /\s*(W\/)?("[^"]*")\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null) {
    tags.push({ weak: m[1] !== undefined, opaque: m[2] ?? '' });
  }
  return { any: false, tags };
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): true when the client's copy is current. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const { any, tags } = parseEntityTags(header);
  const opaque = etag.replace(/^W\//, '');
  return any || tags.some((t) => t.opaque === opaque);
}

/**
 * If-Range (RFC 9110 §13.1.5): serve the range only when the validator still matches by the strong comparison.
 * A date validator never matches here (downloads carry no Last-Modified), so the whole file is sent — always safe.
 */
export function ifRangeAllows(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const v = header.trim();
  if (v.startsWith('W/') || etag.startsWith('W/')) return false;
  return v === etag;
}
