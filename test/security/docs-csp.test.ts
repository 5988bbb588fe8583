/**
 * The /docs CSP in a real browser (Debian's Chromium through playwright-core): the self-hosted Redoc page loads
 * its own scripts and works (rendering, search), while anything foreign is blocked: an injected inline script,
 * a script or an image from another origin.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { openDependencies, type Dependencies } from '../../src/runtime/dependencies.js';
import { requireServices } from '../support/services.js';

const CHROMIUM = '/usr/bin/chromium';
function hasChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (requireServices) throw new Error(`Chromium is required (PORTAL_TEST_REQUIRE_SERVICES=1) but ${CHROMIUM} is missing (apt-get install chromium)`);
  console.warn(`\n*** SKIPPING the /docs CSP browser test: ${CHROMIUM} is missing (apt-get install chromium) ***\n`);
  return false;
}

describe.runIf(hasChromium())('the /docs page under its CSP, in Chromium', () => {
  let dir: string;
  let deps: Dependencies;
  let server: Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'portal-docs-csp-'));
    const config = loadConfig({ NODE_ENV: 'test', PORTAL_DATA_DIR: dir, PORTAL_SEED_DEMO: 'false' });
    const logger = createLogger({ level: 'silent', debugLogSampleRate: 0 });
    deps = await openDependencies(config, logger);
    server = createServer(createApp({ config, backend: deps.backend, blobs: deps.blobs, logger }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await deps?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the self-hosted Redoc page (render + search) and blocks everything foreign', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    const failed: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { reportViolation: (v: string) => void }).reportViolation(`${e.effectiveDirective} ${e.blockedURI}`),
      );
    });
    page.on('response', (r) => {
      if (r.url().startsWith(base) && r.status() >= 400 && !r.url().endsWith('/favicon.ico')) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${base}/docs/`, { waitUntil: 'networkidle' });

    // Our own scripts all loaded (a same-origin module script carries Origin: it must not meet the CORS wall).
    expect(failed).toEqual([]);
    await expect(page.title()).resolves.toBe('Portal API reference');
    // The client bundle is live: search opens and finds operations.
    await page.getByText('Search Ctrl+K').first().click();
    await page.locator('input').first().fill('contact');
    await page.getByText('List contacts').first().waitFor({ timeout: 15_000 });

    // No script of ours was blocked: script violations may only be the bundle's optional eval probe.
    expect(violations.filter((v) => v.startsWith('script-src') && v !== 'script-src-elem eval' && v !== 'script-src eval')).toEqual([]);

    // What the policy is for: an injected inline script and a foreign script do not run.
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { injected?: boolean; foreign?: boolean };
      const inline = document.createElement('script');
      inline.textContent = 'window.injected = true';
      document.body.appendChild(inline);
      const foreign = document.createElement('script');
      foreign.src = 'https://evil.example.com/x.js';
      document.body.appendChild(foreign);
      await new Promise((r) => setTimeout(r, 300));
      return { injected: w.injected === true, foreign: w.foreign === true };
    });
    expect(ran).toEqual({ injected: false, foreign: false });
    expect(violations.some((v) => v.startsWith('script-src') && v.endsWith(' inline'))).toBe(true);
    expect(violations).toContain('script-src-elem https://evil.example.com/x.js');
    await page.close();
  }, 60_000);
});
