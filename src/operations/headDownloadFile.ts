import type { OperationModule } from '../http/operation.js';

/** The same checks and headers as downloadFile, without the body (src/files/download.ts). */
const headDownloadFile: OperationModule<'headDownloadFile'> = { operationId: 'headDownloadFile', handler: (services) => services.download };
export default headDownloadFile;
