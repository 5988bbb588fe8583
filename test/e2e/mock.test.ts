/**
 * `npm run mock` as a frontend developer uses it: the npm script started as a process (Stoplight Prism serving the
 * contract's examples), and the built SDK in Chromium, imported by a page on another origin, pointed at it. The
 * page lists contacts and reads one (the contract's examples come back), and a bad request gets the contract's
 * problem through the SDK's typed error, as the real API would answer it. SIGTERM to the process group ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT, freePort } from '../../scripts/bench/portal-process.js';
import { launchChromium, record, screenshotPath, startStaticServer, type StaticServer } from './support.js';

const spec = JSON.parse(readFileSync(`${REPO_ROOT}/generated/openapi.json`, 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { examples: Record<string, { value: unknown }> }> }> }>>;
};
const firstExample = (path: string, status: string) => Object.values(spec.paths[path]!.get!.responses[status]!.content['application/json']!.examples)[0]!.value;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Portal SDK against the mock</title></head>
<body data-state="loading"><h1>Contacts (mock)</h1><ul id="contacts"></ul><pre id="result"></pre>
<script type="module" src="/app.js"></script></body></html>`;

/** What a frontend developer writes on day one, with the mock's URL as baseUrl (any token: the mock checks it is there). */
const APP = `import { createPortalClient, PortalApiError } from '/sdk/index.js';
const cfg = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
const portal = createPortalClient({ baseUrl: cfg.api, token: 'pk_test_anything', maxRetries: 0 });
const out = {};
try {
  const page = await portal.listContacts({ limit: 10 });
  for (const c of page.data) { const li = document.createElement('li'); li.textContent = c.name + ' <' + c.email + '>'; document.getElementById('contacts').append(li); }
  out.list = page;
  out.one = await portal.getContact({ contactId: page.data[0].id });
  try {
    await portal.listContacts({ limit: 101 });
  } catch (e) {
    out.bad = { isApiError: e instanceof PortalApiError, kind: e.kind, status: e.status, problem: e.problem };
  }
  document.body.dataset.state = 'done';
} catch (e) {
  out.error = { name: e.name, message: e.message };
  document.body.dataset.state = 'error';
}
document.getElementById('result').textContent = JSON.stringify(out, null, 2);
window.__result = out;
`;

let mock: ChildProcess;
let mockUrl: string;
let mockOutput = '';
let site: StaticServer;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  mockUrl = `http://127.0.0.1:${port}`;
  // The README's command, as a terminal runs it: its own process group, signalled as a whole at the end.
  mock = spawn('npm', ['run', 'mock', '--', '--port', String(port)], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  mock.stdout!.setEncoding('utf8').on('data', (d: string) => (mockOutput += d));
  mock.stderr!.setEncoding('utf8').on('data', (d: string) => (mockOutput += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (mock.exitCode !== null) throw new Error(`npm run mock exited early:\n${mockOutput}`);
    const up = await fetch(`${mockUrl}/v1/health`).then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`npm run mock did not answer within 60 s:\n${mockOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  site = await startStaticServer({
    '/': ['text/html; charset=utf-8', PAGE],
    '/app.js': ['text/javascript; charset=utf-8', APP],
    '/sdk/index.js': ['text/javascript; charset=utf-8', readFileSync(`${REPO_ROOT}/generated/sdk/dist/index.js`, 'utf8')],
  });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (mock && mock.exitCode === null && mock.signalCode === null) {
    process.kill(-mock.pid!, 'SIGKILL');
    await once(mock, 'exit');
  }
});

it('the SDK in Chromium lists contacts from the mock: the contract examples, and the contract problem for a bad limit', async () => {
  const page = await browser.newPage();
  const rec = await record(page);
  await page.goto(`${site.origin}/#${new URLSearchParams({ api: mockUrl })}`);
  await page.waitForSelector('body:not([data-state="loading"])', { timeout: 30_000 });
  const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as {
    list?: { data: { id: string; name: string }[] };
    one?: unknown;
    bad?: { isApiError: boolean; kind: string; status: number; problem: { status: number; errors?: { location: string; name: string }[] } };
    error?: unknown;
  };
  await page.screenshot({ path: screenshotPath('sdk-mock'), fullPage: true });
  expect(result.error).toBeUndefined();
  expect(result.list).toEqual(firstExample('/v1/contacts', '200'));
  expect(await page.locator('#contacts li').first().textContent()).toContain(result.list!.data[0]!.name);
  expect(result.one).toEqual(firstExample('/v1/contacts/{contactId}', '200'));
  expect(result.bad).toMatchObject({ isApiError: true, kind: 'bad_request', status: 400, problem: { status: 400 } });
  expect(result.bad!.problem.errors).toContainEqual(expect.objectContaining({ location: 'query', name: 'limit' }));
  // Cross-origin from the page's own origin: the mock answers CORS for a local frontend, so the only console
  // error is Chromium's note of the deliberate 400.
  expect(rec.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  expect(rec.pageErrors).toEqual([]);
  await page.close();

  // Ctrl-C in the terminal: the whole group gets the signal and the mock stops.
  process.kill(-mock.pid!, 'SIGTERM');
  const [code, signal] = (await once(mock, 'exit')) as [number | null, NodeJS.Signals | null];
  expect({ code, signal }).toEqual({ code: 0, signal: null });
});
