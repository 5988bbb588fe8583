/**
 * No signature in any log line: a run that issues local and presigned URLs, downloads (whole, ranged, aborted),
 * and is refused (tampered, expired, missing blob) — all logs captured from a plain pino logger WITHOUT any
 * redaction config, so the guarantee comes from the files code itself, not from the logger's safety net.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownloadHandler } from '../../src/files/download.js';
import { createDownloadUrlIssuer } from '../../src/files/issue.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { S3BlobStore } from '../../src/files/s3.js';
import { createUrlSigner } from '../../src/files/signer.js';
import { MemoryFiles, downloadApp, key, listen } from './support.js';
import type { Listening } from './support.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    lines.push(chunk.toString('utf8'));
    cb();
  },
});
const logger = pino({ level: 'trace', base: undefined }, sink);
const audit = (event: string, fields: Record<string, unknown>) => logger.info({ audit: true, event, ...fields }, event);

let dir: string;
let s3: S3rver;
let s3store: S3BlobStore;
let server: Listening;
let now = Date.now();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'portal-files-logs-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(dir, 's3'), configureBuckets: [{ name: 'logs-test', configs: [] }] });
  const { port } = await s3.run();
  s3store = new S3BlobStore({
    bucket: 'logs-test',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  await server?.close();
  await s3store?.close();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('log capture', () => {
  it('finds no signature in any log or audit line of a full issue-and-download run', async () => {
    const blobs = new LocalBlobStore(path.join(dir, 'blobs'));
    const backend = new MemoryFiles();
    const signer = createUrlSigner({ keys: [key('k2'), key('k1')], ttlSeconds: 900, publicUrl: 'https://api.example.test', now: () => now });
    const handler = createDownloadHandler({ backend, blobs, signer, audit, log: logger });
    server = await listen(downloadApp(handler));
    const issueLocal = createDownloadUrlIssuer({ blobs, signer, audit, log: logger });
    const issueS3 = createDownloadUrlIssuer({ blobs: s3store, signer, audit, log: logger });
    const principal = { tenantId: 'ten_acme', subject: 'key_logs', keyId: 'key_logs', scopes: ['files:read'], method: 'api_key' as const };

    const secrets: string[] = [];
    const local = (u: string) => {
      const url = new URL(u);
      secrets.push(url.searchParams.get('sig') ?? '');
      return `${server.baseUrl}${url.pathname}${url.search}`;
    };

    const file = await backend.add(blobs, { name: 'report.csv', contentType: 'text/csv', bytes: Buffer.alloc(200_000, 65) });
    const lost = await backend.add(blobs, { name: 'lost.csv', contentType: 'text/csv', bytes: Buffer.from('x'), writeBlob: false });
    const remote = await backend.add(s3store, { name: 'remote.csv', contentType: 'text/csv', bytes: Buffer.from('a,b\n') });

    // Issue: local and presigned.
    const url = local((await issueLocal(file, principal)).url);
    const lostUrl = local((await issueLocal(lost, principal)).url);
    const presigned = (await issueS3(remote, principal)).url;
    secrets.push(new URL(presigned).searchParams.get('X-Amz-Signature') ?? '', new URL(presigned).searchParams.get('X-Amz-Credential') ?? '');
    expect((await fetch(presigned)).status).toBe(200);

    // Download: whole, ranged, HEAD, conditional.
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url, { headers: { Range: 'bytes=0-99' } })).status).toBe(206);
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(url, { headers: { Range: 'bytes=999999-' } })).status).toBe(416);
    expect((await fetch(lostUrl)).status).toBe(404);
    // Refusals: tampered and expired.
    const tampered = new URL(url);
    tampered.searchParams.set('tenant', 'ten_other');
    expect((await fetch(tampered)).status).toBe(403);
    now += 3_600_000;
    expect((await fetch(url)).status).toBe(403);
    now = Date.now();
    // Let the last responses' close events (audit) land.
    const deadline = Date.now() + 5_000;
    while (lines.filter((l) => l.includes('"file.downloaded"')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    const all = lines.join('');
    // The run really was logged: issued, downloaded, refused, missing blob.
    expect(all).toContain('"event":"file.url_issued"');
    expect(lines.filter((l) => l.includes('"event":"file.downloaded"')).length).toBeGreaterThanOrEqual(2);
    expect(all).toContain('signed URL refused');
    expect(all).toContain('blob is missing');
    expect(all).toContain('sig=REDACTED');
    expect(all).toContain('X-Amz-Signature=REDACTED');

    expect(secrets.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets.filter(Boolean)) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/sig=(?!REDACTED)/i);
    expect(all).not.toMatch(/X-Amz-Signature=(?!REDACTED)/i);
    expect(all).not.toMatch(/X-Amz-Credential=(?!REDACTED)/i);
  });
});
