/**
 * Demo data: tenants `ten_acme` and `ten_globex`, each with contacts, jobs in every status with coherent
 * timestamps, and files whose bytes really exist in the blob store. Deterministic (seeded PRNG, fixed clock), so
 * every run writes the same rows and bytes. Also one well-known API key per tenant with all scopes.
 *
 * Demo only: the server seeds only outside production (config refuses PORTAL_SEED_DEMO there) and `npm run seed`
 * refuses NODE_ENV=production.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import { blobKeyFor, type JobStatus } from '../port.js';
import { API_KEY_SCOPES } from '../api-keys.js';
import type { SqlWrites } from './writes.js';
import { makeCsv, makeLog, makePdf } from './demo-content.js';
import { COMPANIES, FAILURES, FIRST_NAMES, JOB_TITLES, LAST_NAMES, ROLES } from './demo-names.js';
import { Prng } from './prng.js';
import type { ContactsTable, FilesTable, JobsTable } from './schema.js';

/** Where the demo files' bytes go: any BlobStore (src/files/port.ts). */
export interface BlobSink {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
}

/** Well-known demo credentials (demo tenants only; never valid in production, where the seed is refused). */
export const DEMO_API_KEYS = {
  acme: { tenantId: 'ten_acme', keyId: 'key_demoAcmeAllScopes00001', secret: 'pk_demo_acme_3kV8qZ1xW5nR7tY2uP4sL9mB6cD0fG', scopes: [...API_KEY_SCOPES] },
  globex: { tenantId: 'ten_globex', keyId: 'key_demoGlobexAllScopes001', secret: 'pk_demo_globex_7hJ2kL5mN8pQ1rS4tU6vW9xY3zA0bC', scopes: [...API_KEY_SCOPES] },
} as const;

export const DEMO_TENANTS = [
  { id: 'ten_acme', name: 'Acme Analytics', domain: 'acme.example', contacts: 60, jobs: 240, key: DEMO_API_KEYS.acme },
  { id: 'ten_globex', name: 'Globex Corporation', domain: 'globex.example', contacts: 55, jobs: 220, key: DEMO_API_KEYS.globex },
] as const;

/** The demo's fixed "now": data looks the same whatever day it is seeded. */
export const DEMO_CLOCK = Date.UTC(2025, 10, 3, 9, 30, 0);
const DAY = 86_400_000;
const MINUTE = 60_000;

export interface SeedSummary {
  tenants: number;
  contacts: number;
  jobs: number;
  files: number;
  bytes: number;
}

type PendingBlob = { key: string; body: Buffer; contentType: string };

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function pickStatus(rng: Prng, ageDays: number): JobStatus {
  // Recent jobs are still in flight; older ones have finished, mostly successfully.
  if (ageDays < 2) return rng.pick(['queued', 'queued', 'running', 'running', 'succeeded'] as const);
  const r = rng.next();
  return r < 0.66 ? 'succeeded' : r < 0.82 ? 'failed' : r < 0.92 ? 'cancelled' : r < 0.96 ? 'running' : 'queued';
}

function buildTenant(t: (typeof DEMO_TENANTS)[number], now: number) {
  const rng = new Prng(`portal-demo:${t.id}`);
  const contacts: Insertable<ContactsTable>[] = [];
  for (let i = 0; i < t.contacts; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const company = rng.chance(0.85) ? rng.pick(COMPANIES) : null;
    const created = now - rng.int(150, 700) * DAY - rng.int(0, DAY);
    const local = `${slug(first)}.${slug(last)}${i % 7 === 0 ? i : ''}`;
    contacts.push({
      id: rng.id('con'),
      tenant_id: t.id,
      name: `${first} ${last}`,
      email: `${local}@${company ? `${slug(company)}.example` : t.domain}`,
      phone: rng.chance(0.7) ? `+44 20 7946 ${String(rng.int(0, 9999)).padStart(4, '0')}` : null,
      company,
      role: rng.pick(ROLES),
      created_at: created,
      updated_at: rng.chance(0.4) ? created + rng.int(1, 140) * DAY : created,
    });
  }

  const jobs: Insertable<JobsTable>[] = [];
  const files: Insertable<FilesTable>[] = [];
  const blobs: PendingBlob[] = [];
  const statuses = new Set<JobStatus>();
  for (let i = 0; i < t.jobs; i++) {
    // At least ~1.2 h old, so start (≤ 30 min after creation) and completion always lie before the demo clock.
    const ageDays = i < 12 ? 0.05 + rng.next() * 1.95 : 2 + rng.next() * 118;
    const created = now - Math.floor(ageDays * DAY);
    // Every status appears at least once, whatever the dice say.
    const forced = (['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const)[i];
    const status = forced && i < 5 ? forced : pickStatus(rng, ageDays);
    statuses.add(status);
    const started = status === 'queued' || (status === 'cancelled' && rng.chance(0.4)) ? null : created + rng.int(1, 30) * MINUTE;
    const maxEnd = Math.max(created + MINUTE, now - MINUTE);
    const completed = ['succeeded', 'failed', 'cancelled'].includes(status) ? Math.min((started ?? created) + rng.int(2, 180) * MINUTE, maxEnd) : null;
    const progress = status === 'succeeded' ? 100 : status === 'queued' || started === null ? 0 : rng.int(5, 95);
    const updated = completed ?? (status === 'running' ? Math.min((started ?? created) + rng.int(1, 20) * MINUTE, now) : created);
    const title = rng.pick(JOB_TITLES);
    const id = rng.id('job');
    jobs.push({
      id,
      tenant_id: t.id,
      contact_id: rng.pick(contacts).id,
      title: `${title} — ${new Date(created).toISOString().slice(0, 10)}`,
      status,
      progress,
      created_at: created,
      updated_at: updated,
      started_at: started,
      completed_at: completed,
    });

    const addFile = (name: string, contentType: string, body: Buffer) => {
      const fileId = rng.id('fil');
      const key = blobKeyFor(t.id, id, fileId);
      files.push({
        id: fileId,
        tenant_id: t.id,
        job_id: id,
        name,
        content_type: contentType,
        size: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        blob_key: key,
        created_at: (completed ?? updated) - files.length % 3,
      });
      blobs.push({ key, body, contentType });
    };
    const base = slug(title);
    const day = new Date(created).toISOString().slice(0, 10);
    if (status === 'succeeded') {
      // A few large exports (1-3 MB) per tenant; the rest a few KB to a few hundred KB.
      const big = i % 97 === 13;
      addFile(`${base}-${day}.csv`, 'text/csv', makeCsv(rng, big ? rng.int(1_000_000, 2_500_000) : rng.int(2_000, 40_000), created));
      if (rng.chance(0.6)) {
        const pages = Array.from({ length: rng.int(1, 3) }, (_, p) =>
          Array.from({ length: 40 }, (_, l) => `${p + 1}.${l + 1}  ${rng.pick(JOB_TITLES)}: ${rng.int(10, 99_999)} rows, ${rng.int(1, 99)}.${rng.int(0, 9)}% change`));
        addFile(`${base}-${day}.pdf`, 'application/pdf', makePdf(`${title} (${day})`, pages));
      }
      if (rng.chance(0.3)) addFile(`${base}-${day}.log`, 'text/plain', makeLog(rng, { jobId: id, startMs: started ?? created, targetBytes: rng.int(3_000, 40_000) }));
    } else if (status === 'failed' && rng.chance(0.7)) {
      addFile(`${base}-${day}-error.log`, 'text/plain', makeLog(rng, { jobId: id, startMs: started ?? created, targetBytes: rng.int(2_000, 20_000), failure: rng.pick(FAILURES) }));
    }
  }
  if (statuses.size < 5) throw new Error(`demo seed for ${t.id} misses a job status`); // guards future edits
  return { contacts, jobs, files, blobs };
}

async function putAll(blobStore: BlobSink, blobs: PendingBlob[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < blobs.length) {
      const b = blobs[next++]!;
      await blobStore.put(b.key, b.body, b.contentType);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** (Re)creates both demo tenants: removes their rows, then writes rows and blobs afresh. */
export async function seedDemo(store: SqlWrites, blobStore: BlobSink, opts: { now?: number } = {}): Promise<SeedSummary> {
  const now = opts.now ?? DEMO_CLOCK;
  const summary: SeedSummary = { tenants: 0, contacts: 0, jobs: 0, files: 0, bytes: 0 };
  for (const t of DEMO_TENANTS) {
    const data = buildTenant(t, now);
    await putAll(blobStore, data.blobs);
    await store.deleteTenant(t.id);
    await store.createTenant(t.id, t.name, now - 800 * DAY);
    await store.insertContacts(data.contacts);
    await store.insertJobs(data.jobs);
    await store.insertFiles(data.files);
    await store.createApiKey({ tenantId: t.id, scopes: [...t.key.scopes], name: 'Demo key (all scopes)', secret: t.key.secret, id: t.key.keyId, now: now - 30 * DAY });
    summary.tenants++;
    summary.contacts += data.contacts.length;
    summary.jobs += data.jobs.length;
    summary.files += data.files.length;
    summary.bytes += data.blobs.reduce((n, b) => n + b.body.length, 0);
  }
  return summary;
}

/** Arbitrary constant naming the demo-seed advisory lock on PostgreSQL. */
const SEED_LOCK_KEY = 741_926_530_015;

/**
 * For server start: seeds the demo only when the store has no tenant at all. Returns the summary, or null.
 * On PostgreSQL, replicas starting together on an empty database take turns through an advisory lock (held on
 * one pinned connection), so exactly one seeds and the others then find tenants and skip.
 */
export async function seedDemoIfEmpty(store: SqlWrites, blobStore: BlobSink, opts: { now?: number } = {}): Promise<SeedSummary | null> {
  const seedIfEmpty = async () => ((await store.countTenants()) > 0 ? null : seedDemo(store, blobStore, opts));
  if (store.dialect !== 'postgres') return seedIfEmpty();
  return store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${SEED_LOCK_KEY})`.execute(conn);
    try {
      return await seedIfEmpty();
    } finally {
      await sql`select pg_advisory_unlock(${SEED_LOCK_KEY})`.execute(conn);
    }
  });
}
