/** RFC 9110 range and entity-tag decisions, including the edges the HTTP tests don't reach. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRange } from '../../src/files/range.js';
import { ifNoneMatchHits, ifRangeAllows } from '../../src/http/caching.js';

describe('decideRange', () => {
  it('handles the basic forms', () => {
    expect(decideRange(undefined, 100)).toEqual({ kind: 'whole' });
    expect(decideRange('bytes=0-0', 100)).toEqual({ kind: 'partial', range: { start: 0, end: 0 } });
    expect(decideRange('bytes=99-', 100)).toEqual({ kind: 'partial', range: { start: 99, end: 99 } });
    expect(decideRange('BYTES = 1-2', 100)).toEqual({ kind: 'partial', range: { start: 1, end: 2 } });
    expect(decideRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=100-200, 300-', 100)).toEqual({ kind: 'unsatisfiable' });
    // One satisfiable among unsatisfiable ones is served.
    expect(decideRange('bytes=500-600, 10-19', 100)).toEqual({ kind: 'partial', range: { start: 10, end: 19 } });
  });

  it('ignores what it should ignore: bad syntax, other units, too many ranges, empty files', () => {
    for (const h of ['bytes=', 'bytes=a-b', 'bytes=5-1', 'bytes=1-2-3', 'bytes 0-1', 'lines=0-1', 'bytes=--1', 'bytes=99999999999999999-']) {
      expect(decideRange(h, 100), h).toEqual({ kind: 'whole' });
    }
    expect(decideRange(`bytes=${Array.from({ length: 17 }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`, 100)).toEqual({ kind: 'whole' });
    expect(decideRange('bytes=0-9', 0)).toEqual({ kind: 'whole' });
  });

  it('never returns a range outside the file (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.array(fc.tuple(fc.option(fc.nat(20_000)), fc.option(fc.nat(20_000))), { minLength: 1, maxLength: 5 }), (size, specs) => {
        const header = `bytes=${specs.map(([a, b]) => `${a ?? ''}-${b ?? ''}`).join(',')}`;
        const d = decideRange(header, size);
        if (d.kind === 'partial') {
          expect(d.range.start).toBeGreaterThanOrEqual(0);
          expect(d.range.end).toBeLessThan(size);
          expect(d.range.start).toBeLessThanOrEqual(d.range.end);
        }
      }),
    );
  });
});

describe('entity tags', () => {
  const etag = '"abc"';
  it('If-None-Match: weak comparison, lists and *', () => {
    expect(ifNoneMatchHits(undefined, etag)).toBe(false);
    expect(ifNoneMatchHits('"abc"', etag)).toBe(true);
    expect(ifNoneMatchHits('W/"abc"', etag)).toBe(true);
    expect(ifNoneMatchHits('"x", W/"abc"', etag)).toBe(true);
    expect(ifNoneMatchHits('*', etag)).toBe(true);
    expect(ifNoneMatchHits('"abcd"', etag)).toBe(false);
    expect(ifNoneMatchHits('abc', etag)).toBe(false);
  });
  it('If-Range: strong comparison only; dates never match', () => {
    expect(ifRangeAllows(undefined, etag)).toBe(true);
    expect(ifRangeAllows('"abc"', etag)).toBe(true);
    expect(ifRangeAllows('W/"abc"', etag)).toBe(false);
    expect(ifRangeAllows('"abd"', etag)).toBe(false);
    expect(ifRangeAllows('Wed, 21 Oct 2015 07:28:00 GMT', etag)).toBe(false);
  });
});
