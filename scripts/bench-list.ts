/**
 * `npm run bench:list [-- --small 10000 --large 1000000 --iterations 1000]`
 *
 * List latency at two data sizes, by direct store calls (no HTTP): first pages and deep keyset pages, with and
 * without filters, on SQLite (own data dir, default <tmp>/portal-bench-sqlite, reused between runs) and on
 * PostgreSQL when DATABASE_URL is set. Prints p50/p95/p99 per scenario and the ratio large/small of the p99.
 * Target: the large p99 stays within 1.5× of the small p99 (keyset pagination + an index behind every order and
 * filter make a page cost independent of table size). Calls for the two sizes are interleaved so machine noise
 * hits both alike.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import type { JobFilter, Keyset } from '../src/backend/port.js';
import { seedScale } from '../src/backend/sql/scale.js';
import { toIso } from '../src/backend/sql/schema.js';
import { openSqlStore } from '../src/backend/sql/store.js';
import type { SqlStore } from '../src/backend/sql/store.js';

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '10000' },
    large: { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '1000' },
    limit: { type: 'string', default: '25' },
    'data-dir': { type: 'string', default: path.join(tmpdir(), 'portal-bench-sqlite') },
    'sqlite-only': { type: 'boolean', default: false },
  },
});
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const ITER = Number(values.iterations);
const LIMIT = Number(values.limit);

interface Scenario {
  name: string;
  filter: (t: TenantInfo) => JobFilter;
  after: (t: TenantInfo) => Keyset | undefined;
}

interface TenantInfo {
  id: string;
  jobs: number;
  contactId: string;
  deep50: Keyset;
  deep95: Keyset;
  deepFailed: Keyset;
  recent: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'first page', filter: () => ({}), after: () => undefined },
  { name: 'deep page (50%)', filter: () => ({}), after: (t) => t.deep50 },
  { name: 'deep page (95%)', filter: () => ({}), after: (t) => t.deep95 },
  { name: 'status=failed first', filter: () => ({ status: 'failed' }), after: () => undefined },
  { name: 'status=failed deep (50%)', filter: () => ({ status: 'failed' }), after: (t) => t.deepFailed },
  { name: 'contactId first', filter: (t) => ({ contactId: t.contactId }), after: () => undefined },
  { name: 'updatedSince (newest 1%)', filter: (t) => ({ updatedSince: t.recent }), after: () => undefined },
];

async function ensureTenant(store: SqlStore, id: string, jobs: number): Promise<void> {
  const row = await store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', id).executeTakeFirst();
  if (Number(row?.n ?? 0) === jobs) return;
  console.log(`  seeding ${id} with ${jobs.toLocaleString('en')} jobs…`);
  const s = await seedScale(store, { tenantId: id, jobs });
  console.log(`  seeded ${id}: ${s.jobs.toLocaleString('en')} jobs in ${(s.ms / 1000).toFixed(1)} s (${Math.round(s.jobs / (s.ms / 1000)).toLocaleString('en')} jobs/s)`);
}

async function keysetAt(store: SqlStore, tenantId: string, offset: number, status?: string): Promise<Keyset> {
  let q = store.db.selectFrom('jobs').select(['created_at', 'id']).where('tenant_id', '=', tenantId);
  if (status) q = q.where('status', '=', status);
  const row = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').offset(offset).limit(1).executeTakeFirstOrThrow();
  return { createdAt: toIso(row.created_at), id: row.id };
}

async function info(store: SqlStore, id: string, jobs: number): Promise<TenantInfo> {
  const first = await store.listJobs(id, {}, { limit: 1 }, new AbortController().signal);
  const newest = Date.parse(first.items[0]!.createdAt);
  const oldest = await keysetAt(store, id, jobs - 1);
  return {
    id,
    jobs,
    contactId: first.items[0]!.contactId,
    deep50: await keysetAt(store, id, Math.floor(jobs * 0.5)),
    deep95: await keysetAt(store, id, Math.floor(jobs * 0.95)),
    deepFailed: await keysetAt(store, id, Math.floor(jobs * 0.15 * 0.5), 'failed'),
    recent: new Date(newest - (newest - Date.parse(oldest.createdAt)) * 0.01).toISOString(),
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function bench(label: string, store: SqlStore): Promise<void> {
  const smallId = `ten_bench-${SMALL}`;
  const largeId = `ten_bench-${LARGE}`;
  console.log(`\n${label} (${store.where})`);
  await ensureTenant(store, smallId, SMALL);
  await ensureTenant(store, largeId, LARGE);
  const tenants = [await info(store, smallId, SMALL), await info(store, largeId, LARGE)];
  const signal = new AbortController().signal;

  const header = `${'scenario'.padEnd(26)} ${`${SMALL / 1000}k p50/p95/p99 ms`.padEnd(22)} ${`${LARGE >= 1e6 ? `${LARGE / 1e6}M` : `${LARGE / 1000}k`} p50/p95/p99 ms`.padEnd(22)} p99 ratio`;
  console.log(header);
  const ratios: number[] = [];
  const allSmall: number[] = [];
  const allLarge: number[] = [];
  for (const sc of SCENARIOS) {
    const samples: number[][] = [[], []];
    for (let i = 0; i < ITER + 50; i++) {
      for (const [k, t] of tenants.entries()) {
        const start = performance.now();
        const page = await store.listJobs(t.id, sc.filter(t), { limit: LIMIT, after: sc.after(t) }, signal);
        const ms = performance.now() - start;
        if (page.items.length === 0) throw new Error(`${sc.name} on ${t.id} returned no rows`);
        if (i >= 50) samples[k]!.push(ms); // the first 50 warm caches
      }
    }
    const [s, l] = samples.map((x) => x.sort((a, b) => a - b)) as [number[], number[]];
    allSmall.push(...s);
    allLarge.push(...l);
    const fmt = (x: number[]) => `${pct(x, 50).toFixed(2)}/${pct(x, 95).toFixed(2)}/${pct(x, 99).toFixed(2)}`.padEnd(22);
    const ratio = pct(l, 99) / pct(s, 99);
    ratios.push(ratio);
    console.log(`${sc.name.padEnd(26)} ${fmt(s)} ${fmt(l)} ${ratio.toFixed(2)}×`);
  }
  allSmall.sort((a, b) => a - b);
  allLarge.sort((a, b) => a - b);
  const overall = pct(allLarge, 99) / pct(allSmall, 99);
  console.log(`${'all scenarios'.padEnd(26)} ${`p99 ${pct(allSmall, 99).toFixed(2)}`.padEnd(22)} ${`p99 ${pct(allLarge, 99).toFixed(2)}`.padEnd(22)} ${overall.toFixed(2)}×  ` +
    `(${overall <= 1.5 ? 'within' : 'OVER'} the 1.5× target; worst scenario ${Math.max(...ratios).toFixed(2)}×)`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.env === 'production') throw new Error('refused in production: the bench writes synthetic tenants');
  const sqlite = await openSqlStore({ dataDir: values['data-dir']! });
  try {
    await bench('SQLite', sqlite);
  } finally {
    await sqlite.close();
  }
  if (config.data.databaseUrl && !values['sqlite-only']) {
    const pg = await openSqlStore({ dataDir: values['data-dir']!, databaseUrl: config.data.databaseUrl });
    try {
      await bench('PostgreSQL', pg);
    } finally {
      await pg.close();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:list: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
