/**
 * The one resilience pipeline every Backend call runs through, whatever the adapter (SQL store or RPC client).
 *
 *   bulkhead → retry → circuit breaker → per-attempt timeout → adapter
 *
 * One set of cockatiel 3.2 policies per wrapped backend (the breaker and bulkhead hold that backend's state):
 * - bulkhead: at most `bulkheadConcurrency` calls run, `bulkheadQueue` wait (no longer than their deadline or
 *   their caller); the rest get 503 at once.
 * - retry: up to `maxRetries` more attempts, exponential backoff with decorrelated jitter (first delay around
 *   `retryBaseDelayMs`, none above `retryMaxDelayMs`), only after a TransientBackendError or an attempt timeout
 *   (every Backend method is an idempotent read). Never after an open circuit, a full bulkhead, a caller abort
 *   or any other error; never past the call's deadline (a backoff is capped to half the time left).
 * - breaker: opens after `breakerConsecutiveFailures` consecutive transient failures or timeouts; after
 *   `breakerHalfOpenAfterMs` the next call is a probe that closes it again on success. Caller aborts don't count.
 * - timeout: `timeoutMs` per attempt (less when the call's deadline is nearer), TimeoutStrategy.Aggressive, with
 *   the attempt's AbortSignal linked to the caller's, so the adapter really stops (SQL query cancelled, HTTP
 *   socket closed). The attempt's signal carries its deadline (`deadlineOf`) for adapters to forward.
 *
 * Per-call state, deadlines on signals and the two cockatiel extensions live in ./resilience-call.ts.
 *
 * Cost (scripts/bench/resilience-overhead.ts, `npm run bench:resilience`): ~14 µs of CPU per successful call on
 * Node 20, about three quarters of it the per-attempt timeout — cockatiel builds an AbortController (~2-3 µs on
 * Node 20, plus its garbage), links it to the caller's signal, arms a timer and races the attempt — and the rest the
 * three outer policies (~3-4 µs together). Any per-attempt signal that the timeout can abort costs most of that.
 *
 * The call's deadline is the caller's (see `setDeadline`) or, when it set none, `callBudgetMs` (default
 * `timeoutMs`) from the start. So by default a timed-out attempt is never retried: a 6 s upstream answers 504 at
 * 5 s, not 15 s, while a fast transient failure still gets its retries inside the same 5 s.
 *
 * Failures leave as HttpProblem: open circuit → 503 + Retry-After (seconds until the probe; thrown at once,
 * no waiting); full bulkhead → 503 + Retry-After: 1; timeout → 504; transient failure after the last retry →
 * 503. A caller abort rethrows the caller's abort reason. Other errors pass through unchanged.
 *
 * Events, for metrics (all optional, called synchronously, exceptions swallowed):
 *   onBreakerStateChange(state)        'closed' | 'open' | 'half-open'
 *   onRetry(op, attempt, delayMs)      a retry is scheduled (attempt 1 = first retry)
 *   onGiveUp(op, reason)               a call failed after a retryable failure: 'exhausted' | 'deadline' | 'circuit-open'
 *   onTimeout(op)                      one attempt timed out
 *   onBulkheadRejected(op)             bulkhead and its queue were full
 *   onCall(op, outcome, seconds)       once per call: 'ok' | 'error' | 'timeout' | 'circuit_open' | 'rejected' | 'aborted'
 * `op` is the Backend method name (`listContacts`, `ping`, …).
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
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
} from 'cockatiel';
import type { IBackoffFactory } from 'cockatiel';
import type { Config } from '../config.js';
import { problems } from '../http/problem.js';
import { TransientBackendError } from './port.js';
import type { Backend } from './port.js';
import { setAttemptDeadline } from '../common/deadline.js';
import { AbortTolerantBreaker, AttemptFailure, Call, deadlineCapped, isAbortLike, type FailureKind, type RetryCtx } from './resilience-call.js';

/** The pipeline's numbers are the configuration's (`config.backend`, documented in the README). */
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
export type CallOutcome = 'ok' | 'error' | 'timeout' | 'circuit_open' | 'rejected' | 'aborted';
export type GiveUpReason = 'exhausted' | 'deadline' | 'circuit-open';

export interface ResilienceEvents {
  onBreakerStateChange?(state: CircuitStateName): void;
  onRetry?(op: string, attempt: number, delayMs: number): void;
  onGiveUp?(op: string, reason: GiveUpReason): void;
  onTimeout?(op: string): void;
  onBulkheadRejected?(op: string): void;
  onCall?(op: string, outcome: CallOutcome, seconds: number): void;
}

export interface BackendHealth {
  status: 'ok' | 'degraded' | 'down';
  latencyMs?: number;
  detail?: string;
}

export interface ResilientBackend extends Backend {
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
  const breaker = new AbortTolerantBreaker(opts.breakerConsecutiveFailures);
  const breakerPolicy = circuitBreaker(
    handleWhen((e) => e instanceof AttemptFailure && e.kind !== 'other'),
    { halfOpenAfter: opts.breakerHalfOpenAfterMs, breaker },
  );
  breaker.policy = breakerPolicy;
  // abortOnReturn: false — after a success there is nothing left to stop, and aborting costs ~20 µs a call.
  const timeoutOptions = { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false };
  const timeoutPolicy = timeout(opts.timeoutMs, timeoutOptions);

  let openUntil = 0;
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
  const retryAfterSeconds = () => Math.max(1, Math.ceil((openUntil - Date.now()) / 1000));

  async function attempt<T>(call: Call, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    call.attempts += 1;
    const startedAt = Date.now();
    // The attempt gets the full timeout unless the call's deadline is nearer.
    const ms = Math.min(opts.timeoutMs, call.deadline - startedAt);
    try {
      if (ms <= 0) throw new TaskCancelledError('deadline exceeded');
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
      throw new AttemptFailure(kind, call, err);
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
      return ['rejected', Object.assign(problems.serviceUnavailable(1, 'The data backend is at capacity; retry shortly.'), { cause: err })];
    }
    if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
      giveUp(call, 'circuit-open');
      return ['circuit_open', Object.assign(problems.serviceUnavailable(retryAfterSeconds()), { cause: err })];
    }
    const exhausted = call.attempts > opts.maxRetries ? 'exhausted' : 'deadline';
    // A TaskCancelledError out here: the deadline passed while the call waited in the bulkhead queue.
    if (err instanceof TaskCancelledError || (err instanceof AttemptFailure && err.kind === 'timeout')) {
      giveUp(call, exhausted);
      return ['timeout', Object.assign(problems.gatewayTimeout(), { cause: err instanceof AttemptFailure ? err.original : err })];
    }
    if (err instanceof AttemptFailure && err.kind === 'transient') {
      giveUp(call, exhausted);
      const wait = circuitState() === 'open' ? retryAfterSeconds() : 1;
      return ['error', Object.assign(problems.serviceUnavailable(wait), { cause: err.original })];
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
      // The policies nested by hand, as wrap() would (each passes the caller's signal on), minus its per-call objects.
      const work = bulkheadPolicy.execute(() => retryPolicy.execute(() => breakerPolicy.execute(() => attempt(call, fn), signal), signal), signal);
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
      const status = (err as { status?: number }).status;
      const detail = status === 504 ? 'ping timed out' : status === 503 ? 'ping failed: backend unavailable' : 'ping failed';
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
    listContacts: (t, f, p, s) => run('listContacts', s, (a) => inner.listContacts(t, f, p, a)),
    getContact: (t, id, s) => run('getContact', s, (a) => inner.getContact(t, id, a)),
    listJobs: (t, f, p, s) => run('listJobs', s, (a) => inner.listJobs(t, f, p, a)),
    getJob: (t, id, s) => run('getJob', s, (a) => inner.getJob(t, id, a)),
    listJobFiles: (t, j, p, s) => run('listJobFiles', s, (a) => inner.listJobFiles(t, j, p, a)),
    getJobFile: (t, j, f, s) => run('getJobFile', s, (a) => inner.getJobFile(t, j, f, a)),
    getFile: (t, f, s) => run('getFile', s, (a) => inner.getFile(t, f, a)),
    ownerOf: (k, id, s) => run('ownerOf', s, (a) => inner.ownerOf(k, id, a)),
    findApiKeyByHash: (h, s) => run('findApiKeyByHash', s, (a) => inner.findApiKeyByHash(h, a)),
    // Synchronous and I/O-free: passed through as is, no pipeline (absent when the adapter has none).
    ...(inner.apiKeysVersion ? { apiKeysVersion: inner.apiKeysVersion.bind(inner) } : {}),
    ping: (s) => run('ping', s, (a) => inner.ping(a)),
    close: () => inner.close(),
    circuitState,
    health,
  };
}
