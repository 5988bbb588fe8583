/**
 * The built SDK (generated/sdk/dist/index.js) in Chromium, imported by a page served from its own origin, calling
 * the real API on another: from an origin on PORTAL_CORS_ORIGINS it lists contacts and pages through every job;
 * the same page from an origin not on the list fails with the browser's CORS error (and the API logs the refusal).
 * Screenshots go to reports/e2e/.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalClient } from '../../generated/sdk/dist/index.js';
import { ACME_KEY, startTestApp, type TestApp } from '../support/app.js';
import { launchChromium, record, screenshotPath, startStaticServer, type StaticServer } from './support.js';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Portal SDK in the browser</title>
<style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}pre{background:#f4f4f4;padding:8px}</style>
</head>
<body data-state="loading">
<h1>Portal SDK in the browser</h1>
<p>Page origin: <code id="origin"></code></p>
<h2>Contacts</h2><table id="contacts"><tr><th>Name</th><th>Email</th><th>Company</th></tr></table>
<h2>Jobs</h2><p id="jobs">…</p>
<h2>Result</h2><pre id="result"></pre>
<script type="module" src="/app.js"></script>
</body>
</html>`;

/** The app: imports the SDK as a frontend would, from its own origin; API URL and token come in the hash. */
const APP = `import { createPortalClient, PortalError } from '/sdk/index.js';
const cfg = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
let requests = 0;
const portal = createPortalClient({
  baseUrl: cfg.api,
  token: cfg.token,
  maxRetries: 0,
  fetch: (req) => { requests += 1; return fetch(req); },
});
const out = { origin: location.origin };
document.getElementById('origin').textContent = location.origin;
const cell = (tr, text) => { const td = document.createElement('td'); td.textContent = text ?? ''; tr.append(td); };
try {
  const contacts = await portal.listContacts({ limit: 10 });
  for (const c of contacts.data) { const tr = document.createElement('tr'); cell(tr, c.name); cell(tr, c.email); cell(tr, c.company); document.getElementById('contacts').append(tr); }
  out.contacts = contacts.data.map((c) => c.id);
  const before = requests;
  const byStatus = {};
  const jobIds = [];
  for await (const job of portal.listJobs.all({ limit: 50 })) { jobIds.push(job.id); byStatus[job.status] = (byStatus[job.status] ?? 0) + 1; }
  out.jobIds = jobIds;
  out.jobPages = requests - before;
  out.byStatus = byStatus;
  document.getElementById('jobs').textContent = jobIds.length + ' jobs in ' + out.jobPages + ' pages: ' + JSON.stringify(byStatus);
  document.body.dataset.state = 'done';
} catch (e) {
  out.error = { name: e.name, isPortalError: e instanceof PortalError, kind: e.kind, message: e.message, cause: e.cause ? { name: e.cause.name, message: e.cause.message } : null };
  document.body.dataset.state = 'error';
}
document.getElementById('result').textContent = JSON.stringify({ ...out, jobIds: out.jobIds?.length }, null, 2);
window.__result = out;
`;

interface PageResult {
  origin: string;
  contacts?: string[];
  jobIds?: string[];
  jobPages?: number;
  byStatus?: Record<string, number>;
  error?: { name: string; isPortalError: boolean; kind?: string; message: string; cause: { name: string; message: string } | null };
}

let allowed: StaticServer;
let blocked: StaticServer;
let api: TestApp;
let browser: Browser;

beforeAll(async () => {
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', PAGE],
    '/app.js': ['text/javascript; charset=utf-8', APP],
    '/sdk/index.js': ['text/javascript; charset=utf-8', readFileSync(new URL('../../generated/sdk/dist/index.js', import.meta.url), 'utf8')],
  };
  allowed = await startStaticServer(files);
  blocked = await startStaticServer(files);
  api = await startTestApp({ PORTAL_CORS_ORIGINS: allowed.origin, PORTAL_RATE_LIMIT_PER_MINUTE: '10000' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await allowed?.close();
  await blocked?.close();
});

async function open(origin: string, shot: string) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const rec = await record(page);
  await page.goto(`${origin}/#${new URLSearchParams({ api: api.url, token: ACME_KEY })}`);
  await page.waitForSelector('body:not([data-state="loading"])', { timeout: 30_000 });
  const state = await page.getAttribute('body', 'data-state');
  const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageResult;
  await page.screenshot({ path: screenshotPath(shot), fullPage: true });
  await page.close();
  return { state, result, rec };
}

describe('the SDK in Chromium', () => {
  it('from an allowed origin: lists contacts and pages through every job', async () => {
    const { state, result, rec } = await open(allowed.origin, 'sdk-allowed-origin');
    expect(result.error).toBeUndefined();
    expect(state).toBe('done');
    expect(result.contacts).toHaveLength(10);

    // The same answers Node gets from the same SDK.
    const node = createPortalClient({ baseUrl: api.url, token: ACME_KEY });
    expect(result.contacts).toEqual((await node.listContacts({ limit: 10 })).data.map((c) => c.id));
    const all: string[] = [];
    for await (const job of node.listJobs.all({ limit: 100 })) all.push(job.id);
    expect(result.jobIds).toEqual(all);
    expect(result.jobPages).toBe(Math.ceil(all.length / 50));
    expect(result.jobPages).toBeGreaterThan(1);

    expect(rec.requests.some((u) => u.startsWith(`${api.url}/v1/jobs?`) && u.includes('cursor='))).toBe(true);
    expect(rec.consoleErrors).toEqual([]);
    expect(rec.pageErrors).toEqual([]);
  });

  it('from an origin not on the allow-list: the browser’s CORS error, refused by the API', async () => {
    const { state, result, rec } = await open(blocked.origin, 'sdk-blocked-origin');
    expect(state).toBe('error');
    expect(result.contacts).toBeUndefined();
    expect(result.error).toMatchObject({ name: 'PortalConnectionError', isPortalError: true, kind: 'connection', cause: { name: 'TypeError', message: 'Failed to fetch' } });
    expect(rec.consoleErrors.join('\n')).toMatch(new RegExp(`from origin '${blocked.origin}' has been blocked by CORS policy`));

    // The API saw the request and refused it: a 403 without CORS headers, logged with the origin.
    const refused = api.logs.records().filter((r) => r.event === 'cors.blocked');
    expect(refused.map((r) => r.origin)).toContain(blocked.origin);
    const direct = await fetch(`${api.url}/v1/contacts`, { headers: { Origin: blocked.origin, Authorization: `Bearer ${ACME_KEY}` } });
    expect(direct.status).toBe(403);
    expect(direct.headers.get('access-control-allow-origin')).toBeNull();
  });
});
