/**
 * Usage counters in SQL (table usage_daily, migration 0003_usage): the additive upsert the meter flushes, and
 * the range read behind GET /v1/usage and `portal-admin usage`. Both run through the abortable Runner.
 *
 * The write is one `INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n` statement, so it is atomic on
 * its own and increments from any number of replicas add up (the database serialises the row updates); a batch
 * holds each key at most once (PostgreSQL refuses to update one row twice in a statement).
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { MAX_USAGE_BATCH, type StatusClass, type UsageIncrement, type UsageQuery, type UsageRow } from '../port.js';
import type { Runner } from './runner.js';
import type { Database } from './schema.js';

export async function recordUsage(db: Kysely<Database>, runner: Runner, increments: UsageIncrement[], signal: AbortSignal): Promise<void> {
  if (increments.length === 0) return;
  if (increments.length > MAX_USAGE_BATCH) throw new RangeError(`recordUsage: at most ${MAX_USAGE_BATCH} increments per call`);
  const query = db
    .insertInto('usage_daily')
    .values(
      increments.map((i) => ({
        tenant_id: i.tenantId,
        day: i.day,
        operation_id: i.operationId,
        status_class: i.statusClass,
        requests: i.requests,
        rate_limited: i.rateLimited,
        bytes: i.bytes,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'day', 'operation_id', 'status_class']).doUpdateSet({
        requests: sql`usage_daily.requests + excluded.requests`,
        rate_limited: sql`usage_daily.rate_limited + excluded.rate_limited`,
        bytes: sql`usage_daily.bytes + excluded.bytes`,
      }),
    );
  await runner.rows(query.compile(), signal);
}

interface Row {
  period: string;
  operation_id: string;
  c2xx: number | string;
  c3xx: number | string;
  c4xx: number | string;
  c5xx: number | string;
  rate_limited: number | string;
  bytes: number | string;
}

/** The requests of one status class, summed over the group. */
const classSum = (statusClass: StatusClass) => sql<number>`sum(case when status_class = ${statusClass} then requests else 0 end)`;

/**
 * Range scan of the key (tenant_id, day, operation_id, status_class), grouped by period and operation with the
 * status classes summed side by side: one row per day (or month) and operation. Months group the days by
 * `substr(day, 1, 7)`.
 */
export async function getUsage(db: Kysely<Database>, runner: Runner, tenantId: string, q: UsageQuery, signal: AbortSignal): Promise<UsageRow[]> {
  const period = q.granularity === 'day' ? sql<string>`day` : sql<string>`substr(day, 1, 7) || '-01'`;
  const group = q.granularity === 'day' ? sql`day` : sql`substr(day, 1, 7)`;
  const query = db
    .selectFrom('usage_daily')
    .where('tenant_id', '=', tenantId)
    .where('day', '>=', q.from)
    .where('day', '<=', q.to)
    .select([
      period.as('period'),
      'operation_id',
      classSum('2xx').as('c2xx'),
      classSum('3xx').as('c3xx'),
      classSum('4xx').as('c4xx'),
      classSum('5xx').as('c5xx'),
      sql<number>`sum(rate_limited)`.as('rate_limited'),
      sql<number>`sum(bytes)`.as('bytes'),
    ])
    .groupBy([group, 'operation_id'])
    .orderBy(group)
    .orderBy('operation_id');
  const rows = (await runner.rows(query.compile(), signal)) as Row[];
  // PostgreSQL returns sum() of bigint as a numeric string; counts stay far below 2^53.
  return rows.map((r) => ({
    period: r.period,
    operationId: r.operation_id,
    statusClasses: { '2xx': Number(r.c2xx), '3xx': Number(r.c3xx), '4xx': Number(r.c4xx), '5xx': Number(r.c5xx) },
    rateLimited: Number(r.rate_limited),
    bytes: Number(r.bytes),
  }));
}
