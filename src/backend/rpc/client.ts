/**
 * The RPC Backend adapter: the `Backend` port over HTTP to a backend service speaking openapi/backend.yaml
 * (`npm run backend`). Selected by PORTAL_BACKEND_URL; wrap it in withResilience like any adapter.
 *
 * - typed by openapi-fetch over generated/backend-types.ts, so a contract change breaks `tsc` here;
 * - sends the shared secret, the W3C trace context of the active span, and the attempt's remaining deadline
 *   (`x-portal-deadline-ms`, from the signal the resilience pipeline marked) so the service stops in time;
 * - passes the AbortSignal to fetch: an abort (timeout, client gone) closes the request's socket upstream;
 * - 5xx, 429 and connection failures → TransientBackendError; 404 not-found → null; other answers → RpcBackendError.
 *   Upstream bodies never reach an error message (they could hold anything).
 * - a 200 whose body is not what the contract promises (not JSON, cut off, `null`, the wrong shape — a proxy's
 *   error page, a half-written answer) is the tier failing, so TransientBackendError too: never data, and never
 *   a "not found" (which would tell users a record they own does not exist) or an unknown API key. The check is
 *   the shape the portal relies on (records with an id, pages with items and next), not the full schema, which
 *   the backend service validates its own answers against.
 */
import { context, propagation } from '@opentelemetry/api';
import createClient from 'openapi-fetch';
import type { components, paths } from '../../../generated/backend-types.js';
import { deadlineOf } from '../../common/deadline.js';
import { TransientBackendError } from '../port.js';
import type { ApiKeyRecord, Backend, ContactFilter, ContactRecord, EntityKind, FileRecord, JobFilter, JobRecord, Page, PageRequest, UsageRow } from '../port.js';

export interface RpcBackendOptions {
  /** Base URL of the backend service, e.g. http://backend:4000 (PORTAL_BACKEND_URL). */
  url: string;
  /** PORTAL_BACKEND_SECRET, sent as a bearer token. */
  secret?: string;
  /** For tests; defaults to the global (undici) fetch. */
  fetch?: (input: Request) => Promise<Response>;
}

/** The backend answered something that is neither data, a not-found nor a transient failure (a contract bug). */
export class RpcBackendError extends Error {
  override readonly name = 'RpcBackendError';
  constructor(readonly status: number) {
    super(`backend rejected the request with HTTP ${status}`);
  }
}

type Schemas = components['schemas'];
const MAX_DEADLINE_MS = 600_000;

function isNotFoundProblem(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string' && (body as { type: string }).type.endsWith('/not-found');
}

/** A short, body-free description of a network failure: the errno code only (ECONNRESET, ECONNREFUSED…). */
function networkCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 3 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code)) return code;
    e = e.cause;
  }
  return err instanceof SyntaxError ? 'malformed response' : 'network error';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRecord = (v: unknown): boolean => isObject(v) && typeof v.id === 'string';
const isKeyset = (v: unknown): boolean => isObject(v) && typeof v.createdAt === 'string' && typeof v.id === 'string';
const isPage = (v: unknown): boolean => isObject(v) && Array.isArray(v.items) && v.items.every(isRecord) && (v.next === null || isKeyset(v.next));
const isOwner = (v: unknown): boolean => isObject(v) && typeof v.tenantId === 'string';
const isUsageRows = (v: unknown): boolean =>
  isObject(v) && Array.isArray(v.rows) && v.rows.every((r) => isObject(r) && typeof r.period === 'string' && isObject(r.statusClasses) && typeof r.statusClasses['2xx'] === 'number');
const isRecorded = (v: unknown): boolean => isObject(v) && typeof v.recorded === 'number';

function pageQuery(page: PageRequest) {
  return { limit: page.limit, afterCreatedAt: page.after?.createdAt, afterId: page.after?.id };
}

function toPage<T>(body: { items: T[]; next: Schemas['Keyset'] | null }): Page<T> {
  return { items: body.items, next: body.next };
}

export function createRpcBackend(opts: RpcBackendOptions): Backend {
  const client = createClient<paths>({ baseUrl: opts.url.replace(/\/+$/, ''), fetch: opts.fetch });

  function headersFor(signal: AbortSignal): Record<string, string> {
    const headers: Record<string, string> = {};
    if (opts.secret) headers.authorization = `Bearer ${opts.secret}`;
    propagation.inject(context.active(), headers);
    const at = deadlineOf(signal);
    if (at !== undefined) headers['x-portal-deadline-ms'] = String(Math.min(MAX_DEADLINE_MS, Math.max(1, Math.ceil(at - Date.now()))));
    return headers;
  }

  /** Runs one request and maps its answer; `T | null` only where the port allows a miss. `shape` checks a 200's body. */
  async function call<T>(
    signal: AbortSignal,
    shape: (body: unknown) => boolean,
    send: (init: { signal: AbortSignal; headers: Record<string, string>; redirect: 'error' }) => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T | null> {
    let result: { data?: T; error?: unknown; response: Response };
    try {
      // A backend never redirects: following one could carry the secret elsewhere.
      result = await send({ signal, headers: headersFor(signal), redirect: 'error' });
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      throw new TransientBackendError(`backend call failed: ${networkCode(err)}`);
    }
    const { response } = result;
    if (response.ok) {
      if (result.data === undefined) throw new TransientBackendError(`backend answered ${response.status} without a body`);
      if (!shape(result.data)) throw new TransientBackendError(`backend answered ${response.status} with a body that is not the contract's`);
      return result.data;
    }
    if (response.status === 404 && isNotFoundProblem(result.error)) return null;
    if (response.status >= 500 || response.status === 429) throw new TransientBackendError(`backend answered HTTP ${response.status}`);
    throw new RpcBackendError(response.status);
  }

  async function must<T>(p: Promise<T | null>): Promise<T> {
    const v = await p;
    if (v === null) throw new RpcBackendError(404);
    return v;
  }

  return {
    name: 'rpc',

    async listContacts(tenantId: string, filter: ContactFilter, page: PageRequest, signal: AbortSignal): Promise<Page<ContactRecord>> {
      const body = await must(
        call(signal, isPage, (init) =>
          client.GET('/rpc/v1/tenants/{tenantId}/contacts', {
            ...init,
            params: { path: { tenantId }, query: { ...pageQuery(page), q: filter.q, updatedSince: filter.updatedSince } },
          }),
        ),
      );
      return toPage(body);
    },

    getContact: (tenantId, contactId, signal) =>
      call(signal, isRecord, (init) => client.GET('/rpc/v1/tenants/{tenantId}/contacts/{contactId}', { ...init, params: { path: { tenantId, contactId } } })),

    async listJobs(tenantId: string, filter: JobFilter, page: PageRequest, signal: AbortSignal): Promise<Page<JobRecord>> {
      const body = await must(
        call(signal, isPage, (init) =>
          client.GET('/rpc/v1/tenants/{tenantId}/jobs', {
            ...init,
            params: {
              path: { tenantId },
              query: { ...pageQuery(page), status: filter.status, contactId: filter.contactId, updatedSince: filter.updatedSince },
            },
          }),
        ),
      );
      return toPage(body);
    },

    getJob: (tenantId, jobId, signal) =>
      call(signal, isRecord, (init) => client.GET('/rpc/v1/tenants/{tenantId}/jobs/{jobId}', { ...init, params: { path: { tenantId, jobId } } })),

    async listJobFiles(tenantId: string, jobId: string, page: PageRequest, signal: AbortSignal): Promise<Page<FileRecord> | null> {
      const body = await call(signal, isPage, (init) =>
        client.GET('/rpc/v1/tenants/{tenantId}/jobs/{jobId}/files', { ...init, params: { path: { tenantId, jobId }, query: pageQuery(page) } }),
      );
      return body === null ? null : toPage(body);
    },

    getJobFile: (tenantId, jobId, fileId, signal) =>
      call(signal, isRecord, (init) =>
        client.GET('/rpc/v1/tenants/{tenantId}/jobs/{jobId}/files/{fileId}', { ...init, params: { path: { tenantId, jobId, fileId } } }),
      ),

    getFile: (tenantId, fileId, signal) =>
      call(signal, isRecord, (init) => client.GET('/rpc/v1/tenants/{tenantId}/files/{fileId}', { ...init, params: { path: { tenantId, fileId } } })),

    async ownerOf(kind: EntityKind, id: string, signal: AbortSignal): Promise<string | null> {
      const body = await call(signal, isOwner, (init) => client.GET('/rpc/v1/owners/{kind}/{id}', { ...init, params: { path: { kind, id } } }));
      return body === null ? null : body.tenantId;
    },

    findApiKeyByHash: (hash: string, signal: AbortSignal): Promise<ApiKeyRecord | null> =>
      call(signal, isRecord, (init) => client.GET('/rpc/v1/api-keys/{hash}', { ...init, params: { path: { hash } } })),

    async getUsage(tenantId, query, signal): Promise<UsageRow[]> {
      const body = await must(call(signal, isUsageRows, (init) => client.GET('/rpc/v1/tenants/{tenantId}/usage', { ...init, params: { path: { tenantId }, query } })));
      return body.rows;
    },

    // A POST, never retried by the pipeline (src/backend/resilience.ts): an unknown outcome stays with the meter.
    async recordUsage(increments, signal): Promise<void> {
      if (increments.length === 0) return;
      await must(call(signal, isRecorded, (init) => client.POST('/rpc/v1/usage', { ...init, body: { increments } })));
    },

    async ping(signal: AbortSignal): Promise<void> {
      await must(call(signal, isObject, (init) => client.GET('/rpc/v1/ping', init)));
    },

    async close(): Promise<void> {
      // Nothing to release: fetch pools its connections globally.
    },
  };
}
