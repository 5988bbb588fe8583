/**
 * The usage meter: counts every answered request toward (tenant, operationId, status class, UTC day), and the
 * body bytes of downloads, in memory, and flushes the counts to the store every `flushIntervalMs` and at
 * shutdown, as additive upserts (Backend#recordUsage). Nothing on the request path touches the store: `record` is
 * a Map update.
 *
 * - Replicas: each flushes increments, never totals, so the counters of N replicas add up.
 * - A failing flush never fails a request (it runs on a timer). It is logged and reported (`onFlush('error')`),
 *   and the counts it could not write are merged back to be written by the next flush. The counts waiting are
 *   bounded (`maxPendingCounters` distinct counters; a counter is a tenant, day, operation and status class, so
 *   a long outage grows them only by day); a counter that does not fit is dropped and reported (`onDropped`).
 * - A batch whose outcome is unknown (the store timed out after committing) is merged back too: at worst counted
 *   twice, never lost. The store's upsert is one statement, so a batch is never half written.
 * - A crash (SIGKILL, OOM) loses what was recorded since the last flush: at most one flush interval.
 *   Graceful shutdown (src/server.ts) stops the timer and flushes what is left after the last request.
 */
import { MAX_USAGE_BATCH, type StatusClass, type UsageIncrement } from '../backend/port.js';

export interface UsageMeterOptions {
  /** Where the counts go (the backend's recordUsage): one call per batch of at most MAX_USAGE_BATCH counters. */
  sink: (increments: UsageIncrement[], signal: AbortSignal) => Promise<void>;
  flushIntervalMs: number;
  /** Distinct counters kept at most while the store cannot take them (default 100,000, a few tens of MB). */
  maxPendingCounters?: number;
  /** Time allowed to one batch (default: the flush interval, at least 1 s). */
  batchTimeoutMs?: number;
  /** Clock (tests). */
  now?: () => number;
  onFlush?: (outcome: 'ok' | 'error', seconds: number, counters: number) => void;
  onDropped?: (counters: number) => void;
  log?: { warn(obj: object, msg: string): void };
}

export interface UsageMeter {
  /** Counts one answered request; `bytes` are the body bytes of a download. Never throws, never does I/O. */
  record(tenantId: string, operationId: string, status: number, bytes?: number): void;
  /** Writes the pending counts now (joins a flush already running). Never rejects. */
  flush(): Promise<void>;
  /** Starts the periodic flush (an unref'd timer: it never keeps the process alive). */
  start(): void;
  /** Stops the timer and flushes what is left (graceful shutdown). */
  close(): Promise<void>;
  /** Distinct counters waiting for a flush. */
  pending(): number;
}

const DAY_MS = 86_400_000;

export function statusClassOf(status: number): StatusClass | undefined {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return undefined;
}

export function createUsageMeter(opts: UsageMeterOptions): UsageMeter {
  const now = opts.now ?? Date.now;
  const maxPending = opts.maxPendingCounters ?? 100_000;
  const batchTimeoutMs = opts.batchTimeoutMs ?? Math.max(1000, opts.flushIntervalMs);
  let pending = new Map<string, UsageIncrement>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  // The UTC day is recomputed only when a request arrives after the day's end.
  let day = '';
  let dayEnds = 0;

  const currentDay = (): string => {
    const t = now();
    if (t >= dayEnds || t < dayEnds - DAY_MS) {
      day = new Date(t).toISOString().slice(0, 10);
      dayEnds = (Math.floor(t / DAY_MS) + 1) * DAY_MS;
    }
    return day;
  };

  /** Adds `inc` to the pending counter of its key; false when it is a new counter and there is no room. */
  function add(key: string, inc: UsageIncrement): boolean {
    const c = pending.get(key);
    if (c) {
      c.requests += inc.requests;
      c.rateLimited += inc.rateLimited;
      c.bytes += inc.bytes;
      return true;
    }
    if (pending.size >= maxPending) return false;
    pending.set(key, { ...inc });
    return true;
  }

  const keyOf = (i: UsageIncrement) => `${i.tenantId}\n${i.day}\n${i.operationId}\n${i.statusClass}`;

  function putBack(increments: UsageIncrement[]): void {
    let dropped = 0;
    for (const inc of increments) if (!add(keyOf(inc), inc)) dropped += 1;
    if (dropped > 0) opts.onDropped?.(dropped);
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    const started = performance.now();
    for (let i = 0; i < batch.length; i += MAX_USAGE_BATCH) {
      const chunk = batch.slice(i, i + MAX_USAGE_BATCH);
      try {
        await opts.sink(chunk, AbortSignal.timeout(batchTimeoutMs));
      } catch (err) {
        const left = batch.slice(i);
        putBack(left);
        opts.log?.warn({ err: err instanceof Error ? err.message : String(err), counters: left.length }, 'usage flush failed: the counts are kept for the next flush');
        opts.onFlush?.('error', (performance.now() - started) / 1000, left.length);
        return;
      }
    }
    opts.onFlush?.('ok', (performance.now() - started) / 1000, batch.length);
  }

  const meter: UsageMeter = {
    record(tenantId, operationId, status, bytes = 0) {
      const statusClass = statusClassOf(status);
      if (!statusClass) return;
      const d = currentDay();
      const key = `${tenantId}\n${d}\n${operationId}\n${statusClass}`;
      const c = pending.get(key);
      if (c) {
        c.requests += 1;
        if (status === 429) c.rateLimited += 1;
        c.bytes += bytes;
        return;
      }
      if (pending.size >= maxPending) {
        opts.onDropped?.(1);
        return;
      }
      pending.set(key, { tenantId, day: d, operationId, statusClass, requests: 1, rateLimited: status === 429 ? 1 : 0, bytes });
    },
    flush() {
      // One flush at a time: a call during one waits for it, then writes what arrived meanwhile.
      if (running) return running.then(() => meter.flush());
      const current = flushOnce()
        .catch(() => {})
        .finally(() => {
          running = undefined;
        });
      running = current;
      return current;
    },
    start() {
      if (timer) return;
      // A tick while a flush still runs (a slow store) is skipped rather than queued.
      timer = setInterval(() => void (running ?? meter.flush()), opts.flushIntervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await meter.flush();
    },
    pending: () => pending.size,
  };
  return meter;
}
