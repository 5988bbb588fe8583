/** Every operation's handler, keyed by operationId. test/http/operations.test.ts checks the mapping both ways. */
import type { RequestHandler } from 'express';
import { operationIds, type OperationId } from '../../generated/operations.js';
import type { OperationModule } from '../http/operation.js';
import type { AppServices } from '../http/services.js';
import downloadFile from './downloadFile.js';
import getContact from './getContact.js';
import getHealth from './getHealth.js';
import getJob from './getJob.js';
import getJobFile from './getJobFile.js';
import getUsage from './getUsage.js';
import headDownloadFile from './headDownloadFile.js';
import listContacts from './listContacts.js';
import listJobFiles from './listJobFiles.js';
import listJobs from './listJobs.js';

export const operationModules: { [K in OperationId]: OperationModule<K> } = {
  getHealth,
  listContacts,
  getContact,
  listJobs,
  getJob,
  listJobFiles,
  getJobFile,
  getUsage,
  downloadFile,
  headDownloadFile,
};

/** The `handle` phase: the matched operation's handler (the `route` phase matched it; nothing routes again here). */
export function handleOperations(services: AppServices): RequestHandler {
  const handlers = new Map(operationIds.map((id) => [id, operationModules[id].handler(services)] as const));
  return (req, res, next) => handlers.get(req.ctx.match!.operation.operationId)!(req, res, next);
}
