/** toIso (src/backend/sql/schema.ts) formats epoch milliseconds exactly as Date#toISOString, and toMs inverts it. */
import { describe, expect, it } from 'vitest';
import { toIso, toMs } from '../../src/backend/sql/schema.js';
import { Prng } from '../../src/backend/sql/prng.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('toIso', () => {
  it('equals Date#toISOString on the edges of the fast range: epoch, leap days, centuries, year ends, 9999', () => {
    const edges = [
      0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000,
      Date.UTC(1972, 1, 29), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 1, 28, 12), Date.UTC(2100, 2, 1),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999), Date.UTC(2025, 0, 1), Date.UTC(2025, 10, 3, 9, 30),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    for (const ms of edges) expect(toIso(ms)).toBe(iso(ms));
  });

  it('equals Date#toISOString on 200,000 instants spread over 1970–9999 and on every day of 2024–2026', () => {
    const rng = new Prng('toIso');
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor(rng.next() * Date.UTC(9999, 11, 31, 23, 59, 59, 999));
      if (toIso(ms) !== iso(ms)) expect(toIso(ms)).toBe(iso(ms));
    }
    for (let ms = Date.UTC(2024, 0, 1, 0, 0, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 86_400_000 + 1_234) expect(toIso(ms)).toBe(iso(ms));
  });

  it('defers to Date#toISOString outside it (before 1970, from year 10000, fractions), and toMs inverts it', () => {
    for (const ms of [-1, -86_400_001, Date.UTC(10000, 0, 1), 1.5]) expect(toIso(ms)).toBe(iso(ms));
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
    expect(toIso('1762162200000' as unknown as number)).toBe('2025-11-03T09:30:00.000Z'); // a BIGINT a driver left as text
    expect(toMs(toIso(1_762_162_200_123))).toBe(1_762_162_200_123);
  });
});
