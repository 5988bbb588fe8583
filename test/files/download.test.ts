/**
 * The download handler over a real HTTP server: a small express app, a real LocalBlobStore in a temp dir and an
 * in-memory Backend. Bytes, ranges, conditionals, HEAD, signature refusals, missing blobs and client aborts.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../src/backend/port.js';
import { createDownloadHandler } from '../../src/files/download.js';
import { LocalBlobStore } from '../../src/files/local.js';
import type { BlobStore, ByteRange } from '../../src/files/port.js';
import { createUrlSigner } from '../../src/files/signer.js';
import type { UrlSigner } from '../../src/files/signer.js';
import { MemoryFiles, downloadApp, key, listen, sha256 } from './support.js';
import type { Listening } from './support.js';

const PUBLIC = 'https://files.example.test';

/**
 * Records the streams the handler opens, to prove an abort stops the read. The whole suite runs twice: with
 * `open()` (the local store's one-open path) and without it (stat then read, as over S3).
 */
class RecordingStore implements BlobStore {
  readonly name = 'recording';
  readonly opened: Readable[] = [];
  open?: BlobStore['open'];
  constructor(
    private readonly inner: LocalBlobStore,
    withOpen: boolean,
  ) {
    if (withOpen) {
      this.open = async (k: string) => {
        const o = await this.inner.open(k);
        if (!o) return null;
        return {
          size: o.size,
          close: () => o.close(),
          bytes: o.bytes,
          stream: (r?: ByteRange) => {
            const st = o.stream(r);
            this.opened.push(st);
            return st;
          },
        };
      };
    }
  }
  put(k: string, b: Buffer | Readable, t: string) {
    return this.inner.put(k, b, t);
  }
  stat(k: string) {
    return this.inner.stat(k);
  }
  /** Runs before the next read (once): a test's way to change the store between a stat and a read. */
  beforeNextRead?: (k: string) => Promise<void>;
  async read(k: string, r?: ByteRange) {
    const hook = this.beforeNextRead;
    this.beforeNextRead = undefined;
    await hook?.(k);
    const s = await this.inner.read(k, r);
    this.opened.push(s);
    return s;
  }
  close() {
    return this.inner.close();
  }
}

/** Open file descriptors of this process (the server runs in it). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe.each([
  ['one open (local store)', true],
  ['stat then read (stores without open)', false],
])('%s', (_name, withOpen) => {
  let dir: string;
  let blobs: RecordingStore;
  let backend: MemoryFiles;
  let now = Date.now();
  let signer: UrlSigner;
  let server: Listening;
  const audits: Array<{ event: string; fields: Record<string, unknown> }> = [];
  const logs: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const log = {
    error: (obj: object, msg?: string) => logs.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg?: string) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    debug: (obj: object, msg?: string) => logs.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }),
  };

  let big: FileRecord;
  let bigBytes: Buffer;
  let small: FileRecord;
  const smallBytes = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\n');
  let empty: FileRecord;
  let noBlob: FileRecord;
  let huge: FileRecord;

  /** The signed URL for a file, pointed at the test server instead of the public origin. */
  function urlFor(file: FileRecord, s: UrlSigner = signer, base = server.baseUrl): string {
    const u = new URL(s.issue({ tenantId: file.tenantId, fileId: file.id }).url);
    return `${base}${u.pathname}${u.search}`;
  }

  /** Audit events are emitted when the response closes, a moment after the client has the bytes. */
  async function auditFor(fileId: string): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const hit = audits.find((a) => a.event === 'file.downloaded' && a.fields.fileId === fileId);
      if (hit || Date.now() > deadline) return hit?.fields;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function bytesOf(res: Response): Promise<Buffer> {
    return Buffer.from(await res.arrayBuffer());
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'portal-files-'));
    blobs = new RecordingStore(new LocalBlobStore(path.join(dir, 'blobs')), withOpen);
    backend = new MemoryFiles();
    signer = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: PUBLIC, now: () => now });
    bigBytes = randomBytes(300_000);
    big = await backend.add(blobs, { name: 'Übersicht "Q3" 2025.bin', contentType: 'application/vnd.portal.export', bytes: bigBytes });
    small = await backend.add(blobs, { name: 'alphabet.txt', contentType: 'text/plain; charset=utf-8', bytes: smallBytes });
    empty = await backend.add(blobs, { name: 'empty.csv', contentType: 'text/csv', bytes: Buffer.alloc(0) });
    noBlob = await backend.add(blobs, { name: 'lost.csv', contentType: 'text/csv', bytes: Buffer.from('gone'), writeBlob: false });
    huge = await backend.add(blobs, { name: 'huge.bin', contentType: 'application/octet-stream', bytes: Buffer.alloc(32 * 1024 * 1024, 7) });
    const handler = createDownloadHandler({ backend, blobs, signer, audit: (event, fields) => audits.push({ event, fields }), log });
    server = await listen(downloadApp(handler));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    now = Date.now();
    audits.length = 0;
    logs.length = 0;
  });

  describe('GET /v1/downloads/:fileId', () => {
    it('streams the whole file with its headers; the bytes match the sha256', async () => {
      const res = await fetch(urlFor(big));
      expect(res.status).toBe(200);
      const body = await bytesOf(res);
      expect(sha256(body)).toBe(big.sha256);
      expect(body.length).toBe(bigBytes.length);
      expect(res.headers.get('content-length')).toBe(String(bigBytes.length));
      expect(res.headers.get('content-type')).toBe('application/vnd.portal.export');
      expect(res.headers.get('etag')).toBe(`"${big.sha256}"`);
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="Ubersicht _Q3_ 2025.bin"; filename*=UTF-8''%C3%9Cbersicht%20%22Q3%22%202025.bin`,
      );
      const downloaded = await auditFor(big.id);
      expect(downloaded).toMatchObject({ tenantId: big.tenantId, fileId: big.id, principal: 'signed-url', status: 200, completed: true, bytes: bigBytes.length, kid: 'k1' });
      expect(downloaded?.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(String(downloaded?.url)).toContain('sig=REDACTED');
    });

    it('keeps the file content type (with parameters)', async () => {
      const res = await fetch(urlFor(small));
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(sha256(await bytesOf(res))).toBe(sha256(smallBytes));
    });

    it('serves an empty file', async () => {
      const res = await fetch(urlFor(empty));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('0');
      expect((await bytesOf(res)).length).toBe(0);
    });

    it('serves single ranges with 206 and Content-Range: first ten, suffix, open-ended', async () => {
      const cases: Array<[string, number, number]> = [
        ['bytes=0-9', 0, 9],
        ['bytes=-10', bigBytes.length - 10, bigBytes.length - 1],
        ['bytes=299990-', 299_990, bigBytes.length - 1],
        ['bytes=0-', 0, bigBytes.length - 1],
        ['bytes=299995-999999', 299_995, bigBytes.length - 1],
        ['bytes=-999999', 0, bigBytes.length - 1],
      ];
      for (const [range, start, end] of cases) {
        const res = await fetch(urlFor(big), { headers: { Range: range } });
        expect(res.status, range).toBe(206);
        expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${bigBytes.length}`);
        expect(res.headers.get('content-length'), range).toBe(String(end - start + 1));
        expect(res.headers.get('etag')).toBe(`"${big.sha256}"`);
        expect(sha256(await bytesOf(res)), range).toBe(sha256(bigBytes.subarray(start, end + 1)));
      }
    });

    it('answers a range beyond the end with 416 and Content-Range: bytes */size', async () => {
      for (const range of [`bytes=${bigBytes.length}-`, `bytes=${bigBytes.length + 10}-${bigBytes.length + 20}`, 'bytes=-0']) {
        const res = await fetch(urlFor(big), { headers: { Range: range } });
        expect(res.status, range).toBe(416);
        expect(res.headers.get('content-range')).toBe(`bytes */${bigBytes.length}`);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('content-disposition')).toBeNull();
        const problem = (await res.json()) as { type: string; detail: string };
        expect(problem.type).toMatch(/range-not-satisfiable$/);
        expect(problem.detail).toBe(`The file has ${bigBytes.length} bytes.`);
      }
    });

    it('coalesces touching ranges, serves several disjoint ranges whole, ignores malformed ones', async () => {
      let res = await fetch(urlFor(small), { headers: { Range: 'bytes=0-4, 5-9,3-6' } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 0-9/${smallBytes.length}`);
      expect(sha256(await bytesOf(res))).toBe(sha256(smallBytes.subarray(0, 10)));
      for (const range of ['bytes=0-1,5-6', 'bytes=abc', 'bytes=5-2', 'items=0-1', 'bytes=']) {
        res = await fetch(urlFor(small), { headers: { Range: range } });
        expect(res.status, range).toBe(200);
        expect(sha256(await bytesOf(res)), range).toBe(sha256(smallBytes));
      }
    });

    it('answers If-None-Match with 304 and no body when the ETag matches (weak comparison)', async () => {
      for (const inm of [`"${small.sha256}"`, `W/"${small.sha256}"`, `"nope", "${small.sha256}"`, '*']) {
        const res = await fetch(urlFor(small), { headers: { 'If-None-Match': inm } });
        expect(res.status, inm).toBe(304);
        expect(res.headers.get('etag')).toBe(`"${small.sha256}"`);
        expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
        expect((await bytesOf(res)).length).toBe(0);
      }
      const res = await fetch(urlFor(small), { headers: { 'If-None-Match': '"something-else"' } });
      expect(res.status).toBe(200);
      expect(sha256(await bytesOf(res))).toBe(sha256(smallBytes));
    });

    it('honours If-Range: a matching strong ETag gets the range, anything else the whole file', async () => {
      let res = await fetch(urlFor(small), { headers: { Range: 'bytes=0-3', 'If-Range': `"${small.sha256}"` } });
      expect(res.status).toBe(206);
      expect(sha256(await bytesOf(res))).toBe(sha256(smallBytes.subarray(0, 4)));
      for (const ifRange of ['"stale-etag"', `W/"${small.sha256}"`, 'Wed, 21 Oct 2015 07:28:00 GMT']) {
        res = await fetch(urlFor(small), { headers: { Range: 'bytes=0-3', 'If-Range': ifRange } });
        expect(res.status, ifRange).toBe(200);
        expect(res.headers.get('content-range')).toBeNull();
        expect(sha256(await bytesOf(res)), ifRange).toBe(sha256(smallBytes));
      }
    });

    it('answers HEAD with the GET headers and no body, ignoring Range', async () => {
      const headOnly = await backend.add(blobs, { name: 'head.bin', contentType: 'application/octet-stream', bytes: bigBytes });
      for (const headers of [{}, { Range: 'bytes=0-9' }] as Array<Record<string, string>>) {
        const res = await fetch(urlFor(headOnly), { method: 'HEAD', headers });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-length')).toBe(String(bigBytes.length));
        expect(res.headers.get('etag')).toBe(`"${big.sha256}"`);
        expect(res.headers.get('accept-ranges')).toBe('bytes');
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
        expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
        expect((await bytesOf(res)).length).toBe(0);
      }
      expect(blobs.opened.length).toBeGreaterThan(0); // GETs opened streams…
      const before = blobs.opened.length;
      await fetch(urlFor(headOnly), { method: 'HEAD' });
      expect(blobs.opened.length).toBe(before); // …HEAD never reads the blob…
      // …and is not a download: a later GET's audit arrives, none for the HEADs.
      await (await fetch(urlFor(small))).arrayBuffer();
      expect(await auditFor(small.id)).toBeDefined();
      expect(audits.filter((a) => a.fields.fileId === headOnly.id)).toHaveLength(0);
    });

    it('answers a missing blob with a 404 problem and an error log, never a 500', async () => {
      const res = await fetch(urlFor(noBlob));
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
      const problem = (await res.json()) as { type: string; detail: string };
      expect(problem.type).toMatch(/not-found$/);
      expect(problem.detail).toBe(`No file ${noBlob.id}.`);
      expect(logs.some((l) => l.level === 'error' && l.obj.fileId === noBlob.id && /blob is missing/.test(l.msg ?? ''))).toBe(true);
    });

    it('answers a blob deleted after the row was written with 404 too', async () => {
      const f = await backend.add(blobs, { name: 'x.txt', contentType: 'text/plain', bytes: Buffer.from('soon gone') });
      await unlink(path.join(dir, 'blobs', f.blobKey));
      const res = await fetch(urlFor(f));
      expect(res.status).toBe(404);
    });

    it('serves a blob whose size differs from its row as it really is, and logs the difference loudly', async () => {
      const bytes = Buffer.from('the row says five bytes more');
      const f = await backend.add(blobs, { name: 'drift.txt', contentType: 'text/plain', bytes });
      backend.files.set(f.id, { ...f, size: bytes.length + 5 });
      const res = await fetch(urlFor(f));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(await bytesOf(res)).toEqual(bytes);
      expect(logs.filter((l) => /blob size differs/.test(l.msg ?? ''))).toEqual([
        { level: 'error', obj: expect.objectContaining({ fileId: f.id, recorded: bytes.length + 5, actual: bytes.length }), msg: 'download: blob size differs from the file row' },
      ]);
      // A blob of the recorded size logs nothing of the kind.
      await bytesOf(await fetch(urlFor(small)));
      expect(logs.filter((l) => /blob size differs/.test(l.msg ?? ''))).toHaveLength(1);
    });

    // Only a store without `open` stats and reads in two steps; with `open` there is no moment in between.
    if (!withOpen) it('answers a blob that vanishes between the stat and the read with a 404 problem that carries none of the file\'s headers', async () => {
      const f = await backend.add(blobs, { name: 'brief.txt', contentType: 'text/plain', bytes: Buffer.from('here, then gone') });
      blobs.beforeNextRead = (k) => unlink(path.join(dir, 'blobs', k));
      const res = await fetch(urlFor(f));
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // The file's ETag and Accept-Ranges, set before the read, describe no problem (a bare Express app tags the
      // problem's own body with a weak ETag of its own).
      expect(res.headers.get('etag')).not.toContain(f.sha256);
      for (const h of ['accept-ranges', 'content-disposition', 'content-range']) expect(res.headers.get(h), h).toBeNull();
      expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
      expect(((await res.json()) as { detail: string }).detail).toBe(`No file ${f.id}.`);
      expect(logs.some((l) => l.level === 'error' && l.obj.fileId === f.id && /vanished between stat and read/.test(l.msg ?? ''))).toBe(true);
    });

    it('answers a validly signed URL for an unknown file with 404', async () => {
      const ghost: FileRecord = { ...small, id: 'fil_0000000000000000000000' };
      const res = await fetch(urlFor(ghost));
      expect(res.status).toBe(404);
      expect(logs.some((l) => l.level === 'error' && l.obj.fileId === ghost.id)).toBe(true);
    });

    it('refuses an expired URL with a 403 problem that says it expired', async () => {
      const url = urlFor(small);
      now += 901_000;
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(res.headers.get('cache-control')).toBe('private, max-age=0, no-store');
      const problem = (await res.json()) as { type: string; detail: string; title: string };
      expect(problem.type).toMatch(/signed-url-expired$/);
      expect(problem.detail).toMatch(/expired/);
    });

    it('refuses tampered signature, expiry, file id, tenant and key id with 403 invalid-signature', async () => {
      const good = new URL(urlFor(small));
      const variants: URL[] = [];
      for (const [name, change] of [
        ['sig', (v: string) => (v[0] === 'A' ? 'B' : 'A') + v.slice(1)],
        ['expires', (v: string) => String(Number(v) + 1)],
        ['tenant', () => 'ten_acmf'],
        ['kid', () => 'k2'],
      ] as const) {
        const u = new URL(good);
        u.searchParams.set(name, change(u.searchParams.get(name) ?? ''));
        variants.push(u);
      }
      const otherFile = new URL(good);
      otherFile.pathname = `/v1/downloads/${big.id}`;
      variants.push(otherFile);
      for (const u of variants) {
        const res = await fetch(u);
        expect(res.status, u.search).toBe(403);
        const problem = (await res.json()) as { type: string };
        expect(problem.type, u.search).toMatch(/invalid-signature$/);
      }
      const sigs = logs.filter((l) => l.msg === 'download: signed URL refused');
      expect(sigs.length).toBe(variants.length);
      for (const l of sigs) expect(JSON.stringify(l.obj)).not.toContain(good.searchParams.get('sig'));
    });

    it('answers missing or repeated parameters with a 400 problem naming each', async () => {
      const good = new URL(urlFor(small));
      const missing = new URL(good);
      missing.searchParams.delete('sig');
      missing.searchParams.delete('kid');
      let res = await fetch(missing);
      expect(res.status).toBe(400);
      let problem = (await res.json()) as { detail: string; errors: Array<{ location: string; name: string; message: string }> };
      expect(problem.detail).toBe('The request has 2 invalid parameters: kid, sig.');
      expect(problem.errors).toEqual([
        { location: 'query', name: 'kid', message: 'is required' },
        { location: 'query', name: 'sig', message: 'is required' },
      ]);
      const repeated = new URL(good);
      repeated.searchParams.append('tenant', 'ten_other');
      res = await fetch(repeated);
      expect(res.status).toBe(400);
      problem = (await res.json()) as typeof problem;
      expect(problem.detail).toBe('The request has 1 invalid parameter: tenant.');
      expect(problem.errors).toEqual([{ location: 'query', name: 'tenant', message: 'must appear once' }]);
      const empty = new URL(good);
      empty.searchParams.set('expires', '');
      res = await fetch(empty);
      expect(res.status).toBe(400);
      expect(((await res.json()) as typeof problem).errors).toEqual([{ location: 'query', name: 'expires', message: 'is required' }]);
      const notATenant = new URL(good);
      notATenant.searchParams.set('tenant', 'acme');
      res = await fetch(notATenant);
      expect(res.status).toBe(400);
      expect(((await res.json()) as typeof problem).errors).toEqual([{ location: 'query', name: 'tenant', message: 'is not a tenant id' }]);
      const badId = new URL(good);
      badId.pathname = '/v1/downloads/..%2F..%2Fetc%2Fpasswd';
      badId.searchParams.delete('sig');
      res = await fetch(badId);
      expect(res.status).toBe(400);
      problem = (await res.json()) as typeof problem;
      expect(problem.detail).toBe('The request has 2 invalid parameters: fileId, sig.');
      expect(problem.errors[0]).toEqual({ location: 'path', name: 'fileId', message: 'is not a file id' });
    });

    it('stops reading the blob when the client goes away mid-download', async () => {
      const before = blobs.opened.length;
      await new Promise<void>((resolve, reject) => {
        const req = http.get(urlFor(huge), (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (err) => ((err as { code?: string }).code === 'ECONNRESET' ? undefined : reject(err)));
      });
      const stream = blobs.opened[before];
      expect(stream).toBeDefined();
      const deadline = Date.now() + 10_000;
      while (!stream?.destroyed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stream?.destroyed).toBe(true);
      // It was stopped early, not read to the end.
      expect((stream as unknown as { bytesRead: number }).bytesRead).toBeLessThan(32 * 1024 * 1024);
      expect((await auditFor(huge.id))?.completed).toBe(false);
    });
  });

  it('leaves no file open: HEAD, 304, 416, ranges, whole files and aborted reads, 240 requests', async () => {
    await fetch(urlFor(small)).then((r) => r.arrayBuffer()); // warm the server's own sockets and handles
    await new Promise((r) => setTimeout(r, 50));
    const before = openFds();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const once = (file: FileRecord, method: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(urlFor(file), { method, headers, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push(await once(small, 'HEAD', {}));
      statuses.push(await once(small, 'GET', { 'If-None-Match': `"${small.sha256}"` }));
      statuses.push(await once(small, 'GET', { Range: 'bytes=9999-' }));
      statuses.push(await once(big, 'GET', { Range: 'bytes=10-19' }));
      statuses.push(await once(small, 'GET', {}));
      statuses.push(await once(noBlob, 'GET', {}));
    }
    expect(new Set(statuses)).toEqual(new Set([200, 304, 416, 206, 404]));
    // Client aborts mid-body: the stream is destroyed and its handle closed.
    for (let i = 0; i < 5; i++) {
      const ctl = new AbortController();
      const res = await fetch(urlFor(huge), { signal: ctl.signal });
      const reader = res.body!.getReader();
      await reader.read();
      ctl.abort();
      await reader.cancel().catch(() => undefined);
    }
    agent.destroy();
    const deadline = Date.now() + 5000;
    while (openFds() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  describe('across instances', () => {
    it('a URL issued by one instance downloads from another with the same keys, not from one with different keys', async () => {
      const issuer = createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://replica-a.example.test', now: () => now });
      const sameKeys = createDownloadHandler({
        backend,
        blobs: new LocalBlobStore(path.join(dir, 'blobs')),
        signer: createUrlSigner({ keys: [key('k1')], ttlSeconds: 900, publicUrl: 'https://replica-b.example.test', now: () => now }),
        audit: () => {},
      });
      const otherKeys = createDownloadHandler({
        backend,
        blobs: new LocalBlobStore(path.join(dir, 'blobs')),
        signer: createUrlSigner({ keys: [key('k1', 'a-completely-different-secret-of-32-chars+')], ttlSeconds: 900, publicUrl: PUBLIC, now: () => now }),
        audit: () => {},
      });
      const b = await listen(downloadApp(sameKeys));
      const c = await listen(downloadApp(otherKeys));
      try {
        const ok = await fetch(urlFor(small, issuer, b.baseUrl));
        expect(ok.status).toBe(200);
        expect(sha256(await bytesOf(ok))).toBe(sha256(smallBytes));
        const refused = await fetch(urlFor(small, issuer, c.baseUrl));
        expect(refused.status).toBe(403);
      } finally {
        await b.close();
        await c.close();
      }
    });
  });
});
