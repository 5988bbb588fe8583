/**
 * RFC 9110 byte ranges for the download route (its conditional headers are src/http/caching.ts's).
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
