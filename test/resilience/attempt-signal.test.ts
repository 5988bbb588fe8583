/**
 * The AbortSignal each attempt hands the adapter, in process (withResilience around the in-memory Backend): its own
 * signal per attempt, carrying that attempt's deadline for deadlineOf (kept by the pipeline beside the signal, not
 * on it), never the caller's; aborted when the caller aborts or the attempt times out, and left alone after a
 * success. The socket-level tests (pipeline, propagation) see the same through the RPC client's deadline header.
 */
import { describe, expect, it } from 'vitest';
import type { HttpProblem } from '../../src/http/problem.js';
import { TransientBackendError } from '../../src/backend/port.js';
import { deadlineOf, setDeadline } from '../../src/common/deadline.js';
import { withResilience } from '../../src/backend/resilience.js';
import { CONTACTS, TENANT, createMemoryBackend, type MemoryBackend } from '../support/memory-backend.js';
import { FAST, failure } from './harness.js';

const ADA = CONTACTS[0]!;

interface Seen {
  signal: AbortSignal;
  deadline: number | undefined;
  at: number;
}

/** The memory backend, recording the signal and deadlineOf(signal) of every getContact attempt; failing the first `transient` ones. */
function recording(transient = 0): { store: MemoryBackend; seen: Seen[] } {
  const store = createMemoryBackend();
  const seen: Seen[] = [];
  const getContact = store.getContact.bind(store);
  store.getContact = (t, id, signal) => {
    seen.push({ signal, deadline: deadlineOf(signal), at: Date.now() });
    if (seen.length <= transient) return Promise.reject(new TransientBackendError('flaky'));
    return getContact(t, id, signal);
  };
  return { store, seen };
}

describe('the attempt signal', () => {
  it("is the attempt's own, carries the caller's nearer deadline, leaves the caller's signal as it was, and is not aborted after a success", async () => {
    const { store, seen } = recording();
    const resilient = withResilience(store, FAST);
    const caller = new AbortController();
    const callerDeadline = Date.now() + 400;
    setDeadline(caller.signal, callerDeadline);

    expect(await resilient.getContact(TENANT, ADA.id, caller.signal)).toEqual(ADA);
    expect(seen).toHaveLength(1);
    const [attempt] = seen;
    expect(attempt!.signal).not.toBe(caller.signal);
    expect(attempt!.deadline).toBe(callerDeadline); // 400 ms left is nearer than the 1 s attempt timeout
    expect(deadlineOf(attempt!.signal)).toBe(callerDeadline); // still readable after the attempt
    expect(deadlineOf(caller.signal)).toBe(callerDeadline);
    expect(Object.getOwnPropertySymbols(attempt!.signal)).toEqual(Object.getOwnPropertySymbols(new AbortController().signal));
    await new Promise((r) => setTimeout(r, 20));
    expect(attempt!.signal.aborted).toBe(false);
    expect(caller.signal.aborted).toBe(false);
  });

  it('without a caller deadline, each attempt (a retry too) gets a fresh signal and at most the attempt timeout from its start', async () => {
    const { store, seen } = recording(1);
    const resilient = withResilience(store, FAST);
    const started = Date.now();
    expect(await resilient.getContact(TENANT, ADA.id, new AbortController().signal)).toEqual(ADA);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.signal).not.toBe(seen[0]!.signal);
    for (const s of seen) {
      expect(s.deadline).toBeGreaterThan(s.at);
      expect(s.deadline).toBeLessThanOrEqual(s.at + FAST.timeoutMs);
      expect(s.deadline).toBeLessThanOrEqual(started + FAST.timeoutMs + 1); // the call's budget
    }
    // The retry ran later inside the same budget: its deadline is no later than the first attempt's.
    expect(seen[1]!.deadline).toBeLessThanOrEqual(seen[0]!.deadline!);
  });

  it("is aborted when the caller aborts mid-attempt, and the caller's reason is what the call throws", async () => {
    const { store, seen } = recording();
    store.delayMs = 2000;
    const resilient = withResilience(store, FAST);
    const caller = new AbortController();
    const reason = new Error('client closed the connection');
    setTimeout(() => caller.abort(reason), 50);
    const { error, ms } = await failure(() => resilient.getContact(TENANT, ADA.id, caller.signal));
    expect(error).toBe(reason);
    expect(ms).toBeLessThan(500);
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(store.aborted).toBe(1);
  });

  it('is aborted at the attempt timeout, and the call answers 504 at about that time', async () => {
    const { store, seen } = recording();
    store.delayMs = 2000;
    const resilient = withResilience(store, { ...FAST, timeoutMs: 200 });
    const { error, ms } = await failure(() => resilient.getContact(TENANT, ADA.id, new AbortController().signal));
    expect((error as HttpProblem).status).toBe(504);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(800);
    expect(seen).toHaveLength(1); // no time left for a retry inside the 200 ms budget
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(store.aborted).toBe(1);
  });
});
