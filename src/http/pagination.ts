/**
 * Opaque, tamper-evident cursors: `base64url(payload).base64url(hmac)`. The payload holds the keyset of the last
 * row and a fingerprint of (tenant, list, filters), so a cursor replayed by another tenant, on another list or
 * with other filters is rejected with 400 — it can never read foreign rows.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyset } from '../backend/port.js';
import { problems } from './problem.js';

const MAC_BYTES = 16;

/** Fingerprints of recent (tenant, list, filters) scopes: most pages are of a handful of lists. Bounded. */
const fingerprints = new Map<string, string>();
const MAX_FINGERPRINTS = 10_000;

function fingerprint(tenantId: string, list: string, filters: Record<string, unknown>): string {
  const canonical = JSON.stringify([tenantId, list, Object.keys(filters).sort().map((k) => [k, filters[k] ?? null])]);
  let fp = fingerprints.get(canonical);
  if (fp === undefined) {
    fp = createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
    if (fingerprints.size >= MAX_FINGERPRINTS) fingerprints.clear();
    fingerprints.set(canonical, fp);
  }
  return fp;
}

/**
 * Signed cursors are a pure function of (secret, scope, keyset), and a page's cursor repeats as long as its last
 * row does (clients polling a first page, several clients on the same list). The HMAC runs cache-cold on the
 * request path (docs/benchmarks.md), so recent ones are kept.
 * Per codec (so per secret), bounded.
 */
const MAX_ENCODED = 10_000;

export class CursorCodec {
  private readonly encoded = new Map<string, string>();

  constructor(private readonly secret: Buffer) {}

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(payload).digest().subarray(0, MAC_BYTES);
  }

  encode(keyset: Keyset, scope: { tenantId: string; list: string; filters: Record<string, unknown> }): string {
    const f = fingerprint(scope.tenantId, scope.list, scope.filters);
    const key = `${f}\0${keyset.createdAt}\0${keyset.id}`;
    let cursor = this.encoded.get(key);
    if (cursor === undefined) {
      const payload = Buffer.from(JSON.stringify({ v: 1, f, c: keyset.createdAt, i: keyset.id })).toString('base64url');
      cursor = `${payload}.${this.mac(payload).toString('base64url')}`;
      if (this.encoded.size >= MAX_ENCODED) this.encoded.clear();
      this.encoded.set(key, cursor);
    }
    return cursor;
  }

  /** The keyset a cursor holds, or a 400 problem naming `cursor`. */
  decode(cursor: string, scope: { tenantId: string; list: string; filters: Record<string, unknown> }): Keyset {
    const invalid = (message: string) =>
      problems.badRequest('The cursor is not valid for this list and these filters; start again from the first page.', [
        { location: 'query', name: 'cursor', message },
      ]);
    const [payload, mac, extra] = cursor.split('.');
    if (!payload || !mac || extra !== undefined) throw invalid('malformed cursor');
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('cursor signature does not match');
    let data: { v?: number; f?: string; c?: string; i?: string };
    try {
      data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof data;
    } catch {
      throw invalid('malformed cursor');
    }
    if (data.v !== 1 || typeof data.c !== 'string' || typeof data.i !== 'string') throw invalid('malformed cursor');
    if (data.f !== fingerprint(scope.tenantId, scope.list, scope.filters)) throw invalid('cursor belongs to another list or other filters');
    return { createdAt: data.c, id: data.i };
  }
}

/** RFC 8288 `Link` to the next page: the same request with the next cursor. */
export function nextLink(publicUrl: string, path: string, query: Record<string, unknown>, nextCursor: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'cursor' || v === undefined || v === null) continue;
    params.set(k, String(v));
  }
  params.set('cursor', nextCursor);
  return `<${publicUrl}${path}?${params.toString()}>; rel="next"`;
}
