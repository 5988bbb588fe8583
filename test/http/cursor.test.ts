/** Signed cursors: deterministic per (secret, scope, keyset), remembered without changing a byte, bound to scope. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec } from '../../src/http/pagination.js';
import { HttpProblem } from '../../src/http/problem.js';

const scope = { tenantId: 'ten_acme', list: 'contacts', filters: { q: 'ada', updatedSince: undefined } };
const keyset = { createdAt: '2026-01-02T03:04:05.678Z', id: 'con_7hR2mK9pQ4xW1nV8bT3cZs' };

describe('CursorCodec', () => {
  it('a remembered cursor is byte-identical to a freshly signed one, and decodes to its keyset', () => {
    const secret = randomBytes(32);
    const codec = new CursorCodec(secret);
    const first = codec.encode(keyset, scope);
    expect(codec.encode(keyset, scope)).toBe(first);
    expect(new CursorCodec(secret).encode(keyset, scope)).toBe(first);
    expect(codec.decode(first, scope)).toEqual(keyset);
  });

  it('another secret, keyset or scope gives another cursor; a foreign scope is refused', () => {
    const codec = new CursorCodec(randomBytes(32));
    const c = codec.encode(keyset, scope);
    expect(new CursorCodec(randomBytes(32)).encode(keyset, scope)).not.toBe(c);
    expect(codec.encode({ ...keyset, id: 'con_other' }, scope)).not.toBe(c);
    expect(codec.encode(keyset, { ...scope, tenantId: 'ten_globex' })).not.toBe(c);
    expect(() => codec.decode(c, { ...scope, tenantId: 'ten_globex' })).toThrow(HttpProblem);
    expect(() => new CursorCodec(randomBytes(32)).decode(c, scope)).toThrow(HttpProblem);
  });

  it('stays bounded and correct past its memory (20,000 distinct keysets)', () => {
    const codec = new CursorCodec(randomBytes(32));
    const ids = Array.from({ length: 20_000 }, (_, i) => `con_${i}`);
    const cursors = ids.map((id) => codec.encode({ createdAt: keyset.createdAt, id }, scope));
    expect(new Set(cursors).size).toBe(ids.length);
    for (const i of [0, 9_999, 10_000, 19_999]) expect(codec.decode(cursors[i]!, scope).id).toBe(ids[i]);
    expect((codec as unknown as { encoded: Map<string, string> }).encoded.size).toBeLessThanOrEqual(10_000);
  });
});
