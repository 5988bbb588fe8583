/**
 * createApp with PORTAL_S3_BUCKET set (s3rver on 127.0.0.1): the files API hands out S3 presigned URLs instead
 * of local ones, and plain `fetch` gets the exact bytes from the bucket with the forced no-store, attachment and
 * content-type headers. Credentials come from the standard AWS env chain, as in production.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type PortalApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { openDependencies, type Dependencies } from '../../src/runtime/dependencies.js';
import { ACME_KEY, LogCapture } from '../support/app.js';
import { expectValidPresignedUrl } from './sigv4.js';
import { sha256 } from './support.js';

const BUCKET = 'portal-app-files';
let dir: string;
let s3: S3rver;
let endpoint: string;
let server: Server;
let app: PortalApp;
let deps: Dependencies;
let url: string;
const logs = new LogCapture();
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'portal-app-s3-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  // The SDK's default provider chain reads these, exactly as it would in production (s3rver's built-in account).
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';

  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORTAL_DATA_DIR: inject('seededDataDir'),
    PORTAL_SEED_DEMO: 'false',
    PORTAL_PUBLIC_URL: url,
    PORTAL_S3_BUCKET: BUCKET,
    PORTAL_S3_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    PORTAL_RATE_LIMIT_PER_MINUTE: '100000',
    PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'debug',
  });
  expect(config.files.s3).toEqual({ bucket: BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true });
  const logger = createLogger({ level: 'debug', debugLogSampleRate: 1 }, logs);
  deps = await openDependencies(config, logger);
  expect(deps.blobs.name).toBe('s3');
  app = createApp({ config, backend: deps.backend, blobs: deps.blobs, logger });
  server.on('request', app);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await app?.locals.rateLimiters.close();
  await deps?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
  process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
  process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
});

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${url}${p}`, { headers: { Authorization: `Bearer ${ACME_KEY}` } });
  expect(res.status, p).toBe(200);
  // Answers that hold signed URLs are never cached.
  if (p.includes('/files')) expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
  return (await res.json()) as T;
}

describe('files API with an S3 blob store', () => {
  it('issues presigned S3 URLs that serve the exact bytes with the forced headers', async () => {
    const jobs = await api<{ data: Array<{ id: string; fileCount: number }> }>('/v1/jobs?status=succeeded&limit=50');
    const job = jobs.data.find((j) => j.fileCount > 0);
    if (!job) throw new Error('no job with files in the demo data');
    const before = Date.now();
    const files = await api<{ data: Array<{ id: string; jobId: string; name: string; contentType: string; size: number; sha256: string; downloadUrl: string; expiresAt: string }> }>(
      `/v1/jobs/${job.id}/files`,
    );
    expect(files.data.length).toBeGreaterThan(0);
    for (const f of files.data) {
      // The bytes the seed wrote to local disk go to the bucket under the same key.
      const key = `ten_acme/${f.jobId}/${f.id}`;
      await deps.blobs.put(key, await readFile(path.join(inject('seededDataDir'), 'blobs', key)), f.contentType);

      const u = new URL(f.downloadUrl);
      expect(u.origin).toBe(endpoint);
      expect(u.pathname).toBe(`/${BUCKET}/${key}`);
      expect(u.searchParams.get('X-Amz-Expires')).toBe('900');
      // s3rver accepts any signature: the URL's is checked independently, for the provider chain's credentials.
      expectValidPresignedUrl(f.downloadUrl, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, 'us-east-1');
      expect(Math.abs(new Date(f.expiresAt).getTime() - before - 900_000)).toBeLessThanOrEqual(3_000);

      const res = await fetch(f.downloadUrl);
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(f.sha256);
      expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
      expect(res.headers.get('content-type')).toBe(f.contentType);
      expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(f.name)}`);
    }
    const text = logs.text();
    expect(text).toContain('"via":"presigned"');
    expect(text).toContain('X-Amz-Signature=REDACTED');
    for (const f of files.data) expect(text).not.toContain(new URL(f.downloadUrl).searchParams.get('X-Amz-Signature') ?? 'none');
    expect(text).not.toMatch(/X-Amz-Signature=(?!REDACTED)/);
  });
});
