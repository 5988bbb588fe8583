/**
 * Security headers (helmet 8) on every response, set first thing so errors, 304s and 429s carry them too.
 *
 * API responses are JSON and never rendered: CSP `default-src 'none'; frame-ancestors 'none'`. The `/docs` page
 * is the self-hosted Redoc bundle: it gets a CSP that lets only our own scripts run, plus the exact inline
 * scripts of the generated page, by hash. The hashes are computed from the generated file at start-up, so a
 * regenerated page never needs a hand-edited policy. Redoc (styled-components) injects `<style>` elements at
 * run time, which no hash can cover, hence `style-src 'unsafe-inline'` there (styles cannot run code).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

export const HSTS_MAX_AGE_SECONDS = 31_536_000;
const FRAME_OPTIONS = 'deny';
const REFERRER_POLICY = 'no-referrer';

export interface SecurityHeadersOptions {
  /** The generated Redoc page; its inline scripts are hashed into the docs CSP. Missing file → no hashes. */
  docsHtmlPath?: string | URL;
  /** Path prefix of the docs page (default `/docs`). */
  docsPrefix?: string;
}

/** `'sha256-…'` sources for every inline `<script>` (without `src`) in an HTML page. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    const attrs = m[1] ?? '';
    const body = m[2] ?? '';
    if (/\bsrc\s*=/i.test(attrs) || body.length === 0) continue;
    hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return [...hashes];
}

function common(): HelmetOptions {
  return {
    strictTransportSecurity: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true, preload: false },
    xFrameOptions: { action: FRAME_OPTIONS },
    xContentTypeOptions: true,
    referrerPolicy: { policy: REFERRER_POLICY },
    // The portal (portal.example.com) is same-site with the API; signed downloads may be embedded there.
    crossOriginResourcePolicy: { policy: 'same-site' },
    xPoweredBy: true,
  };
}

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The security headers of an answer the HTTP parser gives before a request exists (src/security/server-hardening.ts),
 * where no middleware runs: the same policies as every other answer's.
 */
export const PARSER_REFUSAL_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  'Content-Security-Policy': API_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': FRAME_OPTIONS.toUpperCase(),
  'Referrer-Policy': REFERRER_POLICY,
};

/** The docs page's CSP: only our own scripts and the generated page's inline scripts (by hash) run. */
export function docsCsp(scriptHashes: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${["'self'", ...scriptHashes].join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    // Redoc fetches the spec from this origin and runs its search index in a blob: worker.
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function readDocsHashes(path: string | URL | undefined): string[] {
  if (path === undefined) return [];
  try {
    return inlineScriptHashes(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

export function createSecurityHeaders(opts: SecurityHeadersOptions = {}): RequestHandler {
  const prefix = opts.docsPrefix ?? '/docs';
  // helmet joins CSP directives with ";" — the two policies are set here verbatim instead, in the documented form.
  const protect = helmet({ ...common(), contentSecurityPolicy: false });
  const docsPolicy = docsCsp(readDocsHashes(opts.docsHtmlPath));
  return function securityHeaders(req: Request, res: Response, next: NextFunction): void {
    const path = req.path;
    const isDocs = path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/');
    res.setHeader('Content-Security-Policy', isDocs ? docsPolicy : API_CSP);
    protect(req, res, next);
  };
}
