/**
 * Usage counters in SQL (table usage_counters, migration 0005_usage_counters: one row per tenant, day and
 * operation, the status classes side by side): the additive upsert the meter flushes, and the range read behind
 * GET /v1/usage and `portal-admin usage`. Both run through the abortable Runner.
 *
 * The write is one `INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n` statement, so it is atomic on
 * its own and increments from any number of replicas add up (the database serialises the row updates). The
 * meter's increments (one per status class) are merged per row first: PostgreSQL refuses to update one row twice in
 * a statement.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { MAX_USAGE_BATCH, type StatusClass, type UsageIncrement, type UsageQuery, type UsageRow } from '../port.js';
import type { Runner } from './runner.js';
import type { Database, UsageCountersTable } from './schema.js';

type Counts = Omit<UsageCountersTable, 'tenant_id' | 'day' | 'operation_id'>;
const COLUMN_OF: Record<StatusClass, keyof Counts> = { '2xx': 'requests_2xx', '3xx': 'requests_3xx', '4xx': 'requests_4xx', '5xx': 'requests_5xx' };
const COUNTS: (keyof Counts)[] = ['requests_2xx', 'requests_3xx', 'requests_4xx', 'requests_5xx', 'rate_limited', 'bytes'];

export async function recordUsage(db: Kysely<Database>, runner: Runner, increments: UsageIncrement[], signal: AbortSignal): Promise<void> {
  if (increments.length === 0) return;
  if (increments.length > MAX_USAGE_BATCH) throw new RangeError(`recordUsage: at most ${MAX_USAGE_BATCH} increments per call`);
  const rows = new Map<string, UsageCountersTable>();
  for (const i of increments) {
    const key = JSON.stringify([i.tenantId, i.day, i.operationId]);
    let row = rows.get(key);
    if (!row) {
      row = { tenant_id: i.tenantId, day: i.day, operation_id: i.operationId, requests_2xx: 0, requests_3xx: 0, requests_4xx: 0, requests_5xx: 0, rate_limited: 0, bytes: 0 };
      rows.set(key, row);
    }
    row[COLUMN_OF[i.statusClass]] += i.requests;
    row.rate_limited += i.rateLimited;
    row.bytes += i.bytes;
  }
  const query = db
    .insertInto('usage_counters')
    .values([...rows.values()])
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'day', 'operation_id']).doUpdateSet(Object.fromEntries(COUNTS.map((c) => [c, sql`usage_counters.${sql.ref(c)} + excluded.${sql.ref(c)}`]))),
    );
  await runner.rows(query.compile(), signal);
}

interface Row {
  period: string;
  operation_id: string;
  requests_2xx: number | string;
  requests_3xx: number | string;
  requests_4xx: number | string;
  requests_5xx: number | string;
  rate_limited: number | string;
  bytes: number | string;
}

/**
 * Range scan of the key (tenant_id, day, operation_id): a day's rows as they are, a month's summed by
 * `substr(day, 1, 7)` (its `period` is then the month's first day).
 */
export async function getUsage(db: Kysely<Database>, runner: Runner, tenantId: string, q: UsageQuery, signal: AbortSignal): Promise<UsageRow[]> {
  const base = db.selectFrom('usage_counters').where('tenant_id', '=', tenantId).where('day', '>=', q.from).where('day', '<=', q.to);
  const month = sql`substr(day, 1, 7)`;
  const query =
    q.granularity === 'day'
      ? base.select([sql<string>`day`.as('period'), 'operation_id', ...COUNTS]).orderBy('day').orderBy('operation_id')
      : base
          .select([sql<string>`${month} || '-01'`.as('period'), 'operation_id', ...COUNTS.map((c) => sql<number>`sum(${sql.ref(c)})`.as(c))])
          .groupBy([month, 'operation_id'])
          .orderBy(month)
          .orderBy('operation_id');
  const rows = (await runner.rows(query.compile(), signal)) as Row[];
  // PostgreSQL returns bigint and sum() as strings; counts stay far below 2^53.
  return rows.map((r) => ({
    period: r.period,
    operationId: r.operation_id,
    statusClasses: { '2xx': Number(r.requests_2xx), '3xx': Number(r.requests_3xx), '4xx': Number(r.requests_4xx), '5xx': Number(r.requests_5xx) },
    rateLimited: Number(r.rate_limited),
    bytes: Number(r.bytes),
  }));
}
