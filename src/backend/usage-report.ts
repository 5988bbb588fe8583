/**
 * The periods of a usage report (GET /v1/usage and `portal-admin usage` both use them): the range's defaults and
 * bounds, its days or calendar months, and the report that lists every period in order with the counters of the
 * store (src/backend/sql/usage.ts) summed into it. Days are UTC `YYYY-MM-DD` strings throughout.
 */
import type { StatusClass, UsageDay, UsageRow } from './port.js';

export type Granularity = 'day' | 'month';
export const MAX_DAYS = 366;
export const MAX_MONTHS = 36;

export interface UsageRange {
  from: UsageDay;
  to: UsageDay;
  granularity: Granularity;
}

/** A refused parameter, in the shape of the contract's ValidationError. */
export interface RangeProblem {
  location: 'query';
  name: string;
  message: string;
}

const DAY_MS = 86_400_000;
const ms = (day: UsageDay) => Date.parse(`${day}T00:00:00Z`);
const dayOf = (t: number): UsageDay => new Date(t).toISOString().slice(0, 10);
export const addDays = (day: UsageDay, n: number): UsageDay => dayOf(ms(day) + n * DAY_MS);
export const todayUtc = (now = Date.now()): UsageDay => dayOf(now);
const monthIndex = (day: UsageDay) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
const monthStart = (index: number): UsageDay => `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;

/** A real calendar day in `YYYY-MM-DD` (the contract's `format: date`; the CLI checks its flags with it). */
export function isDay(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && Number.isFinite(ms(v)) && dayOf(ms(v)) === v;
}

/**
 * The range asked for, with its defaults (to: today; from: 29 days before `to`, or the first day of the month 11
 * months before `to`'s), or the parameters it refuses: `from` after `to`, or more than MAX_DAYS days / MAX_MONTHS
 * months (`from` is named: it is the one that reaches too far back).
 */
export function resolveUsageRange(q: { from?: string; to?: string; granularity?: Granularity }, now = Date.now()): UsageRange | RangeProblem[] {
  const granularity = q.granularity ?? 'day';
  const to = q.to ?? todayUtc(now);
  const from = q.from ?? (granularity === 'day' ? addDays(to, -(30 - 1)) : monthStart(monthIndex(to) - 11));
  if (from > to) return [{ location: 'query', name: 'from', message: `must be on or before to (${to})` }];
  if (granularity === 'day' && (ms(to) - ms(from)) / DAY_MS + 1 > MAX_DAYS) {
    return [{ location: 'query', name: 'from', message: `must be at most ${MAX_DAYS} days before to with granularity=day (use granularity=month for longer ranges)` }];
  }
  if (granularity === 'month' && monthIndex(to) - monthIndex(from) + 1 > MAX_MONTHS) {
    return [{ location: 'query', name: 'from', message: `must be at most ${MAX_MONTHS} months before to with granularity=month` }];
  }
  return { from, to, granularity };
}

/** Every period of the range, in order: each day, or each calendar month clipped to the range. */
export function periodsOf(range: UsageRange): { start: UsageDay; end: UsageDay }[] {
  const out: { start: UsageDay; end: UsageDay }[] = [];
  if (range.granularity === 'day') {
    for (let d = range.from; d <= range.to; d = addDays(d, 1)) out.push({ start: d, end: d });
    return out;
  }
  for (let m = monthIndex(range.from); m <= monthIndex(range.to); m++) {
    const first = monthStart(m);
    const last = addDays(monthStart(m + 1), -1);
    out.push({ start: first < range.from ? range.from : first, end: last > range.to ? range.to : last });
  }
  return out;
}

export interface OperationUsage {
  operationId: string;
  requests: number;
  statusClasses: Record<StatusClass, number>;
}

export interface UsagePeriod {
  start: UsageDay;
  end: UsageDay;
  requests: number;
  rateLimited: number;
  downloads: number;
  bytes: number;
  operations: OperationUsage[];
}

export interface UsageReport extends UsageRange {
  tenantId: string;
  periods: UsagePeriod[];
}

/** The operation whose 2xx answers are downloads. */
const DOWNLOAD_OPERATION = 'downloadFile';

/**
 * The report: every period of the range, with the store's rows (ordered by period and operation; a month's
 * `period` is its first day, also when the range starts later in it) summed in.
 */
export function usageReport(tenantId: string, range: UsageRange, rows: UsageRow[]): UsageReport {
  const periods: UsagePeriod[] = periodsOf(range).map((p) => ({ ...p, requests: 0, rateLimited: 0, downloads: 0, bytes: 0, operations: [] }));
  const byKey = new Map(periods.map((p) => [range.granularity === 'day' ? p.start : `${p.start.slice(0, 7)}-01`, p]));
  for (const r of rows) {
    const period = byKey.get(r.period);
    if (!period) continue;
    const c = r.statusClasses;
    const requests = c['2xx'] + c['3xx'] + c['4xx'] + c['5xx'];
    period.operations.push({ operationId: r.operationId, requests, statusClasses: { '2xx': c['2xx'], '3xx': c['3xx'], '4xx': c['4xx'], '5xx': c['5xx'] } });
    period.requests += requests;
    period.rateLimited += r.rateLimited;
    period.bytes += r.bytes;
    if (r.operationId === DOWNLOAD_OPERATION) period.downloads += c['2xx'];
  }
  return { tenantId, ...range, periods };
}
