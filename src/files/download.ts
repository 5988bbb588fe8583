/**
 * GET and HEAD `/v1/downloads/:fileId?tenant=&expires=&kid=&sig=` — the target of a local signed URL.
 *
 * Authorized by the signature alone. The bytes are streamed from the BlobStore (never buffered whole) with the
 * file's type, an attachment disposition, a strong ETag from the sha256, byte ranges and conditional requests.
 * Every answer, errors included, is `Cache-Control: private, max-age=0, no-store` and nosniff.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Backend, FileRecord } from '../backend/port.js';
import { HttpProblem, problems } from '../http/problem.js';
import type { FieldError } from '../http/problem.js';
import { emitAudit, silentLog } from './audit.js';
import type { AuditFn, LogLike } from './audit.js';
import type { BlobStore, ByteRange, OpenBlob } from './port.js';
import { decideRange } from './range.js';
import type { UrlSigner } from './signer.js';
import { redactUrl } from '../common/redaction.js';
import { NO_STORE, ifNoneMatchHits, ifRangeAllows } from '../http/caching.js';
import { contentDisposition, safeContentType } from './download-headers.js';

export interface DownloadHandlerDeps {
  backend: Pick<Backend, 'getFile'>;
  blobs: BlobStore;
  signer: UrlSigner;
  audit: AuditFn;
  /** Used when the request carries no `req.ctx.log` (the app's request logger sets one). */
  log?: LogLike;
}

const FILE_ID_RE = /^fil_[0-9A-Za-z]{22}$/;
const TENANT_RE = /^ten_[a-z0-9][a-z0-9-]{0,39}$/;
const SIGNED_PARAMS = ['tenant', 'expires', 'kid', 'sig'] as const;

const invalidSignature = () =>
  new HttpProblem({
    status: 403,
    type: 'invalid-signature',
    title: 'Invalid signature',
    detail: 'This download link is not valid; ask the API for a fresh one.',
    headers: { 'Cache-Control': NO_STORE },
  });

const expiredUrl = () =>
  new HttpProblem({
    status: 403,
    type: 'signed-url-expired',
    title: 'Signed URL expired',
    detail: 'This download link has expired; ask the API for a fresh one.',
    headers: { 'Cache-Control': NO_STORE },
  });

const rangeNotSatisfiable = (size: number) =>
  new HttpProblem({
    status: 416,
    type: 'range-not-satisfiable',
    title: 'Range not satisfiable',
    detail: `The file has ${size} bytes.`,
    headers: { 'Content-Range': `bytes */${size}`, 'Cache-Control': NO_STORE },
  });

/** Errors a BlobStore raises for "no such blob" (or a key it refuses to resolve): a 404, never a 500. */
function isMissingBlob(err: unknown): boolean {
  const e = err as { code?: string; name?: string } | null;
  return ['ENOENT', 'ENOTDIR', 'EINVALIDKEY', 'EOUTSIDE'].includes(e?.code ?? '') || /NotFound|NoSuchKey/.test(e?.name ?? '');
}

/** The signed parameters exactly as sent: from the raw query (a validator may have coerced `req.query`). */
function signedParams(req: Request): { values: Record<(typeof SIGNED_PARAMS)[number], string>; errors: FieldError[] } {
  const search = new URL(req.originalUrl || req.url, 'http://download.invalid').searchParams;
  const errors: FieldError[] = [];
  const values = { tenant: '', expires: '', kid: '', sig: '' };
  for (const name of SIGNED_PARAMS) {
    const all = search.getAll(name);
    if (all.length !== 1 || all[0] === '') {
      errors.push({ location: 'query', name, message: all.length > 1 ? 'must appear once' : 'is required' });
    } else {
      values[name] = all[0] as string;
    }
  }
  if (values.tenant !== '' && !TENANT_RE.test(values.tenant)) errors.push({ location: 'query', name: 'tenant', message: 'is not a tenant id' });
  return { values, errors };
}

/** Bodies up to this size are read into memory in one go (when the store can), larger ones are streamed. */
const SMALL_BODY_BYTES = 64 * 1024;

export function createDownloadHandler(deps: DownloadHandlerDeps): RequestHandler {
  const { backend, blobs, signer, audit } = deps;

  /**
   * The blob behind a file row, found by `find` (a stat, or an open): a missing one is a 404 problem and an error
   * log; a size that differs from the row is logged loudly and served as it really is (a wrong Content-Length
   * breaks the response).
   */
  async function present<T extends { size: number }>(file: FileRecord, log: LogLike, find: () => Promise<T | null>): Promise<T> {
    let found: T | null;
    try {
      found = await find();
    } catch (err) {
      if (!isMissingBlob(err)) throw err;
      found = null;
    }
    if (!found) {
      log.error({ fileId: file.id, tenantId: file.tenantId, blobStore: blobs.name }, 'download: the file row exists but its blob is missing');
      throw problems.notFound(`No file ${file.id}.`);
    }
    if (found.size !== file.size) {
      log.error({ fileId: file.id, tenantId: file.tenantId, recorded: file.size, actual: found.size }, 'download: blob size differs from the file row');
    }
    return found;
  }

  /** The blob's size (stores without `open`; the bytes are read later). */
  const statBlob = async (file: FileRecord, log: LogLike) => (await present(file, log, () => blobs.stat(file.blobKey))).size;

  /** The blob opened once (stores with `open`): its size, then either its stream or a close. */
  const openOnce = (file: FileRecord, log: LogLike) => present(file, log, () => blobs.open!(file.blobKey));

  async function openBlob(file: FileRecord, range: ByteRange | undefined, log: LogLike): Promise<Readable> {
    try {
      return await blobs.read(file.blobKey, range);
    } catch (err) {
      if (!isMissingBlob(err)) throw err;
      log.error({ fileId: file.id, tenantId: file.tenantId, blobStore: blobs.name }, 'download: the blob vanished between stat and read');
      throw problems.notFound(`No file ${file.id}.`);
    }
  }

  async function handle(req: Request, res: Response): Promise<void> {
    const log: LogLike = (req.ctx?.log as LogLike | undefined) ?? deps.log ?? silentLog;
    const url = redactUrl(req.originalUrl || req.url);
    // Set first so that every answer, problems included, is never cached and never sniffed.
    res.setHeader('Cache-Control', NO_STORE);
    res.setHeader('X-Content-Type-Options', 'nosniff');

    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') throw problems.methodNotAllowed(['GET', 'HEAD']);

    // The route phase's match in the app; Express's own route parameters where the handler is mounted on a route.
    const fileId = String(req.ctx?.match?.params.fileId ?? req.params.fileId ?? '');
    const { values, errors } = signedParams(req);
    if (!FILE_ID_RE.test(fileId)) errors.unshift({ location: 'path', name: 'fileId', message: 'is not a file id' });
    if (errors.length > 0) {
      throw problems.badRequest(`The request has ${errors.length} invalid parameter${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.name).join(', ')}.`, errors);
    }

    const verdict = signer.verify({ method, fileId, tenant: values.tenant, expires: values.expires, kid: values.kid, sig: values.sig });
    if (!verdict.ok) {
      log.warn({ fileId, tenantId: values.tenant, kid: values.kid, reason: verdict.reason, url }, 'download: signed URL refused');
      throw verdict.reason === 'expired' ? expiredUrl() : invalidSignature();
    }
    // The signature proves the server issued this URL to the tenant: its usage (src/observability/usage-meter.ts).
    if (req.ctx) req.ctx.tenantId = values.tenant;

    const signal = req.ctx?.signal ?? abortOnClose(res);
    const file = await backend.getFile(values.tenant, fileId, signal);
    if (!file || file.tenantId !== values.tenant) {
      // A validly signed URL for a row that is gone: the API is read-only, so this is a data problem.
      log.error({ fileId, tenantId: values.tenant }, 'download: signed URL names a file that does not exist');
      throw problems.notFound(`No file ${fileId}.`);
    }
    // One open (path check, open, fstat) when the store offers it; otherwise a stat now and a read below.
    const opened = blobs.open ? await openOnce(file, log) : undefined;
    try {
      await answer(req, res, { method, file, opened, verdict, url, log });
    } finally {
      // Every answer but a streamed body leaves the handle to us (304, 416, HEAD, a client already gone).
      if (opened && !streamed.has(opened)) await opened.close().catch(() => undefined);
    }
  }

  const streamed = new WeakSet<OpenBlob>();

  /** A verified download: its method, file row, opened blob (when the store opens), signature, redacted URL and log. */
  interface Download {
    method: string;
    file: FileRecord;
    opened: OpenBlob | undefined;
    verdict: { kid: string; expiresAt: Date };
    url: string;
    log: LogLike;
  }

  async function answer(req: Request, res: Response, { method, file, opened, verdict, url, log }: Download): Promise<void> {
    const size = opened ? opened.size : await statBlob(file, log);
    const etag = `"${file.sha256}"`;

    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');

    if (ifNoneMatchHits(req.get('If-None-Match'), etag)) {
      res.status(304).end();
      return;
    }

    // Range is defined for GET only (RFC 9110 §14.2): HEAD answers as a plain GET would, without the body.
    const rangeHeader = method === 'GET' && ifRangeAllows(req.get('If-Range'), etag) ? req.get('Range') : undefined;
    const decision = decideRange(rangeHeader, size);
    if (decision.kind === 'unsatisfiable') {
      res.removeHeader('ETag');
      throw rangeNotSatisfiable(size);
    }
    const range = decision.kind === 'partial' ? decision.range : undefined;
    const length = range ? range.end - range.start + 1 : size;
    const status = range ? 206 : 200;

    // Open before the body headers go on: a blob that vanished still becomes a clean 404 problem. A small body
    // (≤ 64 KiB) is read into memory in one go when the store can: one read and a close, instead of a read
    // stream and pipeline()'s machinery for a single chunk.
    let body: Readable | undefined;
    let inMemory: Buffer | undefined;
    if (method === 'GET' && opened) {
      if (res.destroyed) return;
      streamed.add(opened);
      if (opened.bytes && length <= SMALL_BODY_BYTES) inMemory = await opened.bytes(range);
      else body = opened.stream(range);
    } else if (method === 'GET') {
      body = await openBlob(file, range, log);
    }
    res.setHeader('Content-Type', safeContentType(file.contentType));
    res.setHeader('Content-Length', String(length));
    res.setHeader('Content-Disposition', contentDisposition(file.name));
    if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);

    if (!body && !inMemory) {
      res.status(status).end();
      return;
    }
    if (res.destroyed) {
      body?.destroy();
      return;
    }
    const audited = (completed: boolean) =>
      emitAudit(audit, log, 'file.downloaded', {
        tenantId: file.tenantId,
        principal: 'signed-url',
        fileId: file.id,
        jobId: file.jobId,
        kid: verdict.kid,
        expiresAt: verdict.expiresAt.toISOString(),
        status,
        range: range ? `bytes ${range.start}-${range.end}/${size}` : null,
        bytes: length,
        completed,
        url,
      });
    res.status(status);
    // Written when the response closes, whole or cut, in the same turn in which the shutdown tracker counts the
    // request done: a drain that aborts this download cannot finish (and exit) before the line is written.
    let written = false;
    const auditOnce = (completed: boolean) => {
      if (written) return;
      written = true;
      audited(completed);
    };
    res.once('close', () => {
      if (!written && !res.writableFinished) log.debug({ fileId: file.id, url }, 'download: client went away');
      auditOnce(res.writableFinished);
    });
    if (inMemory) {
      res.end(inMemory);
      return;
    }
    if (!body) return;
    try {
      // pipeline destroys the blob stream when the client goes away, so an abort stops the disk/S3 read.
      // pipeline() alone adds ~6 'close' listeners to the response; with the request context's and the access
      // log's that passes Node's leak-warning threshold of 10 without any leak.
      res.setMaxListeners(Math.max(res.getMaxListeners(), 20));
      await pipeline(body, res);
      auditOnce(true);
    } catch (err) {
      auditOnce(false);
      const code = (err as { code?: string }).code;
      if (code !== 'ERR_STREAM_PREMATURE_CLOSE' && !res.destroyed) {
        log.error({ fileId: file.id, err: err instanceof Error ? err.message : String(err) }, 'download: stream failed mid-body');
      }
      // Headers are gone already: the only honest signal left is an aborted connection.
      body.destroy();
      res.destroy();
    }
  }

  return (req: Request, res: Response, next: NextFunction) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      next(err);
    });
  };
}

/** An AbortSignal that fires when the client disconnects before the answer is done (when no ctx supplies one). */
function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}
