/**
 * Security headers on every kind of answer (200, 304, 4xx, 429, 5xx, preflight), the API CSP, and the docs CSP
 * built from the generated page's inline-script hashes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createSecurityHeaders, inlineScriptHashes } from '../../src/security/headers.js';
import { buildApp, KeyRing } from './harness.js';

const KEY = 'pk_live_HeadKeyHeadKeyHeadKey0001';
const keys = new KeyRing();
keys.add(KEY, { tenantId: 'ten_acme' });
const auth = `Bearer ${KEY}`;

function expectSecurityHeaders(h: Record<string, string>, csp = "default-src 'none'; frame-ancestors 'none'") {
  expect(h['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['content-security-policy']).toBe(csp);
  expect(h['x-powered-by']).toBeUndefined();
}

describe('security headers on every answer', () => {
  const { app } = buildApp({ keys });
  const kinds: Array<[string, () => request.Test, number]> = [
    ['200', () => request(app).get('/v1/contacts').set('Authorization', auth), 200],
    ['304', () => request(app).get('/v1/contacts').set('Authorization', auth).set('If-None-Match', '"c1"'), 304],
    ['401', () => request(app).get('/v1/contacts'), 401],
    ['403 (CORS)', () => request(app).get('/v1/health').set('Origin', 'https://evil.example.com'), 403],
    ['404', () => request(app).get('/v1/nothing-here').set('Authorization', auth), 404],
    ['405', () => request(app).delete('/v1/contacts'), 405],
    ['400 (traversal)', () => request(app).get('/v1/contacts/..%2fx'), 400],
    ['500', () => request(app).get('/v1/boom').set('Authorization', auth), 500],
    ['health 200', () => request(app).get('/v1/health'), 200],
  ];
  it.each(kinds)('%s', async (_label, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expectSecurityHeaders(res.headers as Record<string, string>);
  });

  it('429', async () => {
    const { app: limited } = buildApp({ keys, limits: { api: 1 } });
    await request(limited).get('/v1/jobs').set('Authorization', auth);
    const res = await request(limited).get('/v1/jobs').set('Authorization', auth);
    expect(res.status).toBe(429);
    expectSecurityHeaders(res.headers as Record<string, string>);
  });

  it('a 500 leaks no stack trace', async () => {
    const res = await request(app).get('/v1/boom').set('Authorization', auth);
    expect(res.text).not.toMatch(/at .*\.ts:\d+|Error: boom/);
  });
});

describe('the docs CSP', () => {
  it('hashes exactly the inline scripts of the page, never external ones', () => {
    const html = '<script src="/docs/redoc.standalone.js"></script><script>Redoc.init("/openapi.json")</script><script type="module">x()</script>';
    const expected = ['Redoc.init("/openapi.json")', 'x()'].map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    expect(inlineScriptHashes(html)).toEqual(expected);
  });

  it('/docs gets script-src self plus the generated page hashes, frame-ancestors none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portal-docs-'));
    const file = path.join(dir, 'index.html');
    const inline = 'Redoc.init("/openapi.json", {}, document.getElementById("redoc"))';
    writeFileSync(file, `<!doctype html><body><div id="redoc"></div><script src="redoc.standalone.js"></script><script>${inline}</script></body>`);
    const { app } = buildApp({ keys, docsHtmlPath: file });
    const res = await request(app).get('/docs');
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    const hash = createHash('sha256').update(inline).digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    // The API keeps the strict policy.
    const api = await request(app).get('/v1/health');
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('helmet, run as a middleware', () => {
  it("the app's header stage sets helmet's headers on every request, the docs CSP only under /docs", async () => {
    const app = express().use(createSecurityHeaders()).get(/.*/, (_req, res) => res.json({}));
    const api = await request(app).get('/v1/contacts');
    const docs = await request(app).get('/docs/');
    const docsLookalike = await request(app).get('/docsx');
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(docsLookalike.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
    for (const h of [api.headers, docs.headers]) {
      expect(h['x-frame-options']).toBe('DENY');
      expect(h['x-content-type-options']).toBe('nosniff');
    }
  });
});
