/**
 * `issueDownloadUrl(file, principal)`: the one place the file handlers get a `downloadUrl` from. With a BlobStore
 * that can presign (S3), clients fetch straight from the bucket; otherwise the URL is a locally signed
 * `/v1/downloads/…` link. Either way one `file.url_issued` audit event is emitted with the URL redacted.
 */
import type { FileRecord } from '../backend/port.js';
import type { Principal } from '../http/context.js';
import { emitAudit, silentLog } from './audit.js';
import type { AuditFn, LogLike } from './audit.js';
import type { BlobStore } from './port.js';
import type { UrlSigner } from './signer.js';
import { redactUrl } from '../common/redaction.js';

export interface IssuedDownloadUrl {
  url: string;
  expiresAt: Date;
}

export type IssueDownloadUrl = (file: FileRecord, principal: Principal | undefined) => Promise<IssuedDownloadUrl>;

export interface DownloadUrlIssuerDeps {
  blobs: BlobStore;
  signer: UrlSigner;
  audit: AuditFn;
  log?: LogLike;
  /** Milliseconds since the epoch; injectable for tests. Local URLs use the signer's own clock. */
  now?: () => number;
}

export function createDownloadUrlIssuer(deps: DownloadUrlIssuerDeps): IssueDownloadUrl {
  const { blobs, signer, audit } = deps;
  const log = deps.log ?? silentLog;
  const now = deps.now ?? Date.now;

  return async function issueDownloadUrl(file, principal) {
    let issued: IssuedDownloadUrl;
    let via: 'local' | 'presigned';
    const presigned = blobs.presign
      ? await blobs.presign(file.blobKey, { filename: file.name, contentType: file.contentType, expiresInSeconds: signer.ttlSeconds })
      : null;
    if (presigned) {
      // SigV4 counts the expiry from its X-Amz-Date (whole seconds), so this matches the URL to the second.
      issued = { url: presigned, expiresAt: new Date((Math.floor(now() / 1000) + signer.ttlSeconds) * 1000) };
      via = 'presigned';
    } else {
      const local = signer.issue({ tenantId: file.tenantId, fileId: file.id });
      issued = { url: local.url, expiresAt: local.expiresAt };
      via = 'local';
    }
    emitAudit(audit, log, 'file.url_issued', {
      tenantId: file.tenantId,
      principal: principal?.subject ?? null,
      keyId: principal?.keyId ?? null,
      fileId: file.id,
      jobId: file.jobId,
      expiresAt: issued.expiresAt.toISOString(),
      via,
      url: redactUrl(issued.url),
    });
    return issued;
  };
}
