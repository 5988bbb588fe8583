/**
 * S3-compatible BlobStore (AWS S3, MinIO, R2, s3rver in tests). Clients download straight from the bucket through
 * presigned GET URLs that force the response headers, so the bytes are served right by S3 itself.
 *
 * Credentials come from the standard AWS provider chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, web
 * identity, instance roles); nothing here reads the environment.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobStat, BlobStore, ByteRange } from './port.js';
import { NO_STORE } from '../http/caching.js';
import { contentDisposition, safeContentType } from './download-headers.js';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Only for tests and tools; production leaves it unset so the default AWS provider chain applies. */
  credentials?: S3ClientConfig['credentials'];
  /** A ready client (tests); otherwise one is built from the options above. */
  client?: S3Client;
}

/** Blob keys are `<tenantId>/<jobId>/<fileId>` (blobKeyFor): refuse anything else before it reaches the bucket. */
const KEY_RE = /^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64}){2}$/;

export function assertBlobKey(key: string): void {
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw Object.assign(new Error('Invalid blob key'), { code: 'EINVALIDKEY' });
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function notFoundError(key: string, cause: unknown): Error {
  return Object.assign(new Error(`No blob under ${key}`, { cause }), { code: 'ENOENT' });
}

async function toBuffer(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export class S3BlobStore implements BlobStore {
  readonly name = 's3';
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;

  constructor(opts: S3BlobStoreOptions) {
    this.bucket = opts.bucket;
    this.ownsClient = opts.client === undefined;
    this.client =
      opts.client ??
      new S3Client({
        region: opts.region,
        endpoint: opts.endpoint,
        forcePathStyle: opts.forcePathStyle ?? false,
        credentials: opts.credentials,
        // Since 3.729 the SDK adds CRC checksums by default; some releases then signed `x-amz-checksum-mode` into
        // presigned GETs and a plain browser GET failed (aws-sdk-js-v3#6994). Only when required; the S3 test
        // asserts that only `host` is signed.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  /**
   * Seeding and admin tooling only: a stream body is collected first because PutObject needs a known length
   * (multipart upload is not worth it for the file sizes jobs produce). Downloads never buffer.
   */
  async put(key: string, body: Buffer | Readable, contentType: string): Promise<void> {
    assertBlobKey(key);
    const bytes = await toBuffer(body);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: safeContentType(contentType) }),
    );
  }

  async stat(key: string): Promise<BlobStat | null> {
    assertBlobKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertBlobKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      if (!out.Body) throw notFoundError(key, undefined);
      // In Node the body is an http.IncomingMessage (a Readable with the SDK's mixins).
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw notFoundError(key, err);
      throw err;
    }
  }

  /** A presigned GET that makes S3 answer with our download headers (no-store, attachment, the file's type). */
  async presign(key: string, opts: { filename: string; contentType: string; expiresInSeconds: number }): Promise<string> {
    assertBlobKey(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseCacheControl: NO_STORE,
      ResponseContentDisposition: contentDisposition(opts.filename),
      ResponseContentType: safeContentType(opts.contentType),
    });
    return getSignedUrl(this.client, command, { expiresIn: opts.expiresInSeconds });
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
