/**
 * Signed downloads through the production pipeline (createApp over the real SQLite store and LocalBlobStore with
 * the seeded demo data): the files API issues URLs that download the exact bytes; ranges, conditionals and HEAD;
 * refusals as problems; the files rate limiter covers the download route; app instances with the same keys accept each
 * other's URLs; and no log line of the whole run holds a signature.
 */
import { cp, mkdtemp, rm, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type PortalApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { openDependencies, type Dependencies } from '../../src/runtime/dependencies.js';
import { ACME_KEY, LogCapture } from '../support/app.js';
import { sha256 } from './support.js';

const KEYS_A = 'k2:files-test-key-two-0123456789abcdefghij,k1:files-test-key-one-0123456789abcdefghij';
const KEYS_OLD = 'k1:files-test-key-one-0123456789abcdefghij';
const KEYS_OTHER = 'k2:a-different-key-entirely-0123456789abcdef';

interface Instance {
  url: string;
  logs: LogCapture;
  /** Milliseconds added to the real clock, or a fixed instant when `atMs` is set (signed URLs only). */
  clock: { offsetMs: number; atMs?: number };
  close(): Promise<void>;
}

const instances: Instance[] = [];

async function start(env: Record<string, string> = {}): Promise<Instance> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: inject('seededDataDir'),
    PORTAL_SEED_DEMO: 'false',
    PORTAL_PUBLIC_URL: url,
    PORTAL_SIGNING_KEYS: KEYS_A,
    PORTAL_RATE_LIMIT_PER_MINUTE: '100000',
    PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.observability.logLevel, debugLogSampleRate: 1 }, logs);
  const deps: Dependencies = await openDependencies(config, logger);
  const clock: Instance['clock'] = { offsetMs: 0 };
  const app: PortalApp = createApp({ config, backend: deps.backend, blobs: deps.blobs, logger, now: () => clock.atMs ?? Date.now() + clock.offsetMs });
  server.on('request', app);
  const instance: Instance = {
    url,
    logs,
    clock,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.locals.rateLimiters.close();
      await deps.close();
    },
  };
  instances.push(instance);
  return instance;
}

interface ApiFile {
  id: string;
  jobId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  downloadUrl: string;
  expiresAt: string;
}

async function api<T>(inst: Instance, p: string): Promise<T> {
  const res = await fetch(`${inst.url}${p}`, { headers: { Authorization: `Bearer ${ACME_KEY}` } });
  expect(res.status, p).toBe(200);
  return (await res.json()) as T;
}

/** Some files of the demo tenant acme, with fresh signed URLs from the files API. */
async function someFiles(inst: Instance, min = 2): Promise<ApiFile[]> {
  const jobs = await api<{ data: Array<{ id: string; fileCount: number }> }>(inst, '/v1/jobs?status=succeeded&limit=50');
  const out: ApiFile[] = [];
  for (const job of jobs.data.filter((j) => j.fileCount > 0)) {
    out.push(...(await api<{ data: ApiFile[] }>(inst, `/v1/jobs/${job.id}/files`)).data);
    if (out.length >= min) break;
  }
  expect(out.length).toBeGreaterThanOrEqual(min);
  return out;
}

function withOrigin(url: string, origin: string): string {
  const u = new URL(url);
  return `${origin}${u.pathname}${u.search}`;
}

async function problemOf(res: Response): Promise<{ type: string; status: number; detail?: string; traceId: string; errors?: Array<{ name: string }> }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { type: string; status: number; detail?: string; traceId: string; errors?: Array<{ name: string }> };
}

let a: Instance;
let files: ApiFile[];

beforeAll(async () => {
  a = await start();
  files = await someFiles(a);
});

afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.close()));
});

describe('downloads through createApp', () => {
  it('issues URLs valid for the TTL that download the exact bytes with the contract headers', async () => {
    const before = Date.now();
    const [file] = await someFiles(a, 1);
    if (!file) throw new Error('no file');
    expect(Math.abs(new Date(file.expiresAt).getTime() - before - 900_000)).toBeLessThanOrEqual(2_000);
    expect(new URL(file.downloadUrl).searchParams.get('kid')).toBe('k2');
    const res = await fetch(file.downloadUrl);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(file.size);
    expect(sha256(body)).toBe(file.sha256);
    expect(res.headers.get('content-type')).toBe(file.contentType);
    expect(res.headers.get('content-length')).toBe(String(file.size));
    expect(res.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(file.name)}`);
    expect(res.headers.get('ratelimit-policy') ?? res.headers.get('ratelimit')).toBeTruthy();
  });

  it('serves ranges (206, 416), If-None-Match (304), If-Range and HEAD per RFC 9110', async () => {
    const file = files[0] as ApiFile;
    const whole = Buffer.from(await (await fetch(file.downloadUrl)).arrayBuffer());
    let res = await fetch(file.downloadUrl, { headers: { Range: 'bytes=0-9' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-9/${file.size}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(0, 10))).toBe(true);
    res = await fetch(file.downloadUrl, { headers: { Range: 'bytes=-7' } });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(file.size - 7))).toBe(true);
    res = await fetch(file.downloadUrl, { headers: { Range: `bytes=${file.size}-` } });
    expect(res.status).toBe(416);
    expect((await problemOf(res)).type).toMatch(/range-not-satisfiable$/);
    res = await fetch(file.downloadUrl, { headers: { 'If-None-Match': `"${file.sha256}"` } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(`"${file.sha256}"`);
    res = await fetch(file.downloadUrl, { headers: { Range: 'bytes=0-9', 'If-Range': '"old"' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(file.size);
    res = await fetch(file.downloadUrl, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(file.size));
    expect(res.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers an unsatisfiable range with 416 and Content-Range: bytes */size (RFC 9110 §15.5.17, the contract)', async () => {
    const file = files[0] as ApiFile;
    const res = await fetch(file.downloadUrl, { headers: { Range: `bytes=${file.size + 100}-` } });
    expect(res.status).toBe(416);
    // The handler sets it (test/files/download.test.ts); the app's error middleware must keep it on a 416.
    expect(res.headers.get('content-range')).toBe(`bytes */${file.size}`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
  });

  it('accepts a URL up to the millisecond of its expiry and refuses it from the next one on', async () => {
    const file = files[1] as ApiFile;
    const expiresMs = Number(new URL(file.downloadUrl).searchParams.get('expires')) * 1000;
    expect(new Date(file.expiresAt).getTime()).toBe(expiresMs);
    try {
      for (const [at, status] of [
        [expiresMs - 1, 200],
        [expiresMs, 200],
        [expiresMs + 1, 403],
        [expiresMs + 500, 403],
        [expiresMs + 999, 403],
      ] as const) {
        a.clock.atMs = at;
        const res = await fetch(file.downloadUrl);
        expect(res.status, `at expiry ${at - expiresMs >= 0 ? '+' : ''}${at - expiresMs} ms`).toBe(status);
        if (status === 403) expect((await problemOf(res)).type).toMatch(/signed-url-expired$/);
        else await res.arrayBuffer();
      }
    } finally {
      a.clock.atMs = undefined;
    }
  });

  it('refuses tampered URLs (403 invalid-signature), expired ones (403 signed-url-expired) and missing parameters (400)', async () => {
    const file = files[1] as ApiFile;
    for (const [name, value] of [
      ['sig', 'A'.repeat(43)],
      ['expires', String(Number(new URL(file.downloadUrl).searchParams.get('expires')) + 1)],
      ['tenant', 'ten_globex'],
      ['kid', 'k1'],
    ] as const) {
      const u = new URL(file.downloadUrl);
      u.searchParams.set(name, value);
      const res = await fetch(u);
      expect(res.status, name).toBe(403);
      expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
      const p = await problemOf(res);
      expect(p.type, name).toMatch(/invalid-signature$/);
      expect(p.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    const otherFile = new URL(file.downloadUrl);
    otherFile.pathname = `/v1/downloads/${(files[0] as ApiFile).id}`;
    expect((await fetch(otherFile)).status).toBe(403);

    a.clock.offsetMs = 901_000;
    try {
      const res = await fetch(file.downloadUrl);
      expect(res.status).toBe(403);
      const p = await problemOf(res);
      expect(p.type).toMatch(/signed-url-expired$/);
      expect(p.detail).toMatch(/expired/);
    } finally {
      a.clock.offsetMs = 0;
    }

    const missing = new URL(file.downloadUrl);
    missing.searchParams.delete('sig');
    const res = await fetch(missing);
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.name)).toContain('sig');
  });

  it('accepts a URL from another app instance in this process with the same keys, and after rotation; refuses different keys (test/ops/cluster.test.ts does it across replica processes)', async () => {
    const file = files[0] as ApiFile;
    const sameKeys = await start();
    const res = await fetch(withOrigin(file.downloadUrl, sameKeys.url));
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(file.sha256);

    // A replica still on the old key set issues k1 URLs; the rotated one (k2 first, k1 kept) verifies them.
    const old = await start({ PORTAL_SIGNING_KEYS: KEYS_OLD });
    const [oldFile] = await someFiles(old, 1);
    if (!oldFile) throw new Error('no file');
    expect(new URL(oldFile.downloadUrl).searchParams.get('kid')).toBe('k1');
    expect((await fetch(withOrigin(oldFile.downloadUrl, a.url))).status).toBe(200);

    const stranger = await start({ PORTAL_SIGNING_KEYS: KEYS_OTHER });
    const refused = await fetch(withOrigin(file.downloadUrl, stranger.url));
    expect(refused.status).toBe(403);
    expect((await problemOf(refused)).type).toMatch(/invalid-signature$/);
  });

  it('puts the download route on the files rate limiter', async () => {
    const limited = await start({ PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '3' });
    const url = withOrigin((files[0] as ApiFile).downloadUrl, limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { method: 'HEAD' });
      statuses.push(res.status);
      if (i === 0) expect(res.headers.get('ratelimit-policy')).toMatch(/"?3-in-1min"?|q=3/);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('answers a file whose blob is missing with a 404 problem and an error log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'portal-files-app-'));
    try {
      await cp(inject('seededDataDir'), dir, { recursive: true });
      const own = await start({ PORTAL_DATA_DIR: dir });
      const [file] = await someFiles(own, 1);
      if (!file) throw new Error('no file');
      await unlink(path.join(dir, 'blobs', 'ten_acme', file.jobId, file.id));
      const res = await fetch(file.downloadUrl);
      expect(res.status).toBe(404);
      const p = await problemOf(res);
      expect(p.type).toMatch(/not-found$/);
      const errorLine = own.logs.records().find((r) => r.level === 'error' && r.fileId === file.id);
      expect(errorLine?.msg).toMatch(/blob is missing/);
      expect(own.logs.text()).not.toMatch(/\bat .*\.(ts|js):\d+/);
      await own.close();
      instances.splice(instances.indexOf(own), 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no signature in any log line of the run (access log, audit, warnings)', async () => {
    // Everything above ran on these instances: URLs issued, downloaded, tampered, expired, rate-limited.
    const sigs = new Set<string>();
    const all = instances.map((i) => i.logs.text()).join('\n');
    for (const line of all.split('\n')) {
      const m = /"url":"[^"]*"/.exec(line);
      if (m) expect(m[0]).not.toMatch(/sig=(?!REDACTED)/);
    }
    for (const f of files) sigs.add(new URL(f.downloadUrl).searchParams.get('sig') ?? '');
    const fresh = await someFiles(a, 2);
    for (const f of fresh) {
      sigs.add(new URL(f.downloadUrl).searchParams.get('sig') ?? '');
      await (await fetch(f.downloadUrl)).arrayBuffer();
    }
    const text = instances.map((i) => i.logs.text()).join('\n');
    expect(text).toContain('"event":"file.url_issued"');
    expect(text).toContain('"event":"file.downloaded"');
    expect(text).toContain('sig=REDACTED');
    for (const sig of sigs) {
      expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(text).not.toContain(sig);
    }
    expect(text).not.toMatch(/sig=(?!REDACTED)/);
  });
});
