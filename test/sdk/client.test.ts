/**
 * The generated SDK (the built `generated/sdk/dist/index.js`, as a frontend gets it) against a live Portal API on
 * the demo data: every operation, auto-pagination, each error class with its problem details and trace id.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  PortalApiError,
  PortalError,
  UnauthorizedError,
  createPortalClient,
  operationIds,
  type Job,
  type PortalClient,
} from '../../generated/sdk/dist/index.js';
import { operationIds as specOperationIds } from '../../generated/operations.js';
import { ACME_KEY, GLOBEX_KEY, startTestApp, type TestApp } from '../support/app.js';
import { countingFetch, downloadParams, makeSdkDataDir, type SdkDataDir } from './support.js';

let data: SdkDataDir;
let api: TestApp;
let portal: PortalClient;
const traffic = countingFetch();

beforeAll(async () => {
  data = await makeSdkDataDir();
  api = await startTestApp({ PORTAL_DATA_DIR: data.dir, PORTAL_RATE_LIMIT_PER_MINUTE: '100000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '100000' });
  portal = createPortalClient({ baseUrl: api.url, token: ACME_KEY, fetch: traffic.fetch, maxRetries: 0 });
});

afterAll(async () => {
  await api?.close();
  data?.remove();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('one method per operation', () => {
  it('has exactly the operations of the contract', () => {
    expect([...operationIds].sort()).toEqual([...specOperationIds].sort());
    for (const id of operationIds) expect(typeof portal[id], id).toBe('function');
  });

  it('getHealth: public, sent without the token', async () => {
    const before = traffic.calls.length;
    const health = await portal.getHealth();
    expect(health.status).toBe('ok');
    expect(health.checks.backend?.status).toBe('ok');
    expect(traffic.calls[before]).toMatchObject({ method: 'GET', authorization: null });
  });

  it('listContacts + getContact: a typed page, filters in the query, the bearer token sent', async () => {
    const page = await portal.listContacts({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(traffic.calls.at(-1)).toMatchObject({ authorization: `Bearer ${ACME_KEY}` });
    expect(new URL(traffic.calls.at(-1)!.url).search).toBe('?limit=2');

    const first = page.data[0]!;
    expect(await portal.getContact({ contactId: first.id })).toEqual(first);

    const byName = await portal.listContacts({ q: first.name.slice(0, 5) });
    expect(byName.data.map((c) => c.id)).toContain(first.id);
  });

  it('listJobs + getJob: status filter, the job as listed', async () => {
    const running = await portal.listJobs({ status: 'running', limit: 100 });
    expect(running.data.length).toBeGreaterThan(0);
    expect(running.data.every((j) => j.status === 'running')).toBe(true);
    const job = running.data[0]!;
    expect(await portal.getJob({ jobId: job.id })).toEqual(job);
  });

  it('listJobFiles + getJobFile + downloadFile + headDownloadFile: metadata, signed URL, the bytes', async () => {
    const withFiles = (await collect(portal.listJobs.all({ status: 'succeeded', limit: 100 }))).find((j) => j.fileCount > 1);
    expect(withFiles).toBeDefined();
    const files = await portal.listJobFiles({ jobId: withFiles!.id });
    expect(files.data).toHaveLength(withFiles!.fileCount);
    const listed = files.data[0]!;

    const file = await portal.getJobFile({ jobId: withFiles!.id, fileId: listed.id });
    expect({ ...file, downloadUrl: '', expiresAt: '' }).toEqual({ ...listed, downloadUrl: '', expiresAt: '' });

    const before = traffic.calls.length;
    const blob = await portal.downloadFile(downloadParams(file.downloadUrl));
    expect(blob.size).toBe(file.size);
    expect(createHash('sha256').update(Buffer.from(await blob.arrayBuffer())).digest('hex')).toBe(file.sha256);
    // The signed URL is its own authorization: the API key is not sent along.
    expect(traffic.calls[before]).toMatchObject({ authorization: null, status: 200 });

    const headers = await portal.headDownloadFile(downloadParams(file.downloadUrl));
    expect(headers.get('content-length')).toBe(String(file.size));
    expect(headers.get('accept-ranges')).toBe('bytes');

    const range = await portal.downloadFile(downloadParams(file.downloadUrl), { headers: { Range: 'bytes=0-9' } });
    expect(range.size).toBe(Math.min(10, file.size));
  });
});

describe('auto-pagination', () => {
  it('listContacts.all walks every page once, in order, lazily', async () => {
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await portal.listContacts({ limit: 25, cursor });
      paged.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged.length).toBe(60);

    const before = traffic.calls.length;
    const all = await collect(portal.listContacts.all({ limit: 25 }));
    expect(all.map((c) => c.id)).toEqual(paged);
    expect(traffic.calls.length - before).toBe(3);

    // Stopping early requests no further page.
    const early = traffic.calls.length;
    for await (const contact of portal.listContacts.all({ limit: 25 })) {
      expect(contact.id).toBe(paged[0]);
      break;
    }
    expect(traffic.calls.length - early).toBe(1);
  });

  it('listJobs.all keeps the filters on every page; listJobFiles.all pages a job', async () => {
    const before = traffic.calls.length;
    const jobs: Job[] = await collect(portal.listJobs.all({ status: 'succeeded', limit: 10 }));
    const pages = traffic.calls.slice(before);
    expect(pages.length).toBe(Math.ceil(jobs.length / 10) + (jobs.length % 10 === 0 ? 1 : 0));
    expect(pages.length).toBeGreaterThan(2);
    for (const call of pages) expect(new URL(call.url).searchParams.get('status')).toBe('succeeded');
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);

    const job = jobs.find((j) => j.fileCount >= 3)!;
    const files = await collect(portal.listJobFiles.all({ jobId: job.id, limit: 1 }));
    expect(files.length).toBe(job.fileCount);
    expect(files.every((f) => f.jobId === job.id)).toBe(true);
  });
});

describe('errors: a typed class per status, with the problem and the trace id', () => {
  it('400 → BadRequestError naming the parameter', async () => {
    const err = await portal.listJobs({ limit: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toBeInstanceOf(PortalApiError);
    expect(err).toBeInstanceOf(PortalError);
    const e = err as BadRequestError;
    expect(e).toMatchObject({ kind: 'bad_request', status: 400, operationId: 'listJobs', name: 'BadRequestError' });
    expect(e.problem.errors).toEqual([expect.objectContaining({ location: 'query', name: 'limit' })]);
    expect(e.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(e.traceId).toBe(e.problem.traceId);
    expect(e.message).toContain(e.traceId);
  });

  it('401 → UnauthorizedError, and the token appears nowhere in the error', async () => {
    const badToken = 'pk_live_not-a-real-key-but-it-looks-like-one-123456';
    const client = createPortalClient({ baseUrl: api.url, token: badToken, maxRetries: 0 });
    const err = await client.listContacts().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack })).not.toContain(badToken);
  });

  it('403 → ForbiddenError for a key without the scope', async () => {
    const client = createPortalClient({ baseUrl: api.url, getToken: async () => data.contactsOnlyKey, maxRetries: 0 });
    expect((await client.listContacts({ limit: 1 })).data).toHaveLength(1);
    const err = await client.listJobs().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err).toMatchObject({ kind: 'forbidden', status: 403, problem: { status: 403 } });
    expect((err as ForbiddenError).problem.detail).toContain('jobs:read');
  });

  it('404 → NotFoundError, for a missing id and for another tenant’s id alike', async () => {
    const missing = await portal.getJob({ jobId: 'job_0000000000000000000000' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ kind: 'not_found', status: 404, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });

    const globex = createPortalClient({ baseUrl: api.url, token: GLOBEX_KEY });
    const theirs = (await globex.listJobs({ limit: 1 })).data[0]!;
    const foreign = await portal.getJob({ jobId: theirs.id }).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect((foreign as NotFoundError).problem.title).toBe((missing as NotFoundError).problem.title);
  });

  it('a getToken that fails rejects with its own error, before any request', async () => {
    const before = traffic.calls.length;
    const client = createPortalClient({ baseUrl: api.url, getToken: () => Promise.reject(new Error('session expired')), fetch: traffic.fetch });
    await expect(client.listContacts()).rejects.toThrow('session expired');
    expect(traffic.calls.length).toBe(before);
  });

  it('bad options are refused up front', () => {
    expect(() => createPortalClient({ baseUrl: 'api.portal.example.com' })).toThrow(TypeError);
    expect(() => createPortalClient({ baseUrl: api.url, maxRetries: -1 })).toThrow(TypeError);
  });
});

describe('getUsage (1.1.0)', () => {
  it("sends the range in the query and reads the tenant's own usage, a period per day", async () => {
    const usage = await portal.getUsage({ from: '2026-01-01', to: '2026-01-03', granularity: 'day' });
    expect(new URL(traffic.calls.at(-1)!.url).search).toBe('?from=2026-01-01&to=2026-01-03&granularity=day');
    expect(usage.tenantId).toBe('ten_acme');
    expect(usage.periods.map((p) => p.start)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    await expect(portal.getUsage({ from: '2026-01-03', to: '2026-01-01' })).rejects.toMatchObject({ status: 400, problem: { errors: [{ name: 'from' }] } });
  });
});
