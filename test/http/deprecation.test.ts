/**
 * Deprecation and sunset driven by the spec, end to end: a copy of the contract with an operation, a parameter
 * and a response field deprecated (and one operation already sunset) is generated like the real one
 * (`generateAll`: operations table, docs, SDK); a real listening app takes the copy's generated deprecations table
 * and answers with RFC 9745 `Deprecation`, RFC 8594 `Sunset` and `Link: <…>; rel="deprecation"`, counts each use
 * per operation (no tenant label) and answers 410 after a sunset unless configured off; the copy's Redoc page
 * shows it; the copy's SDK marks the method and the fields @deprecated and warns once per process.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OperationDeprecation, OperationId } from '../../generated/operations.js';
import { generateAll } from '../../scripts/generate.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { openDependencies, type Dependencies } from '../../src/runtime/dependencies.js';
import type * as SdkModule from '../../generated/sdk/src/index.js';
import { ACME_KEY, auth } from '../support/app.js';
import { LINKS, deprecatedSpec, writeSpec } from '../support/deprecated-spec.js';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const epoch = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const httpDate = (day: string) => new Date(`${day}T00:00:00Z`).toUTCString();

const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-deprecation-'));
const out = path.join(dir, 'generated');
const spec = deprecatedSpec();
let table: Partial<Record<OperationId, OperationDeprecation>>;

interface Running {
  url: string;
  metrics: Metrics;
  close(): Promise<void>;
}
const running: Running[] = [];
let deps: Dependencies;

async function start(env: Record<string, string> = {}): Promise<Running> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({ NODE_ENV: 'test', PORTAL_DATA_DIR: inject('seededDataDir'), PORTAL_SEED_DEMO: 'false', PORTAL_PUBLIC_URL: url, LOG_LEVEL: 'silent', ...env });
  deps ??= await openDependencies(config, createLogger({ level: 'silent', debugLogSampleRate: 0 }));
  const metrics = createMetrics({ version: 'test', revision: 'test', defaultMetrics: false });
  const app = createApp({ config, backend: deps.backend, blobs: deps.blobs, logger: createLogger({ level: 'silent', debugLogSampleRate: 0 }), metrics, deprecations: table, now: () => NOW });
  server.on('request', app);
  const r = {
    url,
    metrics,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
      await app.locals.rateLimiters.close();
    },
  };
  running.push(r);
  return r;
}

let api: Running;
let serving: Running;
let jobId: string;

beforeAll(async () => {
  await generateAll(out, { specPath: writeSpec(dir, 'openapi', spec) });
  table = ((await import(path.join(out, 'operations.ts'))) as { deprecations: typeof table }).deprecations;
  api = await start();
  serving = await start({ PORTAL_SUNSET_GONE: 'false' });
  const jobs = (await (await fetch(`${api.url}/v1/jobs?limit=5`, { headers: auth() })).json()) as { data: { id: string; fileCount: number }[] };
  jobId = jobs.data.find((j) => j.fileCount > 0)!.id;
}, 180_000);

afterAll(async () => {
  for (const r of running) await r.close();
  await deps?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (r: Running, target: string) => fetch(`${r.url}${target}`, { headers: auth() });

describe('the generated operations table', () => {
  it('holds each deprecation of the copy, from the spec alone', () => {
    expect(table.getJob).toEqual({ operation: { deprecatedAt: epoch('2026-01-15'), sunset: epoch('2099-07-01'), link: LINKS.getJob }, parameters: [], fields: [] });
    expect(table.listContacts?.parameters).toEqual([{ in: 'query', name: 'q', deprecatedAt: epoch('2026-02-01'), sunset: epoch('2026-03-01'), link: LINKS.q }]);
    expect(table.listContacts?.fields).toEqual([{ name: 'Contact.phone', deprecatedAt: epoch('2026-01-01'), sunset: epoch('2099-01-01') }]);
    expect(table.getContact?.fields.map((f) => f.name)).toEqual(['Contact.phone']);
    expect(table.listJobs).toBeUndefined();
  });
});

describe('the server, over HTTP', () => {
  it('a deprecated operation: Deprecation, Sunset and Link on every answer, errors included', async () => {
    for (const [target, status] of [[`/v1/jobs/${jobId}`, 200], ['/v1/jobs/job_0000000000000000000000', 404]] as const) {
      const res = await get(api, target);
      expect(res.status).toBe(status);
      expect(res.headers.get('deprecation')).toBe(`@${epoch('2026-01-15')}`);
      expect(res.headers.get('sunset')).toBe(httpDate('2099-07-01'));
      expect(res.headers.get('link')).toBe(`<${LINKS.getJob}>; rel="deprecation"`);
    }
  });

  it('a deprecated response field: the headers on every answer of the operations that return it', async () => {
    const res = await get(api, '/v1/contacts?limit=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('deprecation')).toBe(`@${epoch('2026-01-01')}`);
    expect(res.headers.get('sunset')).toBe(httpDate('2099-01-01'));
    // The next page's Link is kept beside a deprecation link (here the field has none).
    expect(res.headers.get('link')).toMatch(/rel="next"/);
    const untouched = await get(api, '/v1/jobs?limit=2');
    expect(untouched.headers.get('deprecation')).toBeNull();
    expect(untouched.headers.get('sunset')).toBeNull();
  });

  it('a deprecated parameter: only when the request uses it; past its sunset → 410 naming it', async () => {
    const res = await get(api, '/v1/contacts?q=smith');
    expect(res.status).toBe(410);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('ratelimit')).toMatch(/r=\d+/);
    const body = (await res.json()) as { status: number; type: string; traceId: string; errors: unknown[] };
    expect(body).toMatchObject({ status: 410, type: 'https://api.portal.example.com/problems/gone', errors: [{ location: 'query', name: 'q' }] });
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The earliest deprecation and sunset of what applies: the field's since, the parameter's sunset.
    expect(res.headers.get('deprecation')).toBe(`@${epoch('2026-01-01')}`);
    expect(res.headers.get('sunset')).toBe(httpDate('2026-03-01'));
    expect(res.headers.get('link')).toBe(`<${LINKS.q}>; rel="deprecation"`);
    expect(Object.keys(spec.paths['/v1/contacts'].get.responses)).toContain('410');
  });

  it('a sunset operation → 410; with PORTAL_SUNSET_GONE=false it is still served, with the headers', async () => {
    const gone = await get(api, `/v1/jobs/${jobId}/files`);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { detail: string }).detail).toMatch(/listJobFiles was sunset on/);
    const served = await get(serving, `/v1/jobs/${jobId}/files`);
    expect(served.status).toBe(200);
    expect(served.headers.get('sunset')).toBe(httpDate('2026-06-01'));
    const withQ = await get(serving, '/v1/contacts?q=smith');
    expect(withQ.status).toBe(200);
    expect(withQ.headers.get('sunset')).toBe(httpDate('2026-03-01'));
  });

  it('counts each use per operation and element, with no tenant label', async () => {
    const before = await api.metrics.render();
    const count = (text: string, labels: string) => Number(new RegExp(`^portal_deprecated_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    await get(api, `/v1/jobs/${jobId}`);
    await get(api, `/v1/jobs/${jobId}`);
    const after = await api.metrics.render();
    expect(count(after, 'operation="getJob",element="operation"') - count(before, 'operation="getJob",element="operation"')).toBe(2);
    expect(count(after, 'operation="listContacts",element="query:q"')).toBeGreaterThan(0);
    expect(count(after, 'operation="listContacts",element="field:Contact.phone"')).toBeGreaterThan(0);
    expect(after).not.toMatch(/portal_deprecated_requests_total\{[^}]*tenant/);
  });
});

describe('the docs page (Redoc) of the copy', () => {
  it('marks the operation, the parameter and the field deprecated, with their dates and links', () => {
    // The page's spec (the page state, in the page's scripts): no tool between the spec and the page drops them.
    const docs = path.join(out, 'docs');
    const page = ['index.html', ...readdirSync(path.join(docs, 'assets')).map((f) => `assets/${f}`)].map((f) => readFileSync(path.join(docs, f), 'utf8')).join('\n');
    const has = (text: string) => expect(page.includes(text), text).toBe(true);
    has('**Deprecated** since 2026-01-15; sunset on 2099-07-01 (from then on: `410 Gone`). [What to use instead](https://portal.example.com/changelog#getjob).');
    has('**Deprecated** since 2026-02-01; sunset on 2026-03-01');
    has('**Deprecated** since 2026-01-01; sunset on 2099-01-01');
    // Redoc draws its "Deprecated" badge from `deprecated: true`, kept in the page's spec.
    expect(page.match(/"deprecated":true/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
  });
});

describe("the copy's SDK", () => {
  it('marks the method, the parameter and the field @deprecated in its types', () => {
    const index = readFileSync(path.join(out, 'sdk/dist/index.d.ts'), 'utf8');
    expect(index).toMatch(/@deprecated getJob is deprecated since 2026-01-15; sunset on 2099-07-01 \(then 410 Gone\)\. See https:\/\/portal\.example\.com\/changelog#getjob\s*\*\/\s*getJob\(/);
    const types = readFileSync(path.join(out, 'sdk/dist/types.d.ts'), 'utf8');
    expect(types).toMatch(/@deprecated[^/]*\*\/\s*phone\??:/);
    expect(types).toMatch(/@deprecated[^/]*\*\/\s*q\?:/);
  });

  it('warns once per process: a deprecated method, a deprecated parameter, an answer marked Deprecation', async () => {
    const sdk = (await import(path.join(out, 'sdk/dist/index.js'))) as typeof SdkModule;
    const infos: { key: string; message: string }[] = [];
    const client = sdk.createPortalClient({ baseUrl: serving.url, token: ACME_KEY, maxRetries: 0, onDeprecation: (i) => infos.push(i) });
    await client.getJob({ jobId });
    await client.getJob({ jobId });
    await client.listContacts({ q: 'smith', limit: 1 });
    await client.listContacts({ q: 'smith', limit: 1 });
    expect(infos.map((i) => i.key).sort()).toEqual(['getJob', 'getJob (Deprecation header)', 'listContacts (Deprecation header)', 'listContacts:q']);
    expect(infos.find((i) => i.key === 'getJob')!.message).toBe('getJob is deprecated since 2026-01-15; sunset on 2099-07-01 (then 410 Gone). See https://portal.example.com/changelog#getjob');
    // Another client in the same process is not warned again; without a hook the warning is Node's.
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const other = sdk.createPortalClient({ baseUrl: serving.url, token: ACME_KEY, maxRetries: 0 });
      await other.getJob({ jobId });
      await other.listJobFiles({ jobId });
      await other.listJobFiles({ jobId });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => [w.name, (w as Error & { code?: string }).code])).toEqual([
      ['DeprecationWarning', 'PORTAL_API_DEPRECATED'],
      ['DeprecationWarning', 'PORTAL_API_DEPRECATED'],
    ]);
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/^listJobFiles is deprecated since 2025-12-01; sunset on 2026-06-01/);
  });
});
