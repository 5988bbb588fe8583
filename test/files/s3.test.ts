/**
 * S3BlobStore against a real S3-compatible server (s3rver on 127.0.0.1, random port, temp dir): upload, stat,
 * ranged reads, and presigned GETs fetched with plain `fetch` that carry the forced response headers and stop
 * working once expired. s3rver does not check SigV4 signatures, so every presigned URL's signature is checked
 * here independently (test/files/sigv4.ts, with the `aws4` package), and that check refuses tampered URLs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownloadUrlIssuer } from '../../src/files/issue.js';
import { blobKeyFor } from '../../src/backend/port.js';
import { S3BlobStore } from '../../src/files/s3.js';
import { createUrlSigner } from '../../src/files/signer.js';
import { expectedSignature, expectValidPresignedUrl } from './sigv4.js';
import { MemoryFiles, TENANT, key, sha256, testId } from './support.js';

const BUCKET = 'portal-files-test';
const REGION = 'us-east-1';
// s3rver's built-in account; production uses the default AWS provider chain instead.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let dir: string;
let s3: S3rver;
let store: S3BlobStore;
let endpoint: string;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'portal-s3rver-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
  store = new S3BlobStore({
    bucket: BUCKET,
    region: REGION,
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
});

afterAll(async () => {
  await store?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('S3BlobStore', () => {
  it('puts, stats and reads blobs (whole and ranged); a missing blob stats as null and reads as ENOENT', async () => {
    const bytes = randomBytes(50_000);
    const k = blobKeyFor(TENANT, testId('job'), testId('fil'));
    await store.put(k, bytes, 'application/octet-stream');
    expect(await store.stat(k)).toEqual({ size: bytes.length });
    expect(sha256(await collect(await store.read(k)))).toBe(sha256(bytes));
    expect((await collect(await store.read(k, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20))).toBe(true);
    const missing = blobKeyFor(TENANT, testId('job'), testId('fil'));
    expect(await store.stat(missing)).toBeNull();
    await expect(store.read(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses keys that are not tenant/job/file ids', async () => {
    for (const bad of ['../etc/passwd', 'ten_a/../../x', '/abs/key/x', 'a/b', 'a/b/c/d', 'ten_a/job_b/fil c']) {
      await expect(store.put(bad, Buffer.from('x'), 'text/plain'), bad).rejects.toMatchObject({ code: 'EINVALIDKEY' });
      await expect(store.presign(bad, { filename: 'x', contentType: 'text/plain', expiresInSeconds: 60 }), bad).rejects.toMatchObject({ code: 'EINVALIDKEY' });
    }
  });

  it('presigns a GET that plain fetch downloads with the forced Cache-Control, Content-Disposition and Content-Type', async () => {
    const bytes = randomBytes(20_000);
    const k = blobKeyFor(TENANT, testId('job'), testId('fil'));
    await store.put(k, bytes, 'application/octet-stream');
    const url = await store.presign(k, { filename: 'Q3 résumé.csv', contentType: 'text/csv', expiresInSeconds: 900 });
    const u = new URL(url);
    expect(u.origin).toBe(endpoint);
    expect(u.pathname).toBe(`/${BUCKET}/${k}`);
    expect(u.searchParams.get('X-Amz-Expires')).toBe('900');
    // Only `host` is signed: a browser's plain GET (no x-amz-checksum-mode header) must match the signature.
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(u.searchParams.get('response-cache-control')).toBe('private, max-age=0, no-store');
    expectValidPresignedUrl(url, CREDENTIALS, REGION);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bytes));
    expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Q3 resume.csv"; filename*=UTF-8''Q3%20r%C3%A9sum%C3%A9.csv`);
    expect(res.headers.get('content-type')).toBe('text/csv');
  });

  it('refuses an expired presigned URL', async () => {
    const k = blobKeyFor(TENANT, testId('job'), testId('fil'));
    await store.put(k, Buffer.from('short-lived'), 'text/plain');
    const url = await store.presign(k, { filename: 'x.txt', contentType: 'text/plain', expiresInSeconds: 1 });
    // X-Amz-Date has whole seconds: wait past the second boundary plus the 1 s lifetime.
    await new Promise((r) => setTimeout(r, 2_200));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/expired/i);
  });

  it('issueDownloadUrl prefers the presigned URL, with the TTL and a redacted audit event', async () => {
    const backend = new MemoryFiles();
    const file = await backend.add(store, { name: 'export.csv', contentType: 'text/csv', bytes: Buffer.from('a,b\n1,2\n') });
    const audits: Array<{ event: string; fields: Record<string, unknown> }> = [];
    const signer = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.test' });
    const issue = createDownloadUrlIssuer({ blobs: store, signer, audit: (event, fields) => audits.push({ event, fields }) });
    const before = Date.now();
    const issued = await issue(file, { tenantId: TENANT, subject: 'key_abc', keyId: 'key_abc', scopes: ['files:read'], method: 'api_key' });
    expect(issued.url.startsWith(`${endpoint}/${BUCKET}/`)).toBe(true);
    expectValidPresignedUrl(issued.url, CREDENTIALS, REGION);
    expect(Math.abs(issued.expiresAt.getTime() - before - 900_000)).toBeLessThanOrEqual(1_500);
    const res = await fetch(issued.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a,b\n1,2\n');
    expect(audits).toHaveLength(1);
    expect(audits[0]?.event).toBe('file.url_issued');
    expect(audits[0]?.fields).toMatchObject({ tenantId: TENANT, principal: 'key_abc', fileId: file.id, via: 'presigned', expiresAt: issued.expiresAt.toISOString() });
    const logged = String(audits[0]?.fields.url);
    expect(logged).toContain('X-Amz-Signature=REDACTED');
    expect(logged).not.toContain(new URL(issued.url).searchParams.get('X-Amz-Signature') ?? 'missing');
  });

  it('the independent SigV4 check refuses what S3 would refuse: another secret or region, a changed parameter, path or method', async () => {
    const k = blobKeyFor(TENANT, testId('job'), testId('fil'));
    const url = await store.presign(k, { filename: 'report.csv', contentType: 'text/csv', expiresInSeconds: 900 });
    const sig = new URL(url).searchParams.get('X-Amz-Signature');
    expect(expectedSignature(url, CREDENTIALS, REGION)).toBe(sig);
    expect(expectedSignature(url, { ...CREDENTIALS, secretAccessKey: 'NOT-S3RVER' }, REGION)).not.toBe(sig);
    expect(expectedSignature(url, CREDENTIALS, 'eu-west-1')).not.toBe(sig);
    expect(expectedSignature(url, CREDENTIALS, REGION, 'PUT')).not.toBe(sig);
    const otherName = new URL(url);
    otherName.searchParams.set('response-content-disposition', 'attachment; filename="evil.html"');
    expect(expectedSignature(otherName.toString(), CREDENTIALS, REGION)).not.toBe(sig);
    const otherKey = new URL(url);
    otherKey.pathname = `/${BUCKET}/${blobKeyFor(TENANT, testId('job'), testId('fil'))}`;
    expect(expectedSignature(otherKey.toString(), CREDENTIALS, REGION)).not.toBe(sig);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect(expectedSignature(longer.toString(), CREDENTIALS, REGION)).not.toBe(sig);
  });
});
