/**
 * A small in-memory Backend for the resilience tests: real data shapes, real keyset pagination, and a settable
 * per-call delay that honours the AbortSignal — so a test can make the store slow and see whether the abort
 * reached it (`aborted` counts calls whose signal fired while they waited).
 */
import type { ApiKeyRecord, Backend, ContactRecord, FileRecord, JobRecord, Page, PageRequest } from '../../src/backend/port.js';

export const TENANT = 'ten_acme';
export const OTHER_TENANT = 'ten_globex';

export const CONTACTS: ContactRecord[] = [
  { id: 'con_4k9Qx2VbN7mT1pLs8ZrY3a', name: 'Ada Lovelace', email: 'ada@acme.example', phone: '+44 20 7946 0958', company: 'Acme Analytics', role: 'Head of Data', createdAt: '2025-08-14T09:12:44.000Z', updatedAt: '2025-09-01T16:03:10.000Z' },
  { id: 'con_0000000000000000000002', name: 'Grace Hopper', email: 'grace@acme.example', phone: null, company: null, role: null, createdAt: '2025-08-13T09:00:00.000Z', updatedAt: '2025-08-13T09:00:00.000Z' },
  { id: 'con_0000000000000000000003', name: 'Alan Turing', email: 'alan@acme.example', phone: null, company: 'Acme Analytics', role: 'Engineer', createdAt: '2025-08-12T09:00:00.000Z', updatedAt: '2025-08-12T09:00:00.000Z' },
];

export const JOBS: JobRecord[] = [
  { id: 'job_7hR2mK9pQ4xW1nV8bT3cZs', title: 'Quarterly revenue export', status: 'succeeded', contactId: CONTACTS[0]!.id, progress: 100, fileCount: 1, createdAt: '2025-09-02T08:00:00.000Z', updatedAt: '2025-09-02T08:11:40.000Z', startedAt: '2025-09-02T08:00:03.000Z', completedAt: '2025-09-02T08:11:40.000Z' },
];

export const FILES: FileRecord[] = [
  { id: 'fil_9sD3fG6hJ1kL4zX7cV2bN8', tenantId: TENANT, jobId: JOBS[0]!.id, name: 'revenue-2025-q3.csv', contentType: 'text/csv', size: 48213, sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', createdAt: '2025-09-02T08:11:38.000Z', blobKey: `${TENANT}/${JOBS[0]!.id}/fil_9sD3fG6hJ1kL4zX7cV2bN8` },
];

export const API_KEY_HASH = 'a'.repeat(64);
export const API_KEY: ApiKeyRecord = { id: 'key_0000000000000000000001', tenantId: TENANT, name: 'test key', scopes: ['contacts:read'], createdAt: '2025-08-01T00:00:00.000Z', revokedAt: null };

export interface MemoryBackend extends Backend {
  /** Each call waits this long (abortably) before answering. */
  delayMs: number;
  /** Calls started / calls whose signal fired while they waited. */
  calls: number;
  aborted: number;
  /** The deadline header value is not visible here; the signal's abort reason of the last aborted call is. */
  lastAbortReason?: unknown;
}

function pageOf<T extends { createdAt: string; id: string }>(rows: T[], page: PageRequest): Page<T> {
  const sorted = [...rows].sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)));
  const after = page.after;
  const rest = after ? sorted.filter((r) => r.createdAt < after.createdAt || (r.createdAt === after.createdAt && r.id < after.id)) : sorted;
  const items = rest.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, next: rest.length > page.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export function createMemoryBackend(): MemoryBackend {
  const b: MemoryBackend = {
    name: 'memory',
    delayMs: 0,
    calls: 0,
    aborted: 0,
    listContacts: (t, f, p, s) => wait(s, () => pageOf(t === TENANT ? CONTACTS.filter((c) => !f.q || c.name.toLowerCase().includes(f.q.toLowerCase())) : [], p)),
    getContact: (t, id, s) => wait(s, () => (t === TENANT ? (CONTACTS.find((c) => c.id === id) ?? null) : null)),
    listJobs: (t, _f, p, s) => wait(s, () => pageOf(t === TENANT ? JOBS : [], p)),
    getJob: (t, id, s) => wait(s, () => (t === TENANT ? (JOBS.find((j) => j.id === id) ?? null) : null)),
    listJobFiles: (t, jobId, p, s) => wait(s, () => (t === TENANT && JOBS.some((j) => j.id === jobId) ? pageOf(FILES.filter((f) => f.jobId === jobId), p) : null)),
    getJobFile: (t, jobId, fileId, s) => wait(s, () => FILES.find((f) => f.tenantId === t && f.jobId === jobId && f.id === fileId) ?? null),
    getFile: (t, fileId, s) => wait(s, () => FILES.find((f) => f.tenantId === t && f.id === fileId) ?? null),
    ownerOf: (kind, id, s) =>
      wait(s, () => {
        const rows: { id: string }[] = kind === 'contact' ? CONTACTS : kind === 'job' ? JOBS : FILES;
        return rows.some((r) => r.id === id) ? TENANT : null;
      }),
    findApiKeyByHash: (h, s) => wait(s, () => (h === API_KEY_HASH ? API_KEY : null)),
    getUsage: (_t, _q, s) => wait(s, () => []),
    recordUsage: (_rows, s) => wait(s, () => undefined),
    ping: (s) => wait(s, () => undefined),
    close: async () => {},
  };

  function wait<T>(signal: AbortSignal, answer: () => T): Promise<T> {
    b.calls += 1;
    if (signal.aborted) {
      b.aborted += 1;
      return Promise.reject(signal.reason);
    }
    if (b.delayMs <= 0) return Promise.resolve(answer());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        b.aborted += 1;
        b.lastAbortReason = signal.reason;
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(answer());
      }, b.delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  return b;
}
