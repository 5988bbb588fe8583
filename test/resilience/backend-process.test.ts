/**
 * The two tiers as deployed: `npm run backend` started as a real process (SQLite under a seeded data dir), the
 * fault proxy in front of it, and the portal (createApp over the RPC client, through the resilience pipeline)
 * answering over HTTP. Whatever the tier does wrong — a body that is not JSON or not the contract's shape, a body
 * cut off half way, a body that stalls half way, the service killed and restarted under load — the portal answers
 * 503 or 504 problem+json (never 404, 401, 500 or a hang), and once the tier is healthy again it serves again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../scripts/bench/seed-data.js';
import { ACME_KEY, startTestApp, type TestApp } from '../support/app.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { BACKEND_SECRET, SERVICES, startService, until, type Running } from '../support/launch.js';
import { get } from '../ops/load-client.js';

const TIMEOUT_MS = 1000;
const HALF_OPEN_MS = 500;
const AUTH = { Authorization: `Bearer ${ACME_KEY}` };
const LIST_CONTACTS = '/v1/contacts?limit=5';

let dataDir: string;
let backend: Running;
let backendPort: string;
let proxy: FaultProxy;
let portal: TestApp;
/** A contact of ten_acme in the seeded data, and its path. */
let contact: string;
let GET_CONTACT: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-backend-process-'));
  await seedDemoData({ dataDir });
  backend = await startService(SERVICES.backend, dataDir);
  backendPort = new URL(backend.url).port;
  proxy = await startFaultProxy(backend.url);
  portal = await startTestApp({
    PORTAL_DATA_DIR: dataDir,
    PORTAL_BACKEND_URL: proxy.url,
    PORTAL_BACKEND_SECRET: BACKEND_SECRET,
    PORTAL_BACKEND_TIMEOUT_MS: String(TIMEOUT_MS),
    PORTAL_BACKEND_RETRY_BASE_MS: '20',
    PORTAL_BACKEND_RETRY_MAX_MS: '100',
    PORTAL_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    PORTAL_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const list = await ask(LIST_CONTACTS);
  expect(list.status).toBe(200);
  contact = (JSON.parse(list.body) as { data: { id: string }[] }).data[0]!.id;
  GET_CONTACT = `/v1/contacts/${contact}`;
  expect((await ask(GET_CONTACT)).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await portal?.close();
  await proxy?.close();
  backend?.launch.killGroup();
  await backend?.launch.exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number | string;
  contentType?: string;
  body: string;
  ms: number;
}

/** One portal request; a hang shows up as CLIENT_TIMEOUT, a reset as its code. */
async function ask(p: string, timeoutMs = 10_000): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await get(`${portal.url}${p}`, { headers: AUTH, timeoutMs });
    return { status: res.status, contentType: res.headers['content-type'], body: res.body.toString('utf8'), ms: Date.now() - started };
  } catch (err) {
    return { status: (err as { code?: string }).code ?? 'error', body: String(err), ms: Date.now() - started };
  }
}

/** A 503 or 504 problem about the backend, and nothing that could be taken for data, a miss or our own bug. */
function expectBackendProblem(a: Answer, what: string): void {
  expect([503, 504], `${what}: ${a.status} ${a.body.slice(0, 200)}`).toContain(a.status);
  expect(a.contentType).toBe('application/problem+json; charset=utf-8');
  const body = JSON.parse(a.body) as { type: string; traceId: string };
  expect(body.type).toMatch(/\/problems\/backend-(unavailable|timeout)$/);
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
}

/** The tier is healthy again: the same requests answer 200 within the half-open delay and a probe or two. */
async function expectRecovery(paths: string[]): Promise<void> {
  proxy.setFault({ kind: 'pass' });
  for (const p of paths) {
    let last: Answer | undefined;
    const ok = await until(async () => (last = await ask(p)).status === 200, 10 * HALF_OPEN_MS + 5000);
    expect(ok, `${p} did not recover: ${String(last?.status)} ${last?.body.slice(0, 200)}`).toBe(true);
  }
}

describe('a 200 whose body is not what the contract says', () => {
  it.each([
    ['not JSON (an HTML error page)', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['cut-off JSON', '{"id":"con_4k9Qx2VbN7mT1pLs8ZrY3a","name":"Ada'],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['a JSON string', '"ok"'],
    ['an object without the record', '{"unexpected":true}'],
    ['an empty body', ''],
  ])('%s → 503, for a record, a list and the API-key lookup; then the tier recovers', async (_name, body) => {
    const routes: [string, RegExp, string][] = [
      [GET_CONTACT, /\/contacts\/con_/, 'getContact'],
      [LIST_CONTACTS, /\/contacts\?/, 'listContacts'],
      // Authentication's key lookup goes over the tier too: a garbled answer there is not an unknown key (401).
      [LIST_CONTACTS, /\/api-keys\//, 'findApiKeyByHash'],
    ];
    for (const [p, only, op] of routes) {
      proxy.setFault({ kind: 'malformed', body, only } as Fault);
      const before = proxy.seen.length;
      expectBackendProblem(await ask(p), op);
      expect(proxy.seen.slice(before).some((s) => s.fault === 'malformed')).toBe(true);
      await expectRecovery([p]);
    }
  });
});

describe('a body cut off half way (Content-Length promised more, then the connection closed)', () => {
  it('→ 503 for a record and a list, no hang; then the tier recovers', async () => {
    for (const [p, only] of [
      [GET_CONTACT, /\/contacts\/con_/],
      [LIST_CONTACTS, /\/contacts\?/],
    ] as const) {
      proxy.setFault({ kind: 'truncated', only });
      const a = await ask(p);
      expectBackendProblem(a, p);
      expect(a.status).toBe(503);
      await expectRecovery([p]);
    }
  });
});

describe('a body that stalls half way', () => {
  it('→ 504 at about the attempt timeout (not a hang), the stalled upstream request is closed; then the tier recovers', async () => {
    proxy.setFault({ kind: 'stall-mid-body', only: /\/contacts\?/ });
    const closesBefore = proxy.clientCloses;
    const a = await ask(LIST_CONTACTS);
    expectBackendProblem(a, 'stalled list');
    expect(a.status).toBe(504);
    expect(a.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(a.ms).toBeLessThan(TIMEOUT_MS + 3000);
    // The portal gave up on the half-read answer and closed its connection to the tier.
    expect(await until(() => proxy.clientCloses > closesBefore, 2000)).toBe(true);
    await expectRecovery([LIST_CONTACTS]);
  });
});

describe('the backend service killed and restarted under load', () => {
  it('answers only 200, 503 or 504 (problem+json) while it is down, and 200 again once `npm run backend` is back', { timeout: 90_000 }, async () => {
    proxy.setFault({ kind: 'pass' });
    const statuses: Record<string, number> = {};
    const wrong: string[] = [];
    let stop = false;
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const a = await ask(LIST_CONTACTS, 15_000);
        statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
        if (a.status === 200) continue;
        try {
          expectBackendProblem(a, 'under load');
        } catch {
          wrong.push(`${a.status}: ${a.body.slice(0, 200)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    try {
      expect(await until(() => (statuses['200'] ?? 0) >= 40, 20_000)).toBe(true);

      // SIGKILL: no drain, connections cut mid-answer, then nothing listens on the port.
      const failuresBefore = proxy.upstreamFailures;
      backend.launch.signal('group', 'SIGKILL');
      expect(await backend.launch.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const downAt = Date.now();
      expect(await until(() => (statuses['503'] ?? 0) + (statuses['504'] ?? 0) >= 16, 20_000)).toBe(true);
      expect(proxy.upstreamFailures).toBeGreaterThan(failuresBefore);
      const okWhileDown = statuses['200'] ?? 0;
      await new Promise((r) => setTimeout(r, 500));
      // While the service is down nothing is served from anywhere else.
      expect(statuses['200'] ?? 0).toBe(okWhileDown);

      backend = await startService(SERVICES.backend, dataDir, { PORTAL_BACKEND_PORT: backendPort });
      const upAt = Date.now();
      expect(await until(() => (statuses['200'] ?? 0) >= okWhileDown + 40, 20_000)).toBe(true);
      // Back within the half-open delay and a probe, however long the restart took.
      expect(Date.now() - upAt).toBeLessThan(10_000);
      expect(upAt - downAt).toBeGreaterThan(0);
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(statuses).sort()).toEqual(expect.arrayContaining(['200']));
    expect(Object.keys(statuses).every((s) => ['200', '503', '504'].includes(s))).toBe(true);
  });
});
