/**
 * RFC 9110 byte ranges and entity-tag conditions for the download route.
 *
 * Multi-range policy: ranges that overlap or touch are coalesced; when more than one disjoint range remains the
 * whole file is served with 200 (RFC 9110 §14.2 lets a server ignore Range). Downloads are whole files or resume
 * points; multipart/byteranges would add complexity for no client we serve, and many small ranges are a known
 * amplification trick.
 */
import type { ByteRange } from './port.js';

export type RangeDecision =
  /** No Range, or one we ignore (invalid syntax, other unit, several disjoint ranges): send the whole file. */
  | { kind: 'whole' }
  | { kind: 'partial'; range: ByteRange }
  /** No requested range overlaps the file: 416 with an unsatisfied `Content-Range` (star, then the size). */
  | { kind: 'unsatisfiable' };

/** More range-specs than this is not a download client; ignore the header rather than do work for it. */
const MAX_RANGE_SPECS = 16;

type Spec = { first: number; last: number | null } | { suffix: number };

function parseSpecs(value: string): Spec[] | null {
  const eq = value.indexOf('=');
  if (eq === -1 || value.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  const items = value
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0 || items.length > MAX_RANGE_SPECS) return null;
  const specs: Spec[] = [];
  for (const item of items) {
    let m = /^(\d{1,16})-(\d{0,16})$/.exec(item);
    if (m) {
      const first = Number(m[1]);
      const last = m[2] === '' ? null : Number(m[2]);
      if (last !== null && last < first) return null;
      specs.push({ first, last });
      continue;
    }
    m = /^-(\d{1,16})$/.exec(item);
    if (m) {
      specs.push({ suffix: Number(m[1]) });
      continue;
    }
    return null;
  }
  return specs;
}

/** Decides what to send for a `Range` header against a file of `size` bytes (GET only; HEAD ignores Range). */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'whole' };
  const specs = parseSpecs(header);
  // A zero-length file has nothing to slice; answering it whole is always correct.
  if (specs === null || size === 0) return { kind: 'whole' };

  const satisfiable: ByteRange[] = [];
  for (const s of specs) {
    if ('suffix' in s) {
      if (s.suffix > 0) satisfiable.push({ start: Math.max(0, size - s.suffix), end: size - 1 });
    } else if (s.first < size) {
      satisfiable.push({ start: s.first, end: s.last === null ? size - 1 : Math.min(s.last, size - 1) });
    }
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };

  satisfiable.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const r of satisfiable) {
    const prev = merged[merged.length - 1];
    if (prev && r.start <= prev.end + 1) prev.end = Math.max(prev.end, r.end);
    else merged.push({ ...r });
  }
  const only = merged[0];
  // Even `bytes=0-` gets a 206: media players send it to learn that ranges work.
  if (merged.length === 1 && only) return { kind: 'partial', range: only };
  return { kind: 'whole' };
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
