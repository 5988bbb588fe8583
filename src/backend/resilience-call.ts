/**
 * The per-call parts of the resilience pipeline (src/backend/resilience.ts): the call's own state (its deadline
 * from src/common/deadline.ts), how an attempt's failure is classified, and a backoff capped by the deadline.
 */
import { TaskCancelledError } from 'cockatiel';
import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { deadlineOf } from '../common/deadline.js';

/**
 * One call's state: its deadline (the caller's, or the budget from now) and what its attempts did. No
 * AbortController or timer of its own unless it has to wait in the bulkhead queue.
 */
export class Call {
  readonly deadline: number;
  attempts = 0;
  retryableFailures = 0;

  constructor(
    readonly op: string,
    readonly caller: AbortSignal,
    budgetMs: number,
  ) {
    const own = Date.now() + budgetMs;
    const outer = deadlineOf(caller);
    this.deadline = outer === undefined ? own : Math.min(own, outer);
  }

  remaining(): number {
    return this.deadline - Date.now();
  }

  /**
   * For a call about to wait in the bulkhead queue (cockatiel's queue does not watch signals): rejects at the deadline
   * or when the caller aborts, as long as no attempt has started — from then on the attempt's timeout governs.
   */
  stopWaiting(): { promise: Promise<never>; dispose: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const promise = new Promise<never>((_, reject) => {
      onAbort = () => (this.attempts === 0 ? reject(this.caller.reason) : undefined);
      this.caller.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => (this.attempts === 0 ? reject(new TaskCancelledError('deadline exceeded in the bulkhead queue')) : undefined), Math.max(0, this.remaining()));
    });
    promise.catch(() => {}); // observed by the race in run(); never an unhandled rejection
    return {
      promise,
      dispose: () => {
        clearTimeout(timer);
        if (onAbort) this.caller.removeEventListener('abort', onAbort);
      },
    };
  }
}

export type FailureKind = 'transient' | 'timeout' | 'aborted' | 'other';

/** What one attempt threw, classified where the attempt's timing and the caller's signal are known. */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly call: Call,
    readonly original: unknown,
    /** The attempt was the circuit's half-open probe. */
    readonly probe: boolean,
  ) {
    super(`backend attempt failed (${kind})`);
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
