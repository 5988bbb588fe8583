/** What operation handlers may use: ports and the few HTTP-level helpers built once per app (src/app.ts). */
import type { RequestHandler } from 'express';
import type { ResilientBackend } from '../backend/resilience.js';
import type { Config } from '../config.js';
import type { IssueDownloadUrl } from '../files/issue.js';
import type { BlobStore } from '../files/port.js';
import type { NotFoundOrCrossTenant } from '../security/tenancy.js';
import type { CursorCodec } from './pagination.js';

export interface AppServices {
  config: Config;
  /** The data tier behind the resilience pipeline (its `health()` answers /v1/health). */
  backend: ResilientBackend;
  blobs: BlobStore;
  cursors: CursorCodec;
  issueDownloadUrl: IssueDownloadUrl;
  download: RequestHandler;
  /**
   * After a tenant-scoped lookup of `id` missed: answers 404, auditing and counting a cross-tenant attempt first
   * (src/security/tenancy.ts, with this app's audit sink and metrics).
   */
  notFoundOrCrossTenant: NotFoundOrCrossTenant;
  validateResponses: boolean;
}
