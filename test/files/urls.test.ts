/** redactUrl / redactText (used by every logger and tracer), Content-Disposition and Content-Type hygiene. */
import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../src/common/redaction.js';
import { contentDisposition, safeContentType } from '../../src/files/download-headers.js';

describe('redactUrl', () => {
  it('redacts our signature and keeps the other parameters', () => {
    expect(redactUrl('https://api.example.com/v1/downloads/fil_x?tenant=ten_a&expires=1756801598&kid=k1&sig=3q2-7wAbC')).toBe(
      'https://api.example.com/v1/downloads/fil_x?tenant=ten_a&expires=1756801598&kid=k1&sig=REDACTED',
    );
    expect(redactUrl('/v1/downloads/fil_x?sig=abc&tenant=ten_a')).toBe('/v1/downloads/fil_x?sig=REDACTED&tenant=ten_a');
  });

  it('redacts S3 presigned credentials whatever their case, and drops fragments', () => {
    const url =
      'http://127.0.0.1:9000/bucket/ten_a/job_b/fil_c?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-Signature=deadbeef&X-Amz-SignedHeaders=host&x-amz-security-token=tok#frag=sig=1';
    const out = redactUrl(url);
    expect(out).not.toMatch(/deadbeef|AKIA|=tok|frag/);
    expect(out).toContain('X-Amz-Signature=REDACTED');
    expect(out).toContain('X-Amz-Credential=REDACTED');
    expect(out).toContain('x-amz-security-token=REDACTED');
    expect(out).toContain('X-Amz-Expires=900');
    expect(redactUrl('/x?SIG=1&Sig=2&%73ig=3')).toBe('/x?SIG=REDACTED&Sig=REDACTED&%73ig=REDACTED');
    expect(redactUrl('/x?bad=%E0%A4%A&sig')).toBe('/x?bad=%E0%A4%A&sig=REDACTED');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });

  it('redactText scrubs signatures embedded in free text', () => {
    const text = 'GET https://h/v1/downloads/f?tenant=t&sig=SECRET1 failed; see "X-Amz-Signature=SECRET2" and (token=SECRET3)';
    const out = redactText(text);
    expect(out).not.toMatch(/SECRET/);
    expect(out).toContain('tenant=t');
  });
});

describe('contentDisposition', () => {
  it('is an attachment with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 8187)', () => {
    expect(contentDisposition('revenue-2025-q3.csv')).toBe(`attachment; filename="revenue-2025-q3.csv"; filename*=UTF-8''revenue-2025-q3.csv`);
    expect(contentDisposition('naïve résumé (1).pdf')).toBe(
      `attachment; filename="naive resume (1).pdf"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9%20%281%29.pdf`,
    );
    expect(contentDisposition('报告.xlsx')).toBe(`attachment; filename="__.xlsx"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.xlsx`);
  });

  it('never lets control characters, quotes or path separators through', () => {
    const v = contentDisposition('a"b\\c/d\r\nSet-Cookie: x=1%.txt');
    expect(v).not.toMatch(/[\r\n]/);
    expect(v).toMatch(/^attachment; filename="a_b_c_dSet-Cookie: x=1_.txt"; filename\*=UTF-8''/);
    expect(contentDisposition('..')).toMatch(/^attachment; filename="download"/);
    expect(contentDisposition('')).toMatch(/^attachment; filename="download"/);
  });
});

describe('safeContentType', () => {
  it('keeps valid media types and replaces anything odd', () => {
    expect(safeContentType('text/csv')).toBe('text/csv');
    expect(safeContentType('text/plain; charset=utf-8')).toBe('text/plain; charset=utf-8');
    expect(safeContentType('text/html\r\nX-Evil: 1')).toBe('application/octet-stream');
    expect(safeContentType('')).toBe('application/octet-stream');
    expect(safeContentType(undefined)).toBe('application/octet-stream');
  });
});
