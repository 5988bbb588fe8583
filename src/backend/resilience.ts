/**
 * The resilience pipeline every Backend call runs through, in one of two shapes chosen by the adapter
 * (`Backend.inProcess`):
 *
 *   networked (RPC tier, PostgreSQL):  bulkhead → retry → circuit breaker → per-attempt timeout → adapter
 *   embedded (SQLite in process):      bulkhead → retry → adapter
 *
 * better-sqlite3 is synchronous and in-process: a per-attempt timeout cannot preempt it (the event loop is busy
 * while it runs) and a circuit breaker has no remote dependency to protect, so the embedded pipeline has neither.
 * What can fail there is a lock held by another connection (SQLITE_BUSY / SQLITE_LOCKED, mapped to
 * TransientBackendError by the adapter): that is retried with the same jittered backoff, waiting off the event loop.
 *
 * cockatiel's policies, composed with `wrap()`; one set per wrapped backend (the breaker and the bulkhead hold
 * that backend's state). The per-attempt timeout runs inside the composition, per attempt, because its duration
 * is the attempt's own: the full timeout unless the call's deadline is nearer.
 * - bulkhead: at most `bulkheadConcurrency` calls run, `bulkheadQueue` wait (no longer than their deadline or
 *   their caller); the rest are rejected at once.
 * - retry: up to `maxRetries` more attempts, exponential backoff with decorrelated jitter (first delay around
 *   `retryBaseDelayMs`, none above `retryMaxDelayMs`), only after a TransientBackendError or an attempt timeout
 *   (every Backend read is idempotent; the one write, recordUsage, bypasses the pipeline). Never after an open circuit, a full bulkhead, a caller abort
 *   or any other error; never past the call's deadline (a backoff is capped to half the time left).
 * - breaker (networked only): opens after `breakerConsecutiveFailures` consecutive transient failures or timeouts; after
 *   `breakerHalfOpenAfterMs` the next call is a probe that closes it again on success. A caller abort is not the
 *   backend's failure and never counts, except that a probe whose caller gives up re-opens the circuit (the probe
 *   learned nothing, so the circuit stays cautious).
 * - timeout (networked only): `timeoutMs` per attempt (less when the call's deadline is nearer), TimeoutStrategy.Aggressive, with
 *   the attempt's AbortSignal linked to the caller's, so the adapter really stops (SQL query cancelled, HTTP
 *   socket closed). The attempt's signal carries its deadline (src/common/deadline.ts) for adapters to forward.
 *
 * The call's deadline is the caller's (see `setDeadline`) or, when it set none, `callBudgetMs` (default
 * `timeoutMs`) from the start. So by default a timed-out attempt is never retried: a 6 s upstream times out at
 * 5 s, not 15 s, while a fast transient failure still gets its retries inside the same 5 s. The embedded pipeline
 * keeps the deadline for its retries (no retry starts after it) but never interrupts an attempt.
 *
 * Failures leave as the backend's own errors (src/backend/port.ts), which the HTTP edge maps to problems: open
 * circuit → BackendUnavailable('circuit-open', time until the probe; thrown at once, no waiting); full bulkhead →
 * BackendRejected; timeout → BackendTimeout; transient failure after the last retry → BackendUnavailable
 * ('failing'). A caller abort rethrows the caller's abort reason. Other errors pass through unchanged.
 *
 * Events, for metrics (all optional, called synchronously, exceptions swallowed):
 *   onBreakerStateChange(state)        'closed' | 'open' | 'half-open'
 *   onRetry(op, attempt, delayMs)      a retry is scheduled (attempt 1 = first retry)
 *   onGiveUp(op, reason)               a call failed after a retryable failure: 'exhausted' | 'deadline' | 'circuit-open'
 *   onTimeout(op)                      one attempt timed out
 *   onBulkheadRejected(op)             bulkhead and its queue were full
 *   onCall(op, outcome, seconds)       once per call: one of CALL_OUTCOMES
 * `op` is the Backend method name (`listContacts`, `ping`, …).
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IsolatedCircuitError,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  decorrelatedJitterGenerator,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import type { IBackoffFactory } from 'cockatiel';
import type { Config } from '../config.js';
import { setAttemptDeadline } from '../common/deadline.js';
import { BackendRejected, BackendTimeout, BackendUnavailable, TransientBackendError } from './port.js';
import type { Backend } from './port.js';
import { AttemptFailure, Call, deadlineCapped, isAbortLike, type FailureKind, type RetryCtx } from './resilience-call.js';

/** Which pipeline wraps a backend (see above); reported by /readyz, the startup log and a metric. */
export const PIPELINES = ['networked', 'embedded'] as const;
export type PipelineName = (typeof PIPELINES)[number];

/** The pipeline's numbers are the configuration's (`config.backend`, documented in docs/configuration.md and docs/resilience.md). */
export type ResilienceOptions = Pick<
  Config['backend'],
  | 'timeoutMs'
  | 'maxRetries'
  | 'retryBaseDelayMs'
  | 'retryMaxDelayMs'
  | 'breakerConsecutiveFailures'
  | 'breakerHalfOpenAfterMs'
  | 'bulkheadConcurrency'
  | 'bulkheadQueue'
  | 'slowThresholdMs'
> & {
  /** Budget of one call, retries included, when the caller's signal carries no deadline. Default: timeoutMs. */
  callBudgetMs?: number;
};

export type CircuitStateName = 'closed' | 'open' | 'half-open';
/** How a call ended, once per call (the `outcome` label of the backend call metric). */
export const CALL_OUTCOMES = ['ok', 'error', 'timeout', 'circuit_open', 'rejected', 'aborted'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];
export type GiveUpReason = 'exhausted' | 'deadline' | 'circuit-open';

export interface ResilienceEvents {
  onBreakerStateChange?(state: CircuitStateName): void;
  onRetry?(op: string, attempt: number, delayMs: number): void;
  onGiveUp?(op: string, reason: GiveUpReason): void;
  onTimeout?(op: string): void;
  onBulkheadRejected?(op: string): void;
  onCall?(op: string, outcome: CallOutcome, seconds: number): void;
}

/** The backend's health as /v1/health and /readyz report it. */
export interface BackendHealth {
  status: 'ok' | 'degraded' | 'down';
  latencyMs?: number;
  detail?: string;
}

export interface ResilientBackend extends Backend {
  /** The pipeline this backend runs through: `embedded` for an in-process adapter, else `networked`. */
  readonly pipeline: PipelineName;
  /** Always 'closed' on the embedded pipeline, which has no breaker. */
  /** 'half-open' also once the open delay has passed and the next call will be the probe. */
  circuitState(): CircuitStateName;
  /** Pings through the pipeline: down while open, degraded while half-open, failing or slower than slowThresholdMs. */
  health(signal: AbortSignal): Promise<BackendHealth>;
}

function safe<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  if (!fn) return;
  try {
    fn(...args);
  } catch {
    // A metrics callback must never break a data call.
  }
}

export function withResilience(inner: Backend, opts: ResilienceOptions, events: ResilienceEvents = {}): ResilientBackend {
  const pipeline: PipelineName = inner.inProcess ? 'embedded' : 'networked';
  const budgetMs = opts.callBudgetMs ?? opts.timeoutMs;
  const minRetryWindowMs = 2 * opts.retryBaseDelayMs;

  const bulkheadPolicy = bulkhead(opts.bulkheadConcurrency, opts.bulkheadQueue);
  const retryPolicy = retry(
    handleWhen((e) => e instanceof AttemptFailure && (e.kind === 'transient' || e.kind === 'timeout') && !e.call.caller.aborted && e.call.remaining() >= minRetryWindowMs),
    {
      maxAttempts: opts.maxRetries,
      backoff: deadlineCapped(
        new ExponentialBackoff({ generator: decorrelatedJitterGenerator, initialDelay: opts.retryBaseDelayMs, maxDelay: opts.retryMaxDelayMs }) as IBackoffFactory<RetryCtx>,
      ),
    },
  );
  const breakerPolicy = circuitBreaker(
    handleWhen((e) => e instanceof AttemptFailure && (e.kind === 'transient' || e.kind === 'timeout' || (e.kind === 'aborted' && e.probe))),
    { halfOpenAfter: opts.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.breakerConsecutiveFailures) },
  );
  const callPolicy = pipeline === 'embedded' ? wrap(bulkheadPolicy, retryPolicy) : wrap(bulkheadPolicy, retryPolicy, breakerPolicy);
  // abortOnReturn: false — after a success there is nothing left to stop.
  const timeoutOptions = { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false };
  const timeoutPolicy = timeout(opts.timeoutMs, timeoutOptions);

  let openUntil = 0;
  // The breaker announces a probe just before it runs it: the next attempt to start is that probe.
  let probeStarting = false;
  breakerPolicy.onHalfOpen(() => {
    probeStarting = true;
  });
  breakerPolicy.onStateChange((s) => {
    if (s === CircuitState.Open) openUntil = Date.now() + opts.breakerHalfOpenAfterMs;
    safe(events.onBreakerStateChange, s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open');
  });
  retryPolicy.onRetry((ev) => {
    const err = 'error' in ev ? ev.error : undefined;
    if (err instanceof AttemptFailure) safe(events.onRetry, err.call.op, ev.attempt, ev.delay);
  });

  const circuitState = (): CircuitStateName => {
    const s = breakerPolicy.state;
    if (s === CircuitState.Closed) return 'closed';
    if (s === CircuitState.HalfOpen) return 'half-open';
    return Date.now() < openUntil ? 'open' : 'half-open';
  };
  const untilProbeMs = () => Math.max(0, openUntil - Date.now());

  async function attempt<T>(call: Call, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    call.attempts += 1;
    const probe = probeStarting;
    probeStarting = false;
    const startedAt = Date.now();
    // The attempt gets the full timeout unless the call's deadline is nearer.
    const ms = Math.min(opts.timeoutMs, call.deadline - startedAt);
    try {
      if (ms <= 0) throw new TaskCancelledError('deadline exceeded');
      // Embedded: the adapter runs to completion on this thread; nothing to time out, the caller's signal as is.
      if (pipeline === 'embedded') return await fn(call.caller);
      const policy = ms >= opts.timeoutMs ? timeoutPolicy : timeout(ms, timeoutOptions);
      // The caller's signal, not the policy context's: a call that waited on a half-open probe gets a never-aborted one.
      return await policy.execute(({ signal }) => {
        setAttemptDeadline(signal, startedAt + ms);
        return fn(signal);
      }, call.caller);
    } catch (err) {
      let kind: FailureKind;
      if (call.caller.aborted) kind = 'aborted';
      else if (err instanceof TaskCancelledError || (isAbortLike(err) && Date.now() - startedAt >= ms)) kind = 'timeout';
      else if (err instanceof TransientBackendError) kind = 'transient';
      else kind = 'other';
      if (kind === 'timeout') safe(events.onTimeout, call.op);
      if (kind === 'transient' || kind === 'timeout') call.retryableFailures += 1;
      throw new AttemptFailure(kind, call, err, probe);
    }
  }

  function giveUp(call: Call, reason: GiveUpReason): void {
    if (call.retryableFailures > 0) safe(events.onGiveUp, call.op, reason);
  }

  /** Turns what the pipeline threw into what the caller sees, and names the outcome for onCall. */
  function settle(err: unknown, call: Call): [CallOutcome, unknown] {
    if (call.caller.aborted) return ['aborted', call.caller.reason ?? err];
    if (err instanceof BulkheadRejectedError) {
      safe(events.onBulkheadRejected, call.op);
      return ['rejected', new BackendRejected(1000, { cause: err })];
    }
    if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
      giveUp(call, 'circuit-open');
      return ['circuit_open', new BackendUnavailable('circuit-open', untilProbeMs(), { cause: err })];
    }
    const exhausted = call.attempts > opts.maxRetries ? 'exhausted' : 'deadline';
    // A TaskCancelledError out here: the deadline passed while the call waited in the bulkhead queue.
    if (err instanceof TaskCancelledError || (err instanceof AttemptFailure && err.kind === 'timeout')) {
      giveUp(call, exhausted);
      return ['timeout', new BackendTimeout({ cause: err instanceof AttemptFailure ? err.original : err })];
    }
    if (err instanceof AttemptFailure && err.kind === 'transient') {
      giveUp(call, exhausted);
      const wait = circuitState() === 'open' ? untilProbeMs() : 1000;
      return ['error', new BackendUnavailable('failing', wait, { cause: err.original })];
    }
    return ['error', err instanceof AttemptFailure ? err.original : err];
  }

  async function run<T>(op: string, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (signal.aborted) {
      safe(events.onCall, op, 'aborted', seconds());
      throw signal.reason;
    }
    const call = new Call(op, signal, budgetMs);
    // No free slot: this call will queue (or be rejected), and a queued call must still honour its deadline.
    const waiting = bulkheadPolicy.executionSlots === 0 ? call.stopWaiting() : undefined;
    try {
      const work = callPolicy.execute(() => attempt(call, fn), signal);
      if (waiting) work.catch(() => {}); // when the queue wait loses, the abandoned work settles later, unobserved
      const value = waiting ? await Promise.race([work, waiting.promise]) : await work;
      safe(events.onCall, op, 'ok', seconds());
      return value;
    } catch (err) {
      const [outcome, thrown] = settle(err, call);
      safe(events.onCall, op, outcome, seconds());
      throw thrown;
    } finally {
      waiting?.dispose();
    }
  }

  async function health(signal: AbortSignal): Promise<BackendHealth> {
    const before = circuitState();
    if (before === 'open') return { status: 'down', detail: 'circuit open' };
    const started = performance.now();
    try {
      await run('ping', signal, (s) => inner.ping(s));
    } catch (err) {
      if (signal.aborted) throw err;
      const latencyMs = Math.round(performance.now() - started);
      if (circuitState() === 'open') return { status: 'down', latencyMs, detail: 'circuit open' };
      const detail =
        err instanceof BackendTimeout ? 'ping timed out' : err instanceof BackendUnavailable || err instanceof BackendRejected ? 'ping failed: backend unavailable' : 'ping failed';
      return { status: 'degraded', latencyMs, detail };
    }
    const latencyMs = Math.round(performance.now() - started);
    // Half-open before the ping: this ping (or one it waited for) was the probe; report the recovery once.
    if (before === 'half-open' || circuitState() === 'half-open') return { status: 'degraded', latencyMs, detail: 'circuit half-open' };
    if (latencyMs > opts.slowThresholdMs) return { status: 'degraded', latencyMs, detail: `slow: ping took ${latencyMs} ms` };
    return { status: 'ok', latencyMs };
  }

  return {
    name: inner.name,
    inProcess: inner.inProcess,
    pipeline,
    listContacts: (t, f, p, s) => run('listContacts', s, (a) => inner.listContacts(t, f, p, a)),
    getContact: (t, id, s) => run('getContact', s, (a) => inner.getContact(t, id, a)),
    listJobs: (t, f, p, s) => run('listJobs', s, (a) => inner.listJobs(t, f, p, a)),
    getJob: (t, id, s) => run('getJob', s, (a) => inner.getJob(t, id, a)),
    listJobFiles: (t, j, p, s) => run('listJobFiles', s, (a) => inner.listJobFiles(t, j, p, a)),
    getJobFile: (t, j, f, s) => run('getJobFile', s, (a) => inner.getJobFile(t, j, f, a)),
    getFile: (t, f, s) => run('getFile', s, (a) => inner.getFile(t, f, a)),
    ownerOf: (k, id, s) => run('ownerOf', s, (a) => inner.ownerOf(k, id, a)),
    findApiKeyByHash: (h, s) => run('findApiKeyByHash', s, (a) => inner.findApiKeyByHash(h, a)),
    getUsage: (t, q, s) => run('getUsage', s, (a) => inner.getUsage(t, q, a)),
    // The one write, and not idempotent: a retry after a timeout could add a batch twice, and the meter keeps a
    // failed batch for its next flush anyway. So no retry, and no breaker or bulkhead either (the flush is one
    // call every few seconds, off the request path, and must not trip the circuit that guards reads).
    recordUsage: (rows, s) => inner.recordUsage(rows, s),
    // Synchronous and I/O-free: passed through as is, no pipeline (absent when the adapter has none).
    ...(inner.apiKeysVersion ? { apiKeysVersion: inner.apiKeysVersion.bind(inner) } : {}),
    ping: (s) => run('ping', s, (a) => inner.ping(a)),
    close: () => inner.close(),
    circuitState,
    health,
  };
}
