/**
 * Shared fixtures for the files tests: ids, keys, an in-memory Backend holding FileRecords, a tiny express app
 * that mounts the download handler in front of the product's error middleware, and a listening-server helper.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { RequestHandler } from 'express';
import type { Backend, FileRecord } from '../../src/backend/port.js';
import type { SigningKey } from '../../src/config.js';
import { blobKeyFor } from '../../src/backend/port.js';
import type { BlobStore } from '../../src/files/port.js';
import { errorMiddleware } from '../../src/http/errors.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export function testId(prefix: 'fil' | 'job'): string {
  let s = '';
  for (const b of randomBytes(22)) s += BASE62[b % 62];
  return `${prefix}_${s}`;
}

export const TENANT = 'ten_acme';
export const FILE_ID = 'fil_9sD3fG6hJ1kL4zX7cV2bN8';
export const OTHER_FILE_ID = 'fil_1aB2cD3eF4gH5iJ6kL7mN8';

export function key(id: string, secret = `secret-for-${id}-that-is-long-enough-to-pass-config`): SigningKey {
  return { id, secret: Buffer.from(secret) };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A Backend with only files (the rest throws): enough for the download route. */
export class MemoryFiles implements Pick<Backend, 'getFile'> {
  readonly files = new Map<string, FileRecord>();
  readonly calls: Array<{ tenantId: string; fileId: string }> = [];

  async getFile(tenantId: string, fileId: string, signal: AbortSignal): Promise<FileRecord | null> {
    signal.throwIfAborted();
    this.calls.push({ tenantId, fileId });
    const f = this.files.get(fileId);
    return f && f.tenantId === tenantId ? f : null;
  }

  /** Records a file and writes its bytes into the store. */
  async add(blobs: BlobStore, init: { tenantId?: string; name: string; contentType: string; bytes: Buffer; writeBlob?: boolean }): Promise<FileRecord> {
    const tenantId = init.tenantId ?? TENANT;
    const jobId = testId('job');
    const id = testId('fil');
    const record: FileRecord = {
      id,
      tenantId,
      jobId,
      name: init.name,
      contentType: init.contentType,
      size: init.bytes.length,
      sha256: sha256(init.bytes),
      createdAt: new Date().toISOString(),
      blobKey: blobKeyFor(tenantId, jobId, id),
    };
    if (init.writeBlob !== false) await blobs.put(record.blobKey, init.bytes, init.contentType);
    this.files.set(id, record);
    return record;
  }
}

export function downloadApp(handler: RequestHandler): express.Express {
  const app = express();
  app.get('/v1/downloads/:fileId', handler);
  app.head('/v1/downloads/:fileId', handler);
  // The product's one error middleware: refusals reach these tests exactly as they reach clients.
  app.use(errorMiddleware());
  return app;
}

export interface Listening {
  server: Server;
  baseUrl: string;
  close(): Promise<void>;
}

export async function listen(app: express.Express): Promise<Listening> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
