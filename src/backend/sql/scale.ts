/**
 * Scale data for benchmarks: one synthetic tenant with N jobs (≥ 1M is practical) and N/20 contacts, no files.
 * PostgreSQL generates rows server-side with generate_series (ids from md5 of a counter: deterministic, hex is a
 * subset of base62). SQLite inserts through one prepared statement in large transactions (ids from the seeded
 * PRNG). Both then refresh planner statistics.
 */
import { sql } from 'kysely';
import { Prng } from './prng.js';
import type { SqlStore } from './store.js';

export interface ScaleOptions {
  tenantId?: string;
  jobs: number;
  contacts?: number;
  /** Called after each batch with rows done so far. */
  onProgress?: (jobsDone: number, total: number) => void;
}

export interface ScaleSummary {
  tenantId: string;
  jobs: number;
  contacts: number;
  ms: number;
}

const BASE = Date.UTC(2025, 10, 1);
const SPAN = 2 * 365 * 86_400_000; // jobs spread over two years
const STATUS_CYCLE = 20; // n % 20: 0-12 succeeded, 13-15 failed, 16 cancelled, 17-18 running, 19 queued

function statusOf(n: number): { status: string; finished: boolean; started: boolean; progress: number } {
  const k = n % STATUS_CYCLE;
  if (k <= 12) return { status: 'succeeded', finished: true, started: true, progress: 100 };
  if (k <= 15) return { status: 'failed', finished: true, started: true, progress: 40 };
  if (k === 16) return { status: 'cancelled', finished: true, started: false, progress: 0 };
  if (k <= 18) return { status: 'running', finished: false, started: true, progress: 60 };
  return { status: 'queued', finished: false, started: false, progress: 0 };
}

export async function seedScale(store: SqlStore, opts: ScaleOptions): Promise<ScaleSummary> {
  const t0 = Date.now();
  const tenantId = opts.tenantId ?? 'ten_scale';
  const total = Math.max(1, Math.floor(opts.jobs));
  const contacts = opts.contacts ?? Math.min(50_000, Math.max(100, Math.floor(total / 20)));
  // Pairs of jobs share a created_at, so the id tie-break is exercised at scale too.
  const step = Math.max(2, Math.floor(SPAN / total));

  await store.deleteTenant(tenantId);
  await store.createTenant(tenantId, `Synthetic scale tenant (${total} jobs)`, BASE - SPAN - 86_400_000);

  if (store.dialect === 'postgres') {
    await sql`
      insert into contacts (id, tenant_id, name, email, phone, company, role, created_at, updated_at)
      select 'con_' || substr(md5(${tenantId}::text || ':c:' || n), 1, 22), ${tenantId}::text, 'Scale Contact ' || n,
             'contact' || n || '@scale.example', null, 'Scale Corp', null, ${BASE - SPAN}::bigint - n * 1000, ${BASE - SPAN}::bigint - n * 1000
      from generate_series(0, ${contacts - 1}::int) n`.execute(store.db);
    const batch = 200_000;
    for (let from = 0; from < total; from += batch) {
      const to = Math.min(total, from + batch) - 1;
      await sql`
        insert into jobs (id, tenant_id, contact_id, title, status, progress, created_at, updated_at, started_at, completed_at)
        select 'job_' || substr(md5(${tenantId}::text || ':j:' || n), 1, 22), ${tenantId}::text,
               'con_' || substr(md5(${tenantId}::text || ':c:' || (n % ${contacts}::int)), 1, 22),
               'Synthetic job ' || n, s.status, s.progress, c.created, c.created + (n % 7) * 60000,
               case when s.started then c.created + 30000 end,
               case when s.finished then c.created + (n % 7) * 60000 end
        from generate_series(${from}::int, ${to}::int) n
        cross join lateral (select ${BASE}::bigint - (n / 2)::bigint * ${step}::bigint as created) c
        cross join lateral (select
            case when n % 20 <= 12 then 'succeeded' when n % 20 <= 15 then 'failed' when n % 20 = 16 then 'cancelled'
                 when n % 20 <= 18 then 'running' else 'queued' end as status,
            case when n % 20 <= 12 then 100 when n % 20 <= 15 then 40 when n % 20 <= 16 then 0 when n % 20 <= 18 then 60 else 0 end as progress,
            (n % 20 <= 15 or n % 20 between 17 and 18) as started,
            (n % 20 <= 16) as finished) s`.execute(store.db);
      opts.onProgress?.(to + 1, total);
    }
    await sql`analyze contacts`.execute(store.db);
    await sql`analyze jobs`.execute(store.db);
  } else {
    const db = store.sqlite!;
    // Bulk load: a big page cache keeps the five job indexes in memory while random ids land all over them, and
    // no fsync per batch (a crash mid-seed just means seeding again). Restored below.
    const previousCache = db.pragma('cache_size', { simple: true });
    db.pragma('cache_size = -262144');
    db.pragma('synchronous = OFF');
    const rng = new Prng(`portal-scale:${tenantId}`);
    const contactIds = Array.from({ length: contacts }, () => rng.id('con'));
    const insContact = db.prepare(
      'insert into contacts (id, tenant_id, name, email, phone, company, role, created_at, updated_at) values (?, ?, ?, ?, null, ?, null, ?, ?)',
    );
    db.transaction(() => {
      contactIds.forEach((id, n) => insContact.run(id, tenantId, `Scale Contact ${n}`, `contact${n}@scale.example`, 'Scale Corp', BASE - SPAN - n * 1000, BASE - SPAN - n * 1000));
    })();
    const insJob = db.prepare(
      'insert into jobs (id, tenant_id, contact_id, title, status, progress, created_at, updated_at, started_at, completed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const batch = 100_000;
    for (let from = 0; from < total; from += batch) {
      const to = Math.min(total, from + batch);
      db.transaction(() => {
        for (let n = from; n < to; n++) {
          const s = statusOf(n);
          const created = BASE - Math.floor(n / 2) * step;
          const updated = created + (n % 7) * 60_000;
          insJob.run(rng.id('job'), tenantId, contactIds[n % contacts], `Synthetic job ${n}`, s.status, s.progress, created, updated,
            s.started ? created + 30_000 : null, s.finished ? updated : null);
        }
      })();
      opts.onProgress?.(to, total);
      // Yield between batches so progress output flushes and signals are handled.
      await new Promise((r) => setImmediate(r));
    }
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = ${Number(previousCache)}`);
    db.pragma('analysis_limit = 2000');
    db.exec('analyze');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return { tenantId, jobs: total, contacts, ms: Date.now() - t0 };
}
