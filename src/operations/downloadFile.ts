import type { OperationModule } from '../http/operation.js';

/** Streams the bytes; authorized by the URL's signature alone (src/files/download.ts writes the response). */
const downloadFile: OperationModule<'downloadFile'> = { operationId: 'downloadFile', handler: (services) => services.download };
export default downloadFile;
