/**
 * LocalBlobStore: the embedded BlobStore, plain files under `<dataDir>/blobs`.
 *
 * Keys come from `blobKeyFor` (validated ids), but this adapter is the last line of defence for the disk, so it
 * refuses anything that could resolve outside the root on its own: empty or `.`/`..` segments, absolute paths,
 * backslashes, NUL and other control characters, and — checked with realpath at use time — symlinks that point
 * out of the root. Refusals carry `code: 'EINVALIDKEY'` / `'EOUTSIDE'`; a missing blob is Node's `ENOENT`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStat, BlobStore, ByteRange, OpenBlob } from './port.js';

function refuse(code: 'EINVALIDKEY' | 'EOUTSIDE', message: string): Error {
  return Object.assign(new Error(message), { code });
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** The key's path segments, or a thrown EINVALIDKEY. Never echoes the key (it may be attacker-shaped). */
export function keySegments(key: string): string[] {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) throw refuse('EINVALIDKEY', 'Invalid blob key');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key) || key.startsWith('/') || path.isAbsolute(key)) throw refuse('EINVALIDKEY', 'Invalid blob key');
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '.' || s === '..' || !SEGMENT.test(s)) throw refuse('EINVALIDKEY', 'Invalid blob key');
  }
  return segments;
}

function within(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

export class LocalBlobStore implements BlobStore {
  readonly name = 'local';
  private readonly root: string;
  private realRoot: string | undefined;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  private async resolvedRoot(): Promise<string> {
    if (!this.realRoot) {
      await mkdir(this.root, { recursive: true });
      this.realRoot = await realpath(this.root);
    }
    return this.realRoot;
  }

  /** The lexical path of a key (no filesystem access). */
  private lexical(key: string): string {
    const p = path.resolve(this.root, ...keySegments(key));
    if (!within(this.root, p) || p === this.root) throw refuse('EINVALIDKEY', 'Invalid blob key');
    return p;
  }

  /** The real path of an existing blob, refused when a symlink leads it out of the root. */
  private async existing(key: string): Promise<string> {
    const p = this.lexical(key);
    const root = await this.resolvedRoot();
    const real = await realpath(p); // ENOENT when missing
    if (!within(root, real)) throw refuse('EOUTSIDE', 'Blob key resolves outside the blob root');
    return real;
  }

  async put(key: string, body: Buffer | Readable, _contentType: string): Promise<void> {
    const p = this.lexical(key);
    const root = await this.resolvedRoot();
    const dir = path.dirname(p);
    await mkdir(dir, { recursive: true });
    // A symlinked directory on the way must not carry the write out of the root.
    if (!within(root, await realpath(dir))) throw refuse('EOUTSIDE', 'Blob key resolves outside the blob root');
    // Write beside and rename: readers never see a half-written blob; a failed write leaves no debris.
    const tmp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      if (Buffer.isBuffer(body)) await writeFile(tmp, body, { flag: 'wx' });
      else await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, p);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async stat(key: string): Promise<BlobStat | null> {
    try {
      const s = await stat(await this.existing(key));
      return s.isFile() ? { size: s.size } : null;
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') return null;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const fh = await open(await this.existing(key), 'r');
    try {
      const s = await fh.stat();
      if (!s.isFile()) throw Object.assign(new Error('No blob under this key'), { code: 'ENOENT' });
      if (range && (range.start < 0 || range.end < range.start || range.start >= s.size)) {
        throw Object.assign(new RangeError('Range not satisfiable'), { code: 'ERANGE' });
      }
      // The stream owns the handle from here and closes it when done or destroyed.
      return fh.createReadStream(range ? { start: range.start, end: Math.min(range.end, s.size - 1) } : {});
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async open(key: string): Promise<OpenBlob | null> {
    let fh;
    try {
      fh = await open(await this.existing(key), 'r');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') return null;
      throw err;
    }
    try {
      const s = await fh.stat();
      if (!s.isFile()) {
        await fh.close();
        return null;
      }
      const handle = fh;
      return {
        size: s.size,
        stream: (range) => handle.createReadStream(range ? { start: range.start, end: Math.min(range.end, s.size - 1) } : {}),
        bytes: async (range) => {
          try {
            const start = range ? range.start : 0;
            const length = Math.max(0, (range ? Math.min(range.end, s.size - 1) : s.size - 1) - start + 1);
            const buffer = Buffer.allocUnsafe(length);
            let filled = 0;
            while (filled < length) {
              const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
              if (bytesRead === 0) throw Object.assign(new Error('Blob shorter than its size: it changed while being read'), { code: 'ESHORTREAD' });
              filled += bytesRead;
            }
            return buffer;
          } finally {
            await handle.close();
          }
        },
        close: () => handle.close(),
      };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async close(): Promise<void> {}
}
