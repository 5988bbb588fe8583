/**
 * The BlobStore port: where file bytes live. Adapters: local disk under PORTAL_DATA_DIR (embedded default) and
 * S3-compatible object storage. Keys come from `blobKeyFor` (src/backend/port.ts: tenant, job and file ids), never
 * from user input.
 */
import type { Readable } from 'node:stream';

export interface BlobStat {
  size: number;
}

export interface OpenBlob {
  size: number;
  /** The bytes (or one inclusive, satisfiable range of them); the stream owns the handle from here. */
  stream(range?: ByteRange): Readable;
  /**
   * Optional, for small bodies: the same bytes read into memory in one go, then the handle is closed (also on
   * error). Throws when fewer bytes than the size promised could be read (the blob changed underneath).
   */
  bytes?(range?: ByteRange): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ByteRange {
  /** Inclusive start offset. */
  start: number;
  /** Inclusive end offset. */
  end: number;
}

export interface BlobStore {
  readonly name: string;
  /** Writes the bytes under the key (seeding, tests, admin tooling). */
  put(key: string, body: Buffer | Readable, contentType: string): Promise<void>;
  /** null when no blob exists under the key. */
  stat(key: string): Promise<BlobStat | null>;
  /** A stream of the bytes (or of one inclusive range of them). Throws when the blob is missing. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Optional: the blob opened once, for a caller that needs its size before deciding what to stream (the download
   * handler: Range, 304, 416, HEAD). Saves the second path resolution and stat that `stat()` then `read()` cost.
   * null when no blob exists under the key. The caller must call exactly one of `stream()` or `close()`.
   */
  open?(key: string): Promise<OpenBlob | null>;
  /**
   * A URL the client can fetch the bytes from directly (S3 presigned GET), or null when downloads go through the
   * API's own signed route (the local adapter).
   */
  presign?(key: string, opts: { filename: string; contentType: string; expiresInSeconds: number }): Promise<string | null>;
  close(): Promise<void>;
}
