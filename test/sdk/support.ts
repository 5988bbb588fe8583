/**
 * Shared set-up for the SDK suites: a data dir of their own (the demo seed plus API keys with fewer scopes, made
 * through the SQL store's admin API), a counting fetch, and helpers to read a signed download URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { seedInto } from '../support/global-setup.js';

export interface SdkDataDir {
  dir: string;
  /** An Acme key with `contacts:read` only. */
  contactsOnlyKey: string;
  remove(): void;
}

export async function makeSdkDataDir(): Promise<SdkDataDir> {
  const dir = mkdtempSync(path.join(tmpdir(), 'portal-sdk-'));
  await seedInto(dir);
  const store = await openSqlStore({ dataDir: dir });
  try {
    const { secret } = await store.createApiKey({ tenantId: 'ten_acme', scopes: ['contacts:read'], name: 'sdk test: contacts only' });
    return { dir, contactsOnlyKey: secret, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } finally {
    await store.close();
  }
}

/** The real fetch, with a record of every request (method, path+query, headers) and every answer's status. */
export function countingFetch() {
  const calls: { method: string; url: string; authorization: string | null; status?: number; retryAfter?: string | null }[] = [];
  const fetch = async (req: Request): Promise<Response> => {
    const call: (typeof calls)[number] = { method: req.method, url: req.url, authorization: req.headers.get('authorization') };
    calls.push(call);
    const res = await globalThis.fetch(req);
    call.status = res.status;
    call.retryAfter = res.headers.get('retry-after');
    return res;
  };
  return { fetch, calls };
}

/** The parameters of `downloadFile` in a signed `downloadUrl`. */
export function downloadParams(downloadUrl: string) {
  const u = new URL(downloadUrl);
  const fileId = /^\/v1\/downloads\/([^/]+)$/.exec(u.pathname)?.[1];
  if (!fileId) throw new Error(`not a download URL: ${u.pathname}`);
  const q = (name: string) => u.searchParams.get(name) ?? '';
  return { fileId, tenant: q('tenant'), expires: Number(q('expires')), kid: q('kid'), sig: q('sig') };
}
