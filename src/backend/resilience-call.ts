/**
 * The per-call parts of the resilience pipeline (src/backend/resilience.ts): the deadline a call carries on its
 * AbortSignal, the call's own state, how an attempt's failure is classified, and the two small cockatiel
 * extensions (a breaker that ignores caller aborts, a backoff capped by the deadline).
 */
import { CircuitState, ConsecutiveBreaker, TaskCancelledError } from 'cockatiel';
import type { CircuitBreakerPolicy, IBackoff, IBackoffFactory, IBreaker, IRetryBackoffContext } from 'cockatiel';

// ---- Deadlines travel with AbortSignals, so adapters can forward the time left (x-portal-deadline-ms). ----
const deadlines = new WeakMap<AbortSignal, number>();

/** Marks `signal` with an absolute deadline (epoch ms). The app may set one on the request's signal. */
export function setDeadline(signal: AbortSignal, deadlineAt: number): void {
  deadlines.set(signal, deadlineAt);
}

/** The absolute deadline (epoch ms) carried by `signal`; attempt signals from the pipeline always carry one. */
export function deadlineOf(signal: AbortSignal): number | undefined {
  return deadlines.get(signal);
}

/** One call's state: its deadline and an AbortSignal that fires on caller abort or at the deadline. */
export class Call {
  readonly ctrl = new AbortController();
  readonly deadline: number;
  attempts = 0;
  retryableFailures = 0;
  /**
   * Rejects when the call is aborted (caller or deadline) before its first attempt started: cockatiel's bulkhead
   * queue ignores signals, so without this a queued call would wait for a slot past its deadline. Once attempts
   * run, the timeout policy turns an abort into an immediate failure anyway.
   */
  readonly stoppedWhileQueued: Promise<never>;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = () => this.ctrl.abort(this.caller.reason);

  constructor(
    readonly op: string,
    readonly caller: AbortSignal,
    budgetMs: number,
  ) {
    const own = Date.now() + budgetMs;
    const outer = deadlineOf(caller);
    this.deadline = outer === undefined ? own : Math.min(own, outer);
    caller.addEventListener('abort', this.onCallerAbort, { once: true });
    const ctrl = this.ctrl;
    this.stoppedWhileQueued = new Promise<never>((_, reject) =>
      ctrl.signal.addEventListener('abort', () => (this.attempts === 0 ? reject(ctrl.signal.reason) : undefined), { once: true }),
    );
    this.stoppedWhileQueued.catch(() => {}); // observed by the race in run(); never an unhandled rejection
    this.timer = setTimeout(() => this.ctrl.abort(new TaskCancelledError('deadline exceeded')), Math.max(0, this.deadline - Date.now()));
  }

  remaining(): number {
    return this.deadline - Date.now();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
  }
}

export type FailureKind = 'transient' | 'timeout' | 'aborted' | 'other';

/** What one attempt threw, classified where the attempt's timing and the caller's signal are known. */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly call: Call,
    readonly original: unknown,
  ) {
    super(`backend attempt failed (${kind})`);
  }
}

/** A ConsecutiveBreaker that ignores caller aborts while closed (they say nothing about the backend's health). */
export class AbortTolerantBreaker implements IBreaker {
  policy?: CircuitBreakerPolicy;
  private readonly inner: ConsecutiveBreaker;
  constructor(threshold: number) {
    this.inner = new ConsecutiveBreaker(threshold);
  }
  get state(): unknown {
    return this.inner.state;
  }
  set state(v: unknown) {
    this.inner.state = v as number;
  }
  success(): void {
    this.inner.success();
  }
  failure(state: CircuitState): boolean {
    // lastFailure is set synchronously right before failure() is called, so it is this call's failure.
    const last = this.policy?.lastFailure;
    const aborted = last !== undefined && 'error' in last && last.error instanceof AttemptFailure && last.error.kind === 'aborted';
    if (aborted && state === CircuitState.Closed) return false;
    return this.inner.failure();
  }
}

export type RetryCtx = IRetryBackoffContext<unknown>;

/** Caps each jittered delay to half the call's remaining time, so a retry always has time left to run. */
export function deadlineCapped(factory: IBackoffFactory<RetryCtx>): IBackoffFactory<RetryCtx> {
  const cap = (b: IBackoff<RetryCtx>, ctx: RetryCtx): IBackoff<RetryCtx> => {
    const err = 'error' in ctx.result ? ctx.result.error : undefined;
    const remaining = err instanceof AttemptFailure ? err.call.remaining() : Number.POSITIVE_INFINITY;
    return { duration: Math.max(0, Math.min(b.duration, Math.floor(remaining / 2))), next: (c) => cap(b.next(c), c) };
  };
  return { next: (ctx) => cap(factory.next(ctx), ctx) };
}

export function isAbortLike(err: unknown): boolean {
  return err instanceof TaskCancelledError || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}
