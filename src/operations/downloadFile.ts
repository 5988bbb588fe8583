import { defineOperation } from '../http/operation.js';

/** Streams the bytes; authorized by the URL's signature alone (src/files/download.ts). */
export default defineOperation('downloadFile', async ({ services, req, res }) => {
  await new Promise<void>((resolve, reject) => {
    res.once('close', resolve);
    services.download(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
});
