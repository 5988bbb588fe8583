import { describe, expect, it } from 'vitest';
import { base62, BASE62, ID_PATTERNS, newId } from '../../src/backend/ids.js';

describe('ids', () => {
  it('makes prefixed ids of 22 base62 characters that match the contract patterns', () => {
    for (const prefix of ['con', 'job', 'fil', 'key'] as const) {
      const ids = new Set(Array.from({ length: 2000 }, () => newId(prefix)));
      expect(ids.size).toBe(2000);
      for (const id of ids) expect(id).toMatch(ID_PATTERNS[prefix]);
    }
  });

  it('draws characters without modulo bias (rejects bytes ≥ 248)', () => {
    // A byte source that cycles 0..255: accepted bytes 0..247 hit each character exactly 4 times per cycle.
    let b = 0;
    const cycling = (n: number) => Buffer.from(Array.from({ length: n }, () => b++ % 256));
    const s = base62(248 * 10, cycling);
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    expect(new Set(counts.values())).toEqual(new Set([40]));
    expect(BASE62).toHaveLength(62);
  });

  it('validates tenant ids', () => {
    expect(ID_PATTERNS.tenant.test('ten_acme')).toBe(true);
    expect(ID_PATTERNS.tenant.test('ten_a-b-1')).toBe(true);
    expect(ID_PATTERNS.tenant.test('ten_-x')).toBe(false);
    expect(ID_PATTERNS.tenant.test('ten_ACME')).toBe(false);
    expect(ID_PATTERNS.tenant.test(`ten_${'a'.repeat(41)}`)).toBe(false);
  });
});
