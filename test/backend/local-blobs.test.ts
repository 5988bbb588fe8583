import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKeyFor } from '../../src/backend/port.js';
import { LocalBlobStore } from '../../src/files/local.js';

describe('LocalBlobStore', () => {
  let dir: string;
  let root: string;
  let blobs: LocalBlobStore;
  const key = blobKeyFor('ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs', 'fil_9sD3fG6hJ1kL4zX7cV2bN8');

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'portal-blobs-'));
    root = path.join(dir, 'blobs');
    blobs = new LocalBlobStore(root);
    // A secret beside the root that no key may reach.
    writeFileSync(path.join(dir, 'secret.txt'), 'top secret');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes buffers and streams under <root>/<tenant>/<job>/<file> and reads them back', async () => {
    await blobs.put(key, Buffer.from('hello, world'), 'text/plain');
    expect(await blobs.stat(key)).toEqual({ size: 12 });
    expect(await text(await blobs.read(key))).toBe('hello, world');
    expect(readdirSync(path.join(root, 'ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs'))).toEqual(['fil_9sD3fG6hJ1kL4zX7cV2bN8']); // no temp debris

    const streamed = blobKeyFor('ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs', 'fil_streamedStreamedStream');
    await blobs.put(streamed, Readable.from([Buffer.from('a'.repeat(70_000)), Buffer.from('b')]), 'text/plain');
    expect(await blobs.stat(streamed)).toEqual({ size: 70_001 });
  });

  it('streams an inclusive byte range, clamping the end to the size', async () => {
    expect(await text(await blobs.read(key, { start: 7, end: 11 }))).toBe('world');
    expect(await text(await blobs.read(key, { start: 0, end: 0 }))).toBe('h');
    expect(await text(await blobs.read(key, { start: 10, end: 999 }))).toBe('ld');
    await expect(blobs.read(key, { start: 12, end: 20 })).rejects.toMatchObject({ code: 'ERANGE' });
    await expect(blobs.read(key, { start: 5, end: 2 })).rejects.toMatchObject({ code: 'ERANGE' });
  });

  it('reports a missing blob as null on stat and ENOENT on read', async () => {
    const missing = blobKeyFor('ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs', 'fil_0000000000000000000000');
    expect(await blobs.stat(missing)).toBeNull();
    await expect(blobs.read(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await blobs.stat('ten_acme/job_7hR2mK9pQ4xW1nV8bT3cZs')).toBeNull(); // a directory is not a blob
  });

  it.each([
    ['parent segments', '../secret.txt'],
    ['nested parent segments', 'ten_acme/../../secret.txt'],
    ['a dot segment', 'ten_acme/./x'],
    ['an absolute path', '/etc/passwd'],
    ['a backslash', 'ten_acme\\..\\..\\secret.txt'],
    ['a NUL byte', 'ten_acme/x\u0000.txt'],
    ['an empty segment', 'ten_acme//x'],
    ['an empty key', ''],
    ['a hidden file', 'ten_acme/.tmp-123'],
    ['a control character', 'ten_acme/a\nb'],
  ])('refuses a key with %s on every method', async (_what, bad) => {
    await expect(blobs.put(bad, Buffer.from('x'), 'text/plain')).rejects.toMatchObject({ code: 'EINVALIDKEY' });
    await expect(blobs.stat(bad)).rejects.toMatchObject({ code: 'EINVALIDKEY' });
    await expect(blobs.read(bad)).rejects.toMatchObject({ code: 'EINVALIDKEY' });
  });

  it('refuses symlinks that lead out of the root, for reads and writes', async () => {
    mkdirSync(path.join(root, 'ten_evil'), { recursive: true });
    symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'ten_evil', 'leak'));
    symlinkSync(dir, path.join(root, 'ten_evil', 'outside'));
    await expect(blobs.read('ten_evil/leak')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(blobs.stat('ten_evil/leak')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(blobs.read('ten_evil/outside/secret.txt')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(blobs.put('ten_evil/outside/planted', Buffer.from('x'), 'text/plain')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    expect(readdirSync(dir).sort()).toEqual(['blobs', 'secret.txt']);
  });

  it('open(): size, then the bytes (whole or a range) in memory or as a stream; null when missing; refuses escapes', async () => {
    const k = blobKeyFor('ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs', 'fil_open0000000000000000001');
    await blobs.put(k, Buffer.from('0123456789'), 'text/plain');
    const whole = (await blobs.open(k))!;
    expect(whole.size).toBe(10);
    expect((await whole.bytes!()).toString()).toBe('0123456789');
    expect((await (await blobs.open(k))!.bytes!({ start: 2, end: 99 })).toString()).toBe('23456789');
    expect(await text((await blobs.open(k))!.stream({ start: 1, end: 3 }))).toBe('123');
    const closed = (await blobs.open(k))!;
    await closed.close();
    expect(await blobs.open(blobKeyFor('ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs', 'fil_missing00000000000000001'))).toBeNull();
    mkdirSync(path.join(root, 'ten_evil2'), { recursive: true });
    symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'ten_evil2', 'leak'));
    await expect(blobs.open('ten_evil2/leak')).rejects.toMatchObject({ code: 'EOUTSIDE' });
  });

  it('open().bytes() refuses a blob that shrank after it was opened, and closes its handle', async () => {
    const k = blobKeyFor('ten_acme', 'job_7hR2mK9pQ4xW1nV8bT3cZs', 'fil_shrink00000000000000001');
    await blobs.put(k, Buffer.alloc(4096, 1), 'application/octet-stream');
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const opened = (await blobs.open(k))!;
    expect(fds()).toBe(before + 1);
    truncateSync(path.join(root, ...k.split('/')), 100);
    await expect(opened.bytes!()).rejects.toMatchObject({ code: 'ESHORTREAD' });
    expect(fds()).toBe(before);
  });

  it('follows symlinks that stay inside the root', async () => {
    symlinkSync(path.join(root, 'ten_acme'), path.join(root, 'ten_alias'));
    expect(await text(await blobs.read('ten_alias/job_7hR2mK9pQ4xW1nV8bT3cZs/fil_9sD3fG6hJ1kL4zX7cV2bN8'))).toBe('hello, world');
  });
});
