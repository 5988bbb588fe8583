/**
 * `/docs` in Chromium, served by the app under its production configuration (NODE_ENV=production): the Redoc page
 * renders and lists every operation of the contract, under the production CSP, with no CSP violation, no console
 * error and no request leaving the machine. Screenshots go to reports/e2e/.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { operations } from '../../generated/operations.js';
import { docsCsp, inlineScriptHashes } from '../../src/security/headers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { isLocal, launchChromium, record, screenshotPath } from './support.js';

let api: TestApp;
let browser: Browser;

beforeAll(async () => {
  api = await startTestApp({
    NODE_ENV: 'production',
    PORTAL_SIGNING_KEYS: 'e2e:an-e2e-signing-secret-of-at-least-32-characters',
    PORTAL_RESPONSE_VALIDATION: 'off',
  });
  expect(api.config.env).toBe('production');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

it('renders every operation offline, under the production CSP, without a violation', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const rec = await record(page);

  const res = await page.goto(`${api.url}/docs`, { waitUntil: 'networkidle' });
  expect(res?.status()).toBe(200);
  const csp = res?.headers()['content-security-policy'];
  const html = readFileSync(new URL('../../generated/docs/index.html', import.meta.url), 'utf8');
  expect(csp).toBe(docsCsp(inlineScriptHashes(html)));
  expect(csp).toMatch(/script-src 'self'(;| 'sha256-)/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);

  await expect.poll(() => page.locator('h1').first().textContent(), { timeout: 15_000 }).toContain('Portal API');
  await page.screenshot({ path: screenshotPath('docs-overview') });

  // The side menu shows a tag's operations once the tag is opened (all start closed; opening one closes the
  // others): open each once, collect its operations.
  const listed = new Set<string>();
  const routes = new Map<string, string>();
  const tags = [...new Set(Object.values(operations).map((o) => tagOf(o.operationId)))];
  for (const tag of tags) {
    const ops = Object.values(operations).filter((o) => tagOf(o.operationId) === tag);
    await page.locator('[data-component-name="Menu/MenuItem"].menu-item-type-group', { hasText: tag }).first().click();
    for (const op of ops) {
      const item = page.locator('.menu-item-type-operation', { hasText: summaryOf(op.operationId) }).first();
      await item.waitFor({ state: 'visible' });
      listed.add((await item.textContent())?.trim() ?? '');
      routes.set(op.operationId, (await item.locator('a').first().getAttribute('href')) ?? '');
    }
  }
  for (const op of Object.values(operations)) expect([...listed], op.operationId).toContain(`${summaryOf(op.operationId)}${op.method}`);

  // An operation's own page (the menu link's route) renders its heading, method and path.
  const route = routes.get('listJobs')!;
  expect(route).toMatch(/^#\//);
  await page.evaluate((h) => void (location.hash = h), route);
  await page.getByRole('heading', { name: 'List jobs' }).first().waitFor({ state: 'visible' });
  await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toMatch(/GET\s*\/v1\/jobs\s/);
  await page.screenshot({ path: screenshotPath('docs-list-jobs') });

  // Search still works: its index runs in the page, since the CSP allows no eval for a worker factory.
  // (A hit shows where the term matched, e.g. "query parameters → tenant": text found only in search results.)
  expect(await page.locator('body').textContent()).not.toContain('query parameters → tenant');
  await page.keyboard.press('Control+k');
  await page.keyboard.type('signed URL');
  await expect.poll(() => page.locator('body').textContent(), { timeout: 15_000 }).toContain('query parameters → tenant');
  await page.screenshot({ path: screenshotPath('docs-search') });

  const offMachine = rec.requests.filter((u) => !isLocal(u));
  expect(offMachine).toEqual([]);
  expect(await rec.cspViolations()).toEqual([]);
  expect(rec.consoleErrors).toEqual([]);
  expect(rec.pageErrors).toEqual([]);
  await page.close();
});

const spec = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[] }>>;
};
function find(operationId: string) {
  for (const item of Object.values(spec.paths)) for (const op of Object.values(item)) if (op?.operationId === operationId) return op;
  throw new Error(`no operation ${operationId}`);
}
const summaryOf = (id: string) => find(id).summary ?? id;
const tagOf = (id: string) => find(id).tags?.[0] ?? 'default';
