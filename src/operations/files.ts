/** The public shape of a file: its metadata plus a fresh signed URL (never stored, never cached). */
import type { components } from '../../generated/types.js';
import type { FileRecord } from '../backend/port.js';
import { safeContentType } from '../files/download-headers.js';
import type { Principal } from '../http/context.js';
import type { AppServices } from '../http/services.js';

export async function presentFile(services: AppServices, file: FileRecord, principal: Principal): Promise<components['schemas']['File']> {
  const { url, expiresAt } = await services.issueDownloadUrl(file, principal);
  return {
    id: file.id,
    jobId: file.jobId,
    name: file.name,
    // The same media type the download answers with (the contract's pattern): an invalid one is octet-stream.
    contentType: safeContentType(file.contentType),
    size: file.size,
    sha256: file.sha256,
    createdAt: file.createdAt,
    downloadUrl: url,
    expiresAt: expiresAt.toISOString(),
  };
}
