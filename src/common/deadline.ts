/**
 * Deadlines that travel with AbortSignals: the app marks a request's signal with the time its backend work must
 * end, the resilience pipeline marks each attempt's signal, and adapters forward what is left
 * (`x-portal-deadline-ms`). A leaf module: the HTTP edge and the backend both import it, neither imports the
 * other for it.
 */

// A caller's deadline is a symbol-keyed property of its signal (set once per request). An attempt's deadline is
// kept beside its signal in a WeakMap instead, so the pipeline never changes the shape of a signal it did not make.
const DEADLINE = Symbol('portal.deadline');
type WithDeadline = AbortSignal & { [DEADLINE]?: number };
const attemptDeadlines = new WeakMap<AbortSignal, number>();

/** Marks `signal` with an absolute deadline (epoch ms). The app sets one on each request's signal. */
export function setDeadline(signal: AbortSignal, deadlineAt: number): void {
  (signal as WithDeadline)[DEADLINE] = deadlineAt;
}

/** The resilience pipeline's marking of an attempt's signal; read back by deadlineOf like setDeadline's. */
export function setAttemptDeadline(signal: AbortSignal, deadlineAt: number): void {
  attemptDeadlines.set(signal, deadlineAt);
}

/** The absolute deadline (epoch ms) carried by `signal`, if any. */
export function deadlineOf(signal: AbortSignal): number | undefined {
  return (signal as WithDeadline)[DEADLINE] ?? attemptDeadlines.get(signal);
}
