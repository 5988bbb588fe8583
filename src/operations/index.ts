/** Every operation's handler, keyed by operationId. test/http/operations.test.ts checks the mapping both ways. */
import type { OperationId } from '../../generated/operations.js';
import type { OperationModule } from '../http/operation.js';
import downloadFile from './downloadFile.js';
import getContact from './getContact.js';
import getHealth from './getHealth.js';
import getJob from './getJob.js';
import getJobFile from './getJobFile.js';
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
  downloadFile,
  headDownloadFile,
};
