import { defineOperation } from '../http/operation.js';

/** The same checks and headers as downloadFile, without the body; authorized by the URL's signature alone (src/files/download.ts). */
export default defineOperation('headDownloadFile', async ({ services, req, res }) => {
  await new Promise<void>((resolve, reject) => {
    res.once('close', resolve);
    services.download(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
});
