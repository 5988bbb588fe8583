/** `GET /v1/downloads/{fileId}`: the bytes of a file, authorized by the signed URL alone (src/files/download.ts). */
import type { OperationModule } from '../http/operation.js';

const downloadFile: OperationModule<'downloadFile'> = { operationId: 'downloadFile', handler: (services) => services.download };
export default downloadFile;
