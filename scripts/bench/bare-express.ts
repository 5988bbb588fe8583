/**
 * The benchmark's baseline: a bare Express 5 server answering the same routes with the same rows, read through
 * the same SQL store from the same database — no auth, validation, rate limits, headers, logging, metrics or
 * tracing. The full stack's throughput is measured against this.
 * Configured like the portal it is compared with, through src/config.ts (callers pass productionEnv(): PORT, HOST,
 * PORTAL_DATA_DIR, DATABASE_URL), plus BENCH_TENANT (default ten_acme).
 */
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { loadConfig } from '../../src/config.js';
import { LocalBlobStore } from '../../src/files/local.js';
import { blobKeyFor } from '../../src/backend/port.js';
import { DEFAULT_LIMIT } from '../../src/http/lists.js';

const config = loadConfig();
const tenant = process.env.BENCH_TENANT ?? 'ten_acme';
const store = await openSqlStore({ dataDir: config.data.dir, databaseUrl: config.data.databaseUrl, migrate: false });
const blobs = new LocalBlobStore(path.join(config.data.dir, 'blobs'));
const signal = new AbortController().signal;
const limitOf = (q: unknown) => Math.min(100, Math.max(1, Number(q) || DEFAULT_LIMIT));

const app = express();
app.get('/v1/health', async (_req, res) => {
  await store.ping(signal);
  res.json({ status: 'ok' });
});
app.get('/v1/contacts', async (req, res) => {
  const page = await store.listContacts(tenant, {}, { limit: limitOf(req.query.limit) }, signal);
  res.json({ data: page.items });
});
app.get('/v1/contacts/:id', async (req, res) => {
  const row = await store.getContact(tenant, req.params.id, signal);
  if (row) res.json(row);
  else res.status(404).end();
});
app.get('/v1/jobs', async (req, res) => {
  const t = typeof req.query.tenant === 'string' ? req.query.tenant : tenant;
  const page = await store.listJobs(t, {}, { limit: limitOf(req.query.limit) }, signal);
  res.json({ data: page.items });
});
app.get('/v1/jobs/:id', async (req, res) => {
  const row = await store.getJob(tenant, req.params.id, signal);
  if (row) res.json(row);
  else res.status(404).end();
});
app.get('/v1/jobs/:id/files', async (req, res) => {
  const page = await store.listJobFiles(tenant, req.params.id, { limit: limitOf(req.query.limit) }, signal);
  if (page) res.json({ data: page.items });
  else res.status(404).end();
});
app.get('/v1/jobs/:id/files/:fileId', async (req, res) => {
  const row = await store.getJobFile(tenant, req.params.id, req.params.fileId, signal);
  if (row) res.json(row);
  else res.status(404).end();
});
app.get('/v1/downloads/:fileId', async (req, res) => {
  const file = await store.getFile(tenant, req.params.fileId, signal);
  if (!file) {
    res.status(404).end();
    return;
  }
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Length', String(file.size));
  await pipeline(await blobs.read(blobKeyFor(tenant, file.jobId, file.id)), res);
});

const server = app.listen(config.http.port, config.http.host, () => process.stdout.write('bare express listening\n'));
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void store.close().then(() => process.exit(0)));
});
