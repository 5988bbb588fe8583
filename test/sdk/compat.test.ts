/**
 * Clients already shipped keep working: the SDK of the released v1.0.0 contract (generated here from
 * openapi/released/v1.0.0.yaml, exactly as `npm run generate` built it then) against today's server over HTTP,
 * every operation it knows, its auto-pagination and its typed errors. The server validates each answer against
 * today's contract, and the old SDK reads them as v1.0.0 promised them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../generated/sdk/dist/index.js';
import { generateSdk } from '../../scripts/generate-sdk.js';
import { ROOT, readSpec } from '../../scripts/lib/spec.js';
import { ACME_KEY, startTestApp, type TestApp } from '../support/app.js';
import { makeSdkDataDir, type SdkDataDir } from './support.js';

const released = readSpec(path.join(ROOT, 'openapi/released/v1.0.0.yaml'));
let out: string;
let data: SdkDataDir;
let api: TestApp;
let sdk: typeof Sdk;

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'portal-sdk-1.0.0-'));
  data = await makeSdkDataDir();
  [api] = await Promise.all([
    startTestApp({ PORTAL_DATA_DIR: data.dir, PORTAL_RATE_LIMIT_PER_MINUTE: '100000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '100000' }),
    generateSdk(out, { spec: released }),
  ]);
  sdk = (await import(pathToFileURL(path.join(out, 'sdk/dist/index.js')).href)) as typeof Sdk;
}, 180_000);

afterAll(async () => {
  await api?.close();
  data?.remove();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('the SDK 1.0.0 against this server', () => {
  it('is the 1.0.0 SDK: the operations of v1.0.0, without what came later', () => {
    expect(released.info?.version).toBe('1.0.0');
    expect(sdk.operationIds).not.toContain('getUsage');
    expect(sdk.operationIds).toContain('listContacts');
  });

  it('reads every operation it knows, pages, and downloads a file', async () => {
    const client = sdk.createPortalClient({ baseUrl: api.url, token: ACME_KEY, maxRetries: 0 });
    expect((await client.getHealth()).status).toBe('ok');

    const contacts = await client.listContacts({ limit: 2 });
    expect(contacts.data).toHaveLength(2);
    expect(await client.getContact({ contactId: contacts.data[0]!.id })).toEqual(contacts.data[0]);
    let all = 0;
    for await (const c of client.listContacts.all({ limit: 100 })) all += c.id.startsWith('con_') ? 1 : 0;
    expect(all).toBeGreaterThanOrEqual(50);

    const jobs = await client.listJobs({ status: 'succeeded', limit: 5 });
    const job = await client.getJob({ jobId: jobs.data[0]!.id });
    expect(job.status).toBe('succeeded');
    const files = await client.listJobFiles({ jobId: job.id });
    const file = await client.getJobFile({ jobId: job.id, fileId: files.data[0]!.id });
    expect(file.id).toBe(files.data[0]!.id);
    const body = await fetch(file.downloadUrl.replace(/^https?:\/\/[^/]+/, api.url));
    expect(body.status).toBe(200);
    expect((await body.arrayBuffer()).byteLength).toBe(file.size);
  });

  it('gets its typed errors', async () => {
    const client = sdk.createPortalClient({ baseUrl: api.url, token: ACME_KEY, maxRetries: 0 });
    await expect(client.getContact({ contactId: 'con_0000000000000000000000' })).rejects.toBeInstanceOf(sdk.NotFoundError);
    const limited = sdk.createPortalClient({ baseUrl: api.url, token: data.contactsOnlyKey, maxRetries: 0 });
    await expect(limited.listJobs()).rejects.toBeInstanceOf(sdk.ForbiddenError);
  });
});
