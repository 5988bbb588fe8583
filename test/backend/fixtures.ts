/**
 * A small, fully known data set for the backend contract: two tenants with contacts, jobs (every status, shared
 * created_at values to exercise the id tie-break) and files, inserted through the store's admin methods.
 */
import { createHash } from 'node:crypto';
import { blobKeyFor } from '../../src/backend/port.js';
import type { JobStatus } from '../../src/backend/port.js';
import { JOB_STATUSES } from '../../src/backend/port.js';
import type { SqlStore } from '../../src/backend/sql/store.js';
import { Prng } from '../../src/backend/sql/prng.js';

export const T0 = Date.UTC(2025, 0, 1);
export const HOUR = 3_600_000;

export interface Fixture {
  tenantId: string;
  contacts: { id: string; name: string; email: string; created: number; updated: number }[];
  jobs: { id: string; status: JobStatus; contactId: string; created: number; updated: number; files: string[] }[];
  files: { id: string; jobId: string; created: number }[];
}

export async function insertFixture(store: SqlStore, tenantId: string, name: string, seed: string): Promise<Fixture> {
  const rng = new Prng(seed);
  await store.createTenant(tenantId, name, T0 - 1000 * HOUR);
  const fx: Fixture = { tenantId, contacts: [], jobs: [], files: [] };
  const specials = ['Zoë 100% Sure', 'Under_Score Ltd', 'Back\\slash Co'];
  for (let i = 0; i < 12; i++) {
    const created = T0 + Math.floor(i / 2) * HOUR; // pairs share created_at
    const nm = i < specials.length ? specials[i]! : `${tenantId.slice(4)} Person ${i}`;
    const c = { id: rng.id('con'), name: nm, email: `person${i}@${tenantId.slice(4)}.example`, created, updated: created + i * HOUR };
    fx.contacts.push(c);
  }
  await store.insertContacts(
    fx.contacts.map((c, i) => ({
      id: c.id, tenant_id: tenantId, name: c.name, email: c.email, phone: i % 2 ? '+44 20 7946 0000' : null, company: i % 3 ? 'Initech' : null,
      role: null, created_at: c.created, updated_at: c.updated,
    })),
  );
  for (let i = 0; i < 37; i++) {
    const created = T0 + Math.floor(i / 3) * HOUR; // triples share created_at
    const status = JOB_STATUSES[i % JOB_STATUSES.length]!;
    fx.jobs.push({ id: rng.id('job'), status, contactId: fx.contacts[i % 4]!.id, created, updated: created + (i % 5) * HOUR, files: [] });
  }
  await store.insertJobs(
    fx.jobs.map((j) => {
      const finished = j.status === 'succeeded' || j.status === 'failed' || j.status === 'cancelled';
      return {
        id: j.id, tenant_id: tenantId, contact_id: j.contactId, title: `Job ${j.id.slice(-4)}`, status: j.status,
        progress: j.status === 'succeeded' ? 100 : j.status === 'queued' ? 0 : 50,
        created_at: j.created, updated_at: j.updated, started_at: j.status === 'queued' ? null : j.created + 1000,
        completed_at: finished ? j.updated : null,
      };
    }),
  );
  // Files: job k gets k % 4 files (0..3), so fileCount has every small value.
  const rows = [];
  for (const [k, j] of fx.jobs.entries()) {
    for (let n = 0; n < k % 4; n++) {
      const id = rng.id('fil');
      const created = j.created + HOUR + (n === 2 ? 0 : n) * 1000; // two files can share created_at
      j.files.push(id);
      fx.files.push({ id, jobId: j.id, created });
      rows.push({
        id, tenant_id: tenantId, job_id: j.id, name: `out-${n}.csv`, content_type: 'text/csv', size: 10 + n,
        sha256: createHash('sha256').update(id).digest('hex'), blob_key: blobKeyFor(tenantId, j.id, id), created_at: created,
      });
    }
  }
  await store.insertFiles(rows);
  return fx;
}

/** Newest first, id descending on ties: the store's list order. */
export function byKeysetDesc<T extends { created: number; id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (b.created - a.created) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
