/** `HEAD /v1/downloads/{fileId}`: the download's checks and headers without the body (src/files/download.ts). */
import type { OperationModule } from '../http/operation.js';

const headDownloadFile: OperationModule<'headDownloadFile'> = { operationId: 'headDownloadFile', handler: (services) => services.download };
export default headDownloadFile;
