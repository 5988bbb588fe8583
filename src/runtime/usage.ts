/**
 * The usage meter of a server process, from the configuration: flushing to the backend's recordUsage (SQL
 * upsert, or the backend service's POST /rpc/v1/usage in the two-tier deployment), logged and counted when a
 * flush fails. Started here; the owner closes it in its shutdown's cleanup, before the backend (src/server.ts).
 */
import type { Logger } from 'pino';
import type { Backend } from '../backend/port.js';
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import { createUsageMeter, type UsageMeter } from '../observability/usage-meter.js';

/** undefined when metering is off (PORTAL_USAGE_METERING=false). */
export function startUsageMeter(config: Config, backend: Pick<Backend, 'recordUsage'>, logger: Logger, metrics?: Metrics): UsageMeter | undefined {
  if (!config.usage.metering) return undefined;
  const meter = createUsageMeter({
    sink: (increments, signal) => backend.recordUsage(increments, signal),
    flushIntervalMs: config.usage.flushIntervalMs,
    maxPendingCounters: config.usage.maxPendingCounters,
    log: logger,
    onFlush: (outcome, seconds, counters) => metrics?.usageFlush(outcome, seconds, counters),
    onDropped: (counters) => {
      metrics?.usageDropped(counters);
      logger.warn({ counters }, 'usage counters dropped: too many waiting for the store');
    },
  });
  meter.start();
  return meter;
}
