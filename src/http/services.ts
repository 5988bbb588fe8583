/** What operation handlers may use: ports and the few HTTP-level helpers built once per app. */
import type { Backend } from '../backend/port.js';
import type { BlobStore } from '../files/port.js';
import type { IssueDownloadUrl } from '../files/issue.js';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { CursorCodec } from './pagination.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  latencyMs?: number;
  detail?: string;
}

export interface AppServices {
  config: Config;
  backend: Backend;
  blobs: BlobStore;
  cursors: CursorCodec;
  issueDownloadUrl: IssueDownloadUrl;
  download: RequestHandler;
  /** The backend's health (through the resilience pipeline when it has one). */
  backendHealth: (signal: AbortSignal) => Promise<HealthReport>;
  validateResponses: boolean;
}
