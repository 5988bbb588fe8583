/**
 * The process logger: JSON lines (pino 10). Credentials are redacted wherever they could appear (headers,
 * well-known field names, the query string of any URL field), every line written inside a request carries its
 * trace id, and debug lines are sampled per trace so a sampled request keeps its whole story.
 *
 * The default destination is an asynchronous, buffered sonic-boom on stdout (the cheapest pino setup); it is
 * flushed every 500 ms, at `process.exit` (pino registers that) and by `flushLogs()`, which the shutdown path
 * calls so no line is lost on SIGTERM.
 */
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import { redactText, redactUrl } from '../common/redaction.js';

export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'signature',
  'sig',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["set-cookie"]',
];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level: string;
  name?: string;
  /** Share of traces whose debug lines are written (PORTAL_DEBUG_LOG_SAMPLE_RATE); 1 = all. */
  debugLogSampleRate?: number;
}

/** Marks child loggers that carry `traceId` in their bindings, so the mixin does not add it twice. */
const HAS_TRACE_ID = Symbol('portal.logger.hasTraceId');
const SAMPLE_RATE = Symbol('portal.logger.debugSampleRate');
type Marked = Logger & { [HAS_TRACE_ID]?: true; [SAMPLE_RATE]?: number };

function errSerializer(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (out && typeof out === 'object') {
    if (typeof out.message === 'string') out.message = redactText(out.message);
    if (typeof out.stack === 'string') out.stack = redactText(out.stack);
  }
  return out;
}

function urlSerializer(value: unknown): unknown {
  return typeof value === 'string' ? redactUrl(value) : value;
}

/** In a request without its own child logger (library code, audit), take the trace id from the active span. */
function traceMixin(_merge: object, _level: number, logger: Logger): object {
  if ((logger as Marked)[HAS_TRACE_ID]) return {};
  const span = trace.getActiveSpan();
  return span ? { traceId: span.spanContext().traceId } : {};
}

export function createLogger(opts: LoggerOptions, destination?: DestinationStream): Logger {
  let dest = destination;
  if (dest === undefined) {
    const boom = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => {
      try {
        boom.flush();
      } catch {
        // Destination already closed at shutdown.
      }
    }, 500).unref();
    dest = boom;
  }
  const logger = pino(
    {
      name: opts.name ?? 'portal-api',
      level: opts.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errSerializer, url: urlSerializer, href: urlSerializer, location: urlSerializer },
      mixin: traceMixin,
    },
    dest,
  ) as Marked;
  logger[SAMPLE_RATE] = opts.debugLogSampleRate ?? 1;
  return logger;
}

/**
 * Is this trace's debug output kept? Decided from the trace id (random bits) rather than Math.random, so every
 * service that sees the same trace makes the same choice.
 */
export function isDebugSampled(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const bits = Number.parseInt(traceId.slice(-8), 16);
  return Number.isFinite(bits) && bits / 0x1_0000_0000 < rate;
}

/** The per-request child logger: `traceId` on every line, debug lines only for sampled traces. */
export function requestLogger(base: Logger, traceId: string): Logger {
  const child = base.child({ traceId }) as Marked;
  child[HAS_TRACE_ID] = true;
  const rate = (base as Marked)[SAMPLE_RATE] ?? 1;
  if (rate < 1 && child.isLevelEnabled('debug') && !isDebugSampled(traceId, rate)) child.level = 'info';
  return child;
}

/**
 * Writes out everything buffered and waits until the destination has drained (bounded by `timeoutMs`); the
 * shutdown path awaits this before `process.exit`, so no line is lost on SIGTERM.
 */
export function flushLogs(logger: Logger, timeoutMs = 2000): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    try {
      logger.flush(done);
    } catch {
      done();
    }
  });
}

export type { Logger };
