/**
 * Browser end-to-end support: Debian's Chromium driven by playwright-core, a tiny static server for pages on an
 * origin of our choosing, and a recorder of everything a page did that a test may want to assert on (requests,
 * console errors, uncaught errors, CSP violations).
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { listenLocal } from '../support/listen.js';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PORTAL_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../reports/e2e');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, `${name}.png`);
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>`: the page's origin. */
  origin: string;
  close(): Promise<void>;
}

/** Serves fixed files (path → [content type, body]) on 127.0.0.1; anything else is 404. */
export async function startStaticServer(files: Record<string, [string, string | Buffer]>): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  const listening = await listenLocal(server);
  return { origin: listening.url, close: listening.close };
}

export interface CspViolation {
  directive: string;
  blocked: string;
  sample: string;
  /** script:line:column that caused it. */
  where: string;
}

export interface PageRecord {
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Read from the page: every `securitypolicyviolation` event since it loaded. */
  cspViolations(): Promise<CspViolation[]>;
}

/** Starts recording on a fresh page; call before navigating. */
export async function record(page: Page): Promise<PageRecord> {
  const rec = { requests: [] as string[], consoleErrors: [] as string[], pageErrors: [] as string[] };
  page.on('request', (r) => rec.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') rec.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => rec.pageErrors.push(e.message));
  // Runs before the page's own scripts (injected over CDP, so the page's CSP does not apply to it).
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: unknown[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, where: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}` }),
    );
  });
  return {
    ...rec,
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: CspViolation[] }).__csp),
  };
}

/** True for URLs that stay on this machine (127.0.0.1) or never hit the network (data:, blob:). */
export function isLocal(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'data:' || u.protocol === 'blob:' || ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname === '127.0.0.1');
}
