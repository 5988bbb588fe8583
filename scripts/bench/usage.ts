/**
 * The usage sections of `npm run bench` (`--only metering,usage`):
 * - metering: server CPU µs per request with the usage meter on vs off (PORTAL_USAGE_METERING=false), everything
 *   else the same, in alternating pairs at one evenly paced rate (the observability section's method), with the
 *   bare Express baseline of the same run; and the in-process cost of one `record()` call.
 * - usage: p99 of GET /v1/usage for a tenant with a year of history on every operation (366 days × every
 *   operationId × 4 status classes), per day and per month, at a paced rate, on each store given (SQLite, and
 *   PostgreSQL with --database-url).
 */
import { operationIds } from '../../generated/operations.js';
import { API_KEY_SCOPES } from '../../src/backend/api-keys.js';
import { MAX_USAGE_BATCH, STATUS_CLASSES, type UsageIncrement } from '../../src/backend/port.js';
import { openSqlStore } from '../../src/backend/sql/store.js';
import { addDays, todayUtc } from '../../src/backend/usage-report.js';
import { createUsageMeter } from '../../src/observability/usage-meter.js';
import { cpuMicros, pool, runLoad, runPaced, type LoadResult } from './load.js';
import type { PortalProcess } from './portal-process.js';
import type { BenchReport } from './report.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The observability section's CPU-cost shape, with the bare baseline, the in-process cost and plain on/off pairs. */
export interface MeteringResult extends Omit<NonNullable<BenchReport['observability']>, 'pairs'> {
  bareCpuUsPerRequest?: number;
  recordNsPerCall: number;
  pairs: { on: number; off: number }[];
}

/** ns per `meter.record()` in this process: the request path's whole share of metering, without the HTTP noise. */
function recordCost(): number {
  const meter = createUsageMeter({ sink: async () => {}, flushIntervalMs: 60_000 });
  const ops = [...operationIds];
  const statuses = [200, 200, 200, 304, 404, 429];
  const n = 2_000_000;
  for (let i = 0; i < 200_000; i++) meter.record(`ten_t${i % 50}`, ops[i % ops.length]!, statuses[i % statuses.length]!);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) meter.record(`ten_t${i % 50}`, ops[i % ops.length]!, statuses[i % statuses.length]!);
  return Math.round(Number(process.hrtime.bigint() - t0) / n);
}

export async function measureMetering(opts: {
  on: PortalProcess;
  off: PortalProcess;
  bare?: PortalProcess;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  pairs: number;
}): Promise<MeteringResult> {
  const cpuPerRequest = async (p: PortalProcess, headers?: Record<string, string>) => {
    const before = cpuMicros(p.child.pid!);
    const r = await runPaced({ url: `${p.url}/v1/contacts`, headers, rate: opts.rate, durationSec: opts.seconds });
    return (cpuMicros(p.child.pid!) - before) / r.requests;
  };
  for (const p of [opts.on, opts.off]) await runLoad({ url: `${p.url}/v1/contacts`, headers: opts.headers, connections: 10, durationSec: 2 });
  const pairs: { on: number; off: number }[] = [];
  const bare: number[] = [];
  for (let i = 0; i < opts.pairs; i++) {
    // Alternating order, so neither side always runs right after the other's load.
    const [first, second] = i % 2 ? [opts.off, opts.on] : [opts.on, opts.off];
    const a = await cpuPerRequest(first, opts.headers);
    const b = await cpuPerRequest(second, opts.headers);
    pairs.push(first === opts.on ? { on: Math.round(a), off: Math.round(b) } : { on: Math.round(b), off: Math.round(a) });
    if (opts.bare) bare.push(await cpuPerRequest(opts.bare));
  }
  const diffs = pairs.map((p) => p.on - p.off);
  return {
    method: `server CPU µs per request at an evenly paced ${opts.rate}/s (GET /v1/contacts), metering on vs PORTAL_USAGE_METERING=false, ${opts.pairs} alternating pairs, medians`,
    rate: opts.rate,
    cpuUsPerRequestOn: median(pairs.map((p) => p.on)),
    cpuUsPerRequestOff: median(pairs.map((p) => p.off)),
    costUsPerRequest: median(diffs),
    noiseUs: Math.round((Math.max(...diffs) - Math.min(...diffs)) / 2),
    bareCpuUsPerRequest: bare.length ? Math.round(median(bare)) : undefined,
    recordNsPerCall: recordCost(),
    pairs,
  };
}

export const USAGE_TENANT = 'ten_bench-usage';

/**
 * A year of usage for USAGE_TENANT, up to today: every day, every operationId, every status class (14,640
 * counters for 10 operations), written through the store's own upsert; returns a fresh all-scopes key.
 */
export async function seedUsageHistory(target: { dataDir: string; databaseUrl?: string }): Promise<string> {
  const store = await openSqlStore({ dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrate: true });
  try {
    if (!(await store.listTenants()).some((t) => t.id === USAGE_TENANT)) await store.createTenant(USAGE_TENANT, 'Bench usage history');
    await store.db.deleteFrom('usage_counters').where('tenant_id', '=', USAGE_TENANT).execute();
    const today = todayUtc();
    const rows: UsageIncrement[] = [];
    for (let d = 0; d < 366; d++) {
      const day = addDays(today, -d);
      operationIds.forEach((operationId, i) => {
        for (const statusClass of STATUS_CLASSES) {
          const requests = 1 + ((d * 7 + i * 13 + statusClass.charCodeAt(0)) % 500);
          rows.push({ tenantId: USAGE_TENANT, day, operationId, statusClass, requests, rateLimited: statusClass === '4xx' ? requests % 7 : 0, bytes: operationId === 'downloadFile' && statusClass === '2xx' ? requests * 48_213 : 0 });
        }
      });
    }
    for (let i = 0; i < rows.length; i += MAX_USAGE_BATCH) await store.recordUsage(rows.slice(i, i + MAX_USAGE_BATCH), AbortSignal.timeout(60_000));
    return (await store.createApiKey({ tenantId: USAGE_TENANT, scopes: [...API_KEY_SCOPES], name: 'bench usage' })).secret;
  } finally {
    await store.close();
  }
}

export interface UsageLatency {
  store: string;
  counters: number;
  rate: number;
  day: LoadResult & { bytes: number };
  month: LoadResult & { bytes: number };
}

/** p50/p99 of a year per day and per month (alternating rounds, latencies pooled). */
export async function measureUsage(opts: { portal: PortalProcess; key: string; store: string; rate: number; seconds: number; rounds: number }): Promise<UsageLatency> {
  const headers = { Authorization: `Bearer ${opts.key}` };
  const to = todayUtc();
  const day = `${opts.portal.url}/v1/usage?from=${addDays(to, -365)}&to=${to}&granularity=day`;
  const month = `${opts.portal.url}/v1/usage?from=${addDays(to, -365)}&to=${to}&granularity=month`;
  const size = async (url: string) => {
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    return (await res.arrayBuffer()).byteLength;
  };
  const [dayBytes, monthBytes] = [await size(day), await size(month)];
  for (const url of [day, month]) await runLoad({ url, headers, connections: 4, durationSec: 2 });
  const days: (LoadResult & { latencies: number[] })[] = [];
  const months: (LoadResult & { latencies: number[] })[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    days.push(await runPaced({ url: day, headers, rate: opts.rate, durationSec: opts.seconds }));
    months.push(await runPaced({ url: month, headers, rate: opts.rate, durationSec: opts.seconds }));
  }
  // Latencies pooled over the alternating rounds, as in the fixed-rate section: at 10/s one round's p99 is its
  // slowest request or two.
  const pooled = (rs: (LoadResult & { latencies: number[] })[]) => {
    const { latencies: _raw, ...kept } = pool(rs, opts.seconds) as LoadResult & { latencies?: number[] };
    return kept;
  };
  return { store: opts.store, counters: 366 * operationIds.length * STATUS_CLASSES.length, rate: opts.rate, day: { ...pooled(days), bytes: dayBytes }, month: { ...pooled(months), bytes: monthBytes } };
}
