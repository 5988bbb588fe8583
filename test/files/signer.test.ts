/**
 * The local URL signer with a controlled clock: expiry arithmetic, tamper resistance of every signed part,
 * key rotation and replica interoperability.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUrlSigner } from '../../src/files/signer.js';
import type { UrlSigner, VerifyInput } from '../../src/files/signer.js';
import { FILE_ID, OTHER_FILE_ID, TENANT, key } from './support.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0, 250);

function clock(start = T0) {
  let t = start;
  return { now: () => t, set: (ms: number) => (t = ms), advance: (ms: number) => (t += ms) };
}

function paramsOf(url: string, method = 'GET'): VerifyInput {
  const u = new URL(url);
  const fileId = decodeURIComponent(u.pathname.split('/').pop() ?? '');
  const q = u.searchParams;
  return { method, fileId, tenant: q.get('tenant') ?? '', expires: q.get('expires') ?? '', kid: q.get('kid') ?? '', sig: q.get('sig') ?? '' };
}

/** Every one-character change of a string over the URL-safe alphabet (a different character at each position). */
function oneByteChanges(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const replacement = /[0-8]/.test(c) ? String(Number(c) + 1) : c === '9' ? '8' : c === 'a' ? 'b' : c === 'A' ? 'B' : c === '_' ? '-' : 'a';
    out.push(value.slice(0, i) + replacement + value.slice(i + 1));
  }
  return out;
}

describe('createUrlSigner', () => {
  const c = clock();
  const signer: UrlSigner = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com/', now: c.now });

  it('issues a URL on the public base whose expiresAt − issuedAt is the TTL (± 1 s)', () => {
    c.set(T0);
    const issued = signer.issue({ tenantId: TENANT, fileId: FILE_ID });
    const diff = (issued.expiresAt.getTime() - issued.issuedAt.getTime()) / 1000;
    expect(Math.abs(diff - 900)).toBeLessThanOrEqual(1);
    expect(issued.issuedAt.getTime()).toBe(T0);
    const u = new URL(issued.url);
    expect(u.origin + u.pathname).toBe(`https://api.example.com/v1/downloads/${FILE_ID}`);
    expect([...u.searchParams.keys()]).toEqual(['tenant', 'expires', 'kid', 'sig']);
    expect(u.searchParams.get('expires')).toBe(String(issued.expiresAt.getTime() / 1000));
    expect(u.searchParams.get('kid')).toBe('k1');
    expect(u.searchParams.get('sig')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('honours other TTLs to the second', () => {
    for (const ttl of [10, 60, 3600]) {
      const s = createUrlSigner({ keys: [key('k1')], ttlSeconds: ttl, publicUrl: 'https://api.example.com', now: () => T0 });
      const issued = s.issue({ tenantId: TENANT, fileId: FILE_ID });
      expect(Math.abs((issued.expiresAt.getTime() - issued.issuedAt.getTime()) / 1000 - ttl)).toBeLessThanOrEqual(1);
    }
  });

  it('verifies until the expiry and refuses it one second later', () => {
    c.set(T0);
    const issued = signer.issue({ tenantId: TENANT, fileId: FILE_ID });
    const p = paramsOf(issued.url);
    expect(signer.verify(p)).toEqual({ ok: true, expiresAt: issued.expiresAt, kid: 'k1' });
    c.advance(899_000);
    expect(signer.verify(p).ok).toBe(true);
    c.set(issued.expiresAt.getTime());
    expect(signer.verify(p).ok).toBe(true);
    c.set(issued.expiresAt.getTime() + 1000);
    expect(signer.verify(p)).toEqual({ ok: false, reason: 'expired' });
    c.set(issued.expiresAt.getTime() + 3_600_000);
    expect(signer.verify(p)).toEqual({ ok: false, reason: 'expired' });
  });

  it('tolerates a verifier clock up to 60 s behind the issuer (not-before side) but not more', () => {
    const issuer = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: () => T0 + 45_000 });
    const verifierClock = clock(T0);
    const verifier = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: verifierClock.now });
    const p = paramsOf(issuer.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(verifier.verify(p).ok).toBe(true);
    const farAhead = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: () => T0 + 120_000 });
    expect(verifier.verify(paramsOf(farAhead.issue({ tenantId: TENANT, fileId: FILE_ID }).url))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a one-byte change to every signed part', () => {
    c.set(T0);
    const p = paramsOf(signer.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(signer.verify(p).ok).toBe(true);
    let tried = 0;
    for (const field of ['sig', 'expires', 'fileId', 'tenant', 'kid'] as const) {
      for (const changed of oneByteChanges(String(p[field]))) {
        const verdict = signer.verify({ ...p, [field]: changed });
        expect(verdict.ok, `${field}=${changed}`).toBe(false);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(43 + 10 + 26 + TENANT.length);
    // The method is signed too: a URL for GET does not answer POST/PUT/DELETE…
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GEt ']) {
      expect(signer.verify({ ...p, method }).ok, method).toBe(false);
    }
    // …and a HEAD-only URL never serves the bytes.
    const headOnly = paramsOf(signer.issue({ tenantId: TENANT, fileId: FILE_ID, method: 'HEAD' }).url, 'HEAD');
    expect(signer.verify(headOnly).ok).toBe(true);
    expect(signer.verify({ ...headOnly, method: 'GET' })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('lets a GET URL answer HEAD (RFC 9110: HEAD is GET without the body)', () => {
    c.set(T0);
    const p = paramsOf(signer.issue({ tenantId: TENANT, fileId: FILE_ID }).url, 'HEAD');
    expect(signer.verify(p).ok).toBe(true);
  });

  it('binds the signature to the file: a URL for one file does not open another', () => {
    c.set(T0);
    const p = paramsOf(signer.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(signer.verify({ ...p, fileId: OTHER_FILE_ID })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(signer.verify({ ...p, tenant: 'ten_other' })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses non-canonical forms of a valid expiry and malformed parameters', () => {
    c.set(T0);
    const p = paramsOf(signer.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    for (const expires of [`0${p.expires}`, `${p.expires}.0`, ` ${p.expires}`, `+${p.expires}`, '', '-1']) {
      expect(signer.verify({ ...p, expires }).ok, expires).toBe(false);
    }
    for (const sig of ['', `${p.sig}=`, `${p.sig}A`, p.sig.slice(1), p.sig.replace(/./, '+')]) {
      expect(signer.verify({ ...p, sig }).ok, sig).toBe(false);
    }
    expect(signer.verify({ ...p, tenant: `${TENANT}\n` }).ok).toBe(false);
  });

  it('rotates keys: the current key signs, previous keys still verify, unknown kids are refused', () => {
    c.set(T0);
    const oldSigner = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: c.now });
    const rotated = createUrlSigner({ keys: [key('k2'), key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: c.now });
    const oldUrl = paramsOf(oldSigner.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(rotated.currentKeyId).toBe('k2');
    expect(rotated.verify(oldUrl).ok).toBe(true);
    const newUrl = paramsOf(rotated.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(newUrl.kid).toBe('k2');
    expect(rotated.verify(newUrl).ok).toBe(true);
    // The old replica does not know k2 yet.
    expect(oldSigner.verify(newUrl)).toEqual({ ok: false, reason: 'unknown_key' });
    // Claiming another known kid with the same signature fails too.
    expect(rotated.verify({ ...newUrl, kid: 'k1' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(rotated.verify({ ...newUrl, kid: 'k9' })).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('interoperates across instances with the same keys and refuses URLs from different keys', () => {
    c.set(T0);
    const a = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://a.example.com', now: c.now });
    const b = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://b.example.com/prefix', now: c.now });
    const stranger = createUrlSigner({ keys: [key('k1', 'another-secret-of-at-least-32-characters!')], ttlSeconds: 900, publicUrl: 'https://a.example.com', now: c.now });
    const p = paramsOf(a.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(b.verify(p).ok).toBe(true);
    expect(stranger.verify(p)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('keeps a public URL path prefix outside the signed path', () => {
    const s = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://example.com/api/', now: () => T0 });
    const url = new URL(s.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(url.pathname).toBe(`/api/v1/downloads/${FILE_ID}`);
    const slashes = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://example.com/api///', now: () => T0 });
    expect(new URL(slashes.issue({ tenantId: TENANT, fileId: FILE_ID }).url).pathname).toBe(`/api/v1/downloads/${FILE_ID}`);
  });

  it('takes the longest TTL a replica issues as at least its own: its fresh URLs verify, a longer-lived replica\'s too', () => {
    c.set(T0);
    const short = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, maxTtlSeconds: 60, publicUrl: 'https://api.example.com', now: c.now });
    expect(short.verify(paramsOf(short.issue({ tenantId: TENANT, fileId: FILE_ID }).url)).ok).toBe(true);
    const longer = createUrlSigner({ keys: [key('k1')], ttlSeconds: 3600, publicUrl: 'https://api.example.com', now: c.now });
    const fromLonger = paramsOf(longer.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(short.verify(fromLonger)).toEqual({ ok: false, reason: 'bad_signature' });
    const raised = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, maxTtlSeconds: 3600, publicUrl: 'https://api.example.com', now: c.now });
    expect(raised.verify(fromLonger).ok).toBe(true);
  });

  it('refuses to be built without keys or with a bad TTL', () => {
    expect(() => createUrlSigner({ keys: [], ttlSeconds: 900, publicUrl: 'https://x.example' })).toThrow(/key/);
    expect(() => createUrlSigner({ keys: [key('k1')], ttlSeconds: 0, publicUrl: 'https://x.example' })).toThrow(/ttl/i);
  });

  it('refuses to be built with a key id a URL could not carry or an empty secret, whichever key it is', () => {
    for (const id of ['', 'k 1', 'k1\n', 'k/1', 'k'.repeat(33)]) {
      expect(() => createUrlSigner({ keys: [key('k0'), key(id)], ttlSeconds: 900, publicUrl: 'https://x.example' }), JSON.stringify(id)).toThrow(
        `createUrlSigner: invalid key id ${JSON.stringify(id)}`,
      );
    }
    expect(() => createUrlSigner({ keys: [key('k0'), { id: 'k1', secret: Buffer.alloc(0) }], ttlSeconds: 900, publicUrl: 'https://x.example' })).toThrow(
      'createUrlSigner: key k1 has an empty secret',
    );
  });

  it('signs the documented canonical string (so replicas of another version verify each other), HMAC-SHA256 in base64url', () => {
    // Recomputed here from the format, not through the signer: a change to it breaks every URL already handed out
    // and every replica still running the previous version.
    const secret = key('k1').secret;
    const s = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: () => T0 });
    for (const method of ['GET', 'HEAD'] as const) {
      const p = paramsOf(s.issue({ tenantId: TENANT, fileId: FILE_ID, method }).url, method);
      const expires = String(Math.floor(T0 / 1000) + 900);
      const canonical = ['portal-download-v1', method, `/v1/downloads/${FILE_ID}`, TENANT, FILE_ID, expires, 'k1'].join('\n');
      expect(p.expires).toBe(expires);
      expect(p.sig).toBe(createHmac('sha256', secret).update(canonical).digest('base64url'));
    }
  });

  it('calls anything it would never have issued a bad signature before looking at the key id, even an unknown one', () => {
    c.set(T0);
    const p = { ...paramsOf(signer.issue({ tenantId: TENANT, fileId: FILE_ID }).url), kid: 'k9' };
    // Well-formed but signed with a key this replica lacks: that, and only that, is an unknown key.
    expect(signer.verify(p)).toEqual({ ok: false, reason: 'unknown_key' });
    const malformed: [string, Partial<VerifyInput>][] = [
      ['a signature of the wrong length', { sig: p.sig.slice(1) }],
      ['a signature outside base64url', { sig: `${p.sig.slice(1)}+` }],
      ['a non-canonical expiry', { expires: `0${p.expires}` }],
      ['a file id with a newline', { fileId: `${FILE_ID}\n` }],
      ['a tenant with a newline', { tenant: `${TENANT}\n` }],
      ['a method no URL is issued for', { method: 'POST' }],
      ['a key id no key could have', { kid: 'k9/..' }],
      ['a key id longer than any key has', { kid: 'k'.repeat(33) }],
      // Not strings (a query parser's array, a caller's mistake): refused, never thrown on.
      ['a signature that is not a string', { sig: [p.sig] as unknown as string }],
      ['a file id that is not a string', { fileId: 42 as unknown as string }],
      ['a tenant that is not a string', { tenant: { id: TENANT } as unknown as string }],
      ['a key id that is not a string', { kid: ['k1'] as unknown as string }],
    ];
    for (const [name, change] of malformed) {
      expect(signer.verify({ ...p, ...change }), name).toEqual({ ok: false, reason: 'bad_signature' });
      expect(signer.verify({ ...p, kid: 'k1', ...change }), `${name}, known key`).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('accepts a URL from a replica whose clock runs exactly the tolerated 60 s ahead, and refuses one a millisecond further', () => {
    const whole = Math.floor(T0 / 1000) * 1000;
    const verifierClock = clock(whole);
    const verifier = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: verifierClock.now });
    const ahead = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.com', now: () => whole + 60_000 });
    const p = paramsOf(ahead.issue({ tenantId: TENANT, fileId: FILE_ID }).url);
    expect(verifier.verify(p).ok).toBe(true);
    verifierClock.set(whole - 1);
    expect(verifier.verify(p)).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
