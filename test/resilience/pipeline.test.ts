/**
 * Issue 4 "Done when", over real sockets: withResilience(RPC client) → fault proxy → real backend server →
 * in-memory store. Only the upstream's faults are simulated (by the proxy and a slow store); cockatiel is real.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/port.js';
import { HttpProblem } from '../../src/http/problem.js';
import { setDeadline } from '../../src/common/deadline.js';
import { RpcBackendError } from '../../src/backend/rpc/client.js';
import { API_KEY, API_KEY_HASH, CONTACTS, FILES, JOBS, OTHER_TENANT, TENANT, createMemoryBackend, type MemoryBackend } from '../support/memory-backend.js';
import { connect, failure, never, sleep, startServer, stopServer, until, type Tier } from './harness.js';

const ADA = CONTACTS[0]!;
let tier: Tier | undefined;
// One backend server for the file (its validator compiles once); a fresh proxy and pipeline per test.
const store: MemoryBackend = createMemoryBackend();
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer(store);
});
afterAll(async () => {
  await stopServer(server.server);
});

async function setup(opts: Parameters<typeof connect>[2] = {}, secret?: string): Promise<Tier> {
  store.delayMs = 0;
  store.calls = 0;
  store.aborted = 0;
  store.lastAbortReason = undefined;
  tier = await connect(server.url, store, opts, secret);
  return tier;
}

afterEach(async () => {
  await tier?.close();
  tier = undefined;
});

describe('retry', () => {
  it('one transient 503 → the call still succeeds after one retry', async () => {
    const t = await setup();
    t.proxy.nextFaults({ kind: 'status', status: 503 }, 1);
    const contact = await t.resilient.getContact(TENANT, ADA.id, never());
    expect(contact).toEqual(ADA);
    expect(t.proxy.seen.map((r) => r.fault)).toEqual(['status', 'pass']);
    expect(t.events.retries).toHaveLength(1);
    expect(t.events.retries[0]).toMatchObject({ op: 'getContact', attempt: 1 });
    expect(t.events.calls).toEqual([expect.objectContaining({ op: 'getContact', outcome: 'ok' })]);
  });

  it('a reset connection is retried too; a not-found is not', async () => {
    const t = await setup();
    t.proxy.nextFaults({ kind: 'reset' }, 1);
    expect(await t.resilient.getJob(TENANT, 'job_0000000000000000000404', never())).toBeNull();
    expect(t.proxy.seen).toHaveLength(2);
    expect(t.events.retries).toHaveLength(1);
  });

  it('gives up after maxRetries (3 attempts) with a 503, and never leaks the upstream body', async () => {
    const t = await setup();
    t.proxy.setFault({ kind: 'status', status: 500, body: 'SECRET-UPSTREAM-DETAIL: password=hunter2 at Db.query (/srv/db.js:42)' });
    const { error } = await failure(() => t.resilient.listContacts(TENANT, {}, { limit: 10 }, never()));
    expect(error).toBeInstanceOf(HttpProblem);
    expect((error as HttpProblem).status).toBe(503);
    expect((error as HttpProblem).headers['Retry-After']).toBe('1');
    expect(t.proxy.seen).toHaveLength(3);
    expect(t.events.giveUps).toEqual([{ op: 'listContacts', reason: 'exhausted' }]);
    const everything = JSON.stringify({ error, message: (error as Error).message, cause: String((error as Error).cause) });
    expect(everything).not.toMatch(/SECRET|hunter2|db\.js/);
  });

  it('a 429 is transient like a 5xx: retried, and the retry answers', async () => {
    const t = await setup();
    t.proxy.nextFaults({ kind: 'status', status: 429 }, 1);
    expect(await t.resilient.getContact(TENANT, ADA.id, never())).toEqual(ADA);
    expect(t.proxy.seen.map((r) => r.fault)).toEqual(['status', 'pass']);
  });

  it('only a 404 carrying the backend\'s not-found problem is a miss: another 404 is an error, a not-found body on a 5xx is transient', async () => {
    const t = await setup({ maxRetries: 0 });
    t.proxy.nextFaults({ kind: 'status', status: 404, body: '{"type":"https://backend.invalid/problems/not-found"}' }, 1);
    expect(await t.resilient.getContact(TENANT, ADA.id, never())).toBeNull();
    // A proxy's or a router's 404 page says nothing about the record: never "it does not exist".
    for (const body of ['Not Found', '{"type":"https://backend.invalid/problems/no-route"}', '{"type":404}', 'null']) {
      t.proxy.nextFaults({ kind: 'status', status: 404, body }, 1);
      const { error } = await failure(() => t.resilient.getContact(TENANT, ADA.id, never()));
      expect(error, body).toBeInstanceOf(RpcBackendError);
      expect((error as RpcBackendError).status).toBe(404);
    }
    t.proxy.nextFaults({ kind: 'status', status: 502, body: '{"type":"https://backend.invalid/problems/not-found"}' }, 1);
    const { error } = await failure(() => t.resilient.getContact(TENANT, ADA.id, never()));
    expect((error as HttpProblem).status).toBe(503);
  });

  it('a rejected secret is not transient: one attempt, no retry', async () => {
    const t = await setup({}, 'wrong-secret-wrong-secret-wrong-secret');
    const { error } = await failure(() => t.resilient.ping(never()));
    expect(error).toBeInstanceOf(RpcBackendError);
    expect((error as RpcBackendError).status).toBe(401);
    expect(t.proxy.seen).toHaveLength(1);
  });

  it('a retry delay never takes more than half the time the call has left', async () => {
    // Delays from 250 ms up to 5 s on their own, in calls with 600 ms left: the first is cut to half of what
    // remains (at most 300 ms), so a retry still runs before the deadline.
    const t = await setup({ retryBaseDelayMs: 250, retryMaxDelayMs: 5000, maxRetries: 1, timeoutMs: 3000, breakerConsecutiveFailures: 1000 });
    t.proxy.setFault({ kind: 'status', status: 503 });
    for (let i = 0; i < 5; i++) {
      const caller = new AbortController();
      const started = Date.now();
      setDeadline(caller.signal, started + 600);
      await failure(() => t.resilient.getContact(TENANT, ADA.id, caller.signal));
      expect(Date.now() - started).toBeLessThan(900);
    }
    expect(t.events.retries).toHaveLength(5);
    for (const r of t.events.retries) expect(r.delayMs).toBeLessThanOrEqual(300);
  });

  it('retry delays are jittered: distinct, spread out, within their bounds', async () => {
    const t = await setup({ retryBaseDelayMs: 20, retryMaxDelayMs: 200 });
    const calls = 40;
    for (let i = 0; i < calls; i++) {
      t.proxy.nextFaults({ kind: 'status', status: 503 }, 2);
      await t.resilient.getContact(TENANT, ADA.id, never());
    }
    const first = t.events.retries.filter((r) => r.attempt === 1).map((r) => r.delayMs);
    const second = t.events.retries.filter((r) => r.attempt === 2).map((r) => r.delayMs);
    expect(first).toHaveLength(calls);
    expect(second).toHaveLength(calls);
    const show = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const q = (p: number) => s[Math.floor(p * (s.length - 1))]!.toFixed(1);
      return `min ${q(0)} p25 ${q(0.25)} p50 ${q(0.5)} p75 ${q(0.75)} max ${q(1)} ms`;
    };
    console.log(`retry delays over ${calls} calls (base 20 ms, max 200 ms):\n  1st retry: ${show(first)}\n  2nd retry: ${show(second)}`);
    // Decorrelated jitter: 1st delay in [0, 2·tanh(2)/1.4 ≈ 1.38 × base); every delay ≤ maxDelay.
    for (const d of first) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(20 * 1.38);
    }
    for (const d of second) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(200);
    }
    expect(new Set(first.map((d) => d.toFixed(3))).size).toBeGreaterThanOrEqual(calls * 0.9);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(10);
    expect(Math.max(...second) - Math.min(...second)).toBeGreaterThan(10);
  });
});

describe('timeout', () => {
  it('upstream latency 3 s with a 1 s timeout → 504 at about 1 s, not retried, and the upstream request is closed', async () => {
    const t = await setup();
    t.proxy.setFault({ kind: 'latency', ms: 3000 });
    const closed = t.proxy.waitForClientClose(4000);
    const { error, ms } = await failure(() => t.resilient.getContact(TENANT, ADA.id, never()));
    expect(error).toBeInstanceOf(HttpProblem);
    expect((error as HttpProblem).status).toBe(504);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2000);
    expect(t.proxy.seen).toHaveLength(1);
    expect(t.events.timeouts).toEqual(['getContact']);
    expect(t.events.giveUps).toEqual([{ op: 'getContact', reason: 'deadline' }]);
    await closed; // the socket to the proxy was really closed: the abort left the process
  });

  it('a black-holed upstream → 504 at the timeout', async () => {
    const t = await setup();
    t.proxy.setFault({ kind: 'blackhole' });
    const { error, ms } = await failure(() => t.resilient.ping(never()));
    expect((error as HttpProblem).status).toBe(504);
    expect(ms).toBeLessThan(2000);
    await until(() => t.proxy.clientCloses >= 1, 2000, 'the proxy to see the client close');
  });

  it('a slow store: the deadline header reaches the backend server, which aborts the store call itself', async () => {
    const t = await setup();
    store.delayMs = 3000;
    const { error } = await failure(() => t.resilient.getContact(TENANT, ADA.id, never()));
    expect((error as HttpProblem).status).toBe(504);
    const deadline = Number(t.proxy.seen[0]!.headers['x-portal-deadline-ms']);
    expect(deadline).toBeGreaterThan(0);
    expect(deadline).toBeLessThanOrEqual(1000);
    await until(() => store.aborted === 1, 2000, 'the store call to be aborted');
  });

  it('the backend server answers 504 on its own when x-portal-deadline-ms runs out', async () => {
    const t = await setup();
    store.delayMs = 2000;
    const started = performance.now();
    const res = await fetch(`${t.serverUrl}/rpc/v1/ping`, { headers: { authorization: `Bearer ${'test-backend-secret-0123456789-abcdefghij'}`, 'x-portal-deadline-ms': '150' } });
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((store.lastAbortReason as Error).name).toBe('TimeoutError');
  });
});

describe('circuit breaker', () => {
  it('five consecutive failures open the circuit; the next call fails in < 5 ms with Retry-After; one probe closes it', async () => {
    const t = await setup({ maxRetries: 0, breakerHalfOpenAfterMs: 600 });
    t.proxy.setFault({ kind: 'status', status: 503 });
    for (let i = 0; i < 5; i++) {
      const { error } = await failure(() => t.resilient.getJob(TENANT, 'job_7hR2mK9pQ4xW1nV8bT3cZs', never()));
      expect((error as HttpProblem).status).toBe(503);
    }
    expect(t.resilient.circuitState()).toBe('open');
    expect(t.events.states).toEqual(['open']);
    const seenBefore = t.proxy.seen.length;

    const fast: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { error, ms } = await failure(() => t.resilient.getJob(TENANT, 'job_7hR2mK9pQ4xW1nV8bT3cZs', never()));
      fast.push(ms);
      expect(error).toBeInstanceOf(HttpProblem);
      expect((error as HttpProblem).status).toBe(503);
      const retryAfter = Number((error as HttpProblem).headers['Retry-After']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(1); // 600 ms until half-open, rounded up to whole seconds
    }
    console.log(`open-circuit rejections took ${fast.map((m) => m.toFixed(3)).join(', ')} ms`);
    expect([...fast].sort((a, b) => a - b)[1]).toBeLessThan(5);
    expect(t.proxy.seen.length).toBe(seenBefore); // nothing reached the upstream
    expect(t.events.calls.slice(-3).map((c) => c.outcome)).toEqual(['circuit_open', 'circuit_open', 'circuit_open']);

    t.proxy.setFault({ kind: 'pass' });
    await sleep(650);
    expect(t.resilient.circuitState()).toBe('half-open');
    expect(await t.resilient.getJob(TENANT, 'job_7hR2mK9pQ4xW1nV8bT3cZs', never())).toMatchObject({ id: 'job_7hR2mK9pQ4xW1nV8bT3cZs' });
    expect(t.proxy.seen.length).toBe(seenBefore + 1); // exactly one probe
    expect(t.resilient.circuitState()).toBe('closed');
    expect(t.events.states).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe reopens the circuit for another half-open delay', async () => {
    const t = await setup({ maxRetries: 0, breakerConsecutiveFailures: 2, breakerHalfOpenAfterMs: 300 });
    t.proxy.setFault({ kind: 'status', status: 502 });
    await failure(() => t.resilient.ping(never()));
    await failure(() => t.resilient.ping(never()));
    expect(t.resilient.circuitState()).toBe('open');
    await sleep(350);
    await failure(() => t.resilient.ping(never()));
    expect(t.resilient.circuitState()).toBe('open');
    expect(t.events.states).toEqual(['open', 'half-open', 'open']);
  });

  it('half-open still behaves with caller aborts kept out: a probe whose caller gives up re-opens the circuit, the next probe closes it', async () => {
    const t = await setup({ maxRetries: 0, breakerConsecutiveFailures: 2, breakerHalfOpenAfterMs: 300, timeoutMs: 5000 });
    t.proxy.setFault({ kind: 'status', status: 502 });
    await failure(() => t.resilient.ping(never()));
    await failure(() => t.resilient.ping(never()));
    expect(t.resilient.circuitState()).toBe('open');
    // The backend recovers but is slow; the probe's caller leaves before it answers.
    t.proxy.setFault({ kind: 'pass' });
    store.delayMs = 2000;
    await sleep(350);
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 30);
    const { error, ms } = await failure(() => t.resilient.ping(gone.signal));
    expect((error as Error).name).toBe('AbortError');
    expect(ms).toBeLessThan(1000);
    expect(t.resilient.circuitState()).toBe('open');
    expect(t.events.states).toEqual(['open', 'half-open', 'open']);
    // While open again, calls are refused at once, without reaching the backend.
    const seen = t.proxy.seen.length;
    expect(((await failure(() => t.resilient.ping(never()))).error as HttpProblem).status).toBe(503);
    expect(t.proxy.seen.length).toBe(seen);
    // The next probe, with a caller that waits, closes it.
    store.delayMs = 0;
    await sleep(350);
    await t.resilient.ping(never());
    expect(t.resilient.circuitState()).toBe('closed');
    expect(t.events.states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(t.events.calls.map((c) => c.outcome)).toEqual(['error', 'error', 'aborted', 'circuit_open', 'ok']);
  });

  it('client aborts do not count as failures', async () => {
    const t = await setup({ maxRetries: 0, breakerConsecutiveFailures: 2, timeoutMs: 5000 });
    store.delayMs = 2000;
    for (let i = 0; i < 3; i++) {
      const ctrl = new AbortController();
      setTimeout(() => ctrl.abort(), 30);
      const { error } = await failure(() => t.resilient.ping(ctrl.signal));
      expect((error as Error).name).toBe('AbortError');
    }
    expect(t.resilient.circuitState()).toBe('closed');
    expect(t.events.calls.map((c) => c.outcome)).toEqual(['aborted', 'aborted', 'aborted']);
  });
});

describe('bulkhead', () => {
  it('a full bulkhead answers 503 with Retry-After at once, without waiting', async () => {
    // The queued call must still fit in its own budget (deadline from its start): 2 × 800 ms < 3 s.
    const t = await setup({ bulkheadConcurrency: 1, bulkheadQueue: 1, timeoutMs: 3000 });
    store.delayMs = 800;
    const running = t.resilient.ping(never());
    const queued = t.resilient.ping(never());
    const { error, ms } = await failure(() => t.resilient.ping(never()));
    expect((error as HttpProblem).status).toBe(503);
    expect((error as HttpProblem).headers['Retry-After']).toBe('1');
    expect(ms).toBeLessThan(300);
    expect(t.events.rejected).toEqual(['ping']);
    await Promise.all([running, queued]);
  });

  it('a call waiting in the bulkhead queue stops waiting at its deadline (504) or when its caller aborts', async () => {
    const t = await setup({ bulkheadConcurrency: 1, bulkheadQueue: 4, timeoutMs: 3000 });
    store.delayMs = 2500;
    const running = t.resilient.ping(never());
    const short = new AbortController();
    setDeadline(short.signal, Date.now() + 150);
    const late = await failure(() => t.resilient.ping(short.signal));
    expect((late.error as HttpProblem).status).toBe(504);
    expect(late.ms).toBeLessThan(1200);
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 100);
    const aborted = await failure(() => t.resilient.ping(gone.signal));
    expect((aborted.error as Error).name).toBe('AbortError');
    expect(aborted.ms).toBeLessThan(1200);
    await running;
    expect(t.proxy.seen).toHaveLength(1); // neither queued call ever went upstream
  });
});

describe('client abort', () => {
  it('an aborted caller gets its abort back at once, and the backend server sees the close and aborts the store call', async () => {
    const t = await setup({ timeoutMs: 10_000 });
    store.delayMs = 5000;
    const ctrl = new AbortController();
    const closed = t.proxy.waitForClientClose(3000);
    setTimeout(() => ctrl.abort(), 150);
    const { error, ms } = await failure(() => t.resilient.listJobs(TENANT, {}, { limit: 25 }, ctrl.signal));
    expect((error as Error).name).toBe('AbortError');
    expect(ms).toBeLessThan(1000);
    await closed;
    await until(() => store.aborted === 1, 3000, 'the store call to be aborted');
    expect(String((store.lastAbortReason as Error).message)).toMatch(/closed the connection/);
    expect(t.proxy.seen).toHaveLength(1);
  });
});

describe('health', () => {
  it('ok, degraded when slow, down while open, degraded once while half-open', async () => {
    const t = await setup({ maxRetries: 0, breakerConsecutiveFailures: 1, breakerHalfOpenAfterMs: 400, timeoutMs: 2000, slowThresholdMs: 400 });
    expect(await t.resilient.health(never())).toMatchObject({ status: 'ok' });
    store.delayMs = 800;
    expect(await t.resilient.health(never())).toMatchObject({ status: 'degraded', detail: expect.stringMatching(/slow/) });
    store.delayMs = 0;
    t.proxy.setFault({ kind: 'status', status: 503 });
    expect(await t.resilient.health(never())).toMatchObject({ status: 'down', detail: 'circuit open' });
    const { ms } = await (async () => {
      const s = performance.now();
      const h = await t.resilient.health(never());
      expect(h).toEqual({ status: 'down', detail: 'circuit open' });
      return { ms: performance.now() - s };
    })();
    expect(ms).toBeLessThan(50);
    t.proxy.setFault({ kind: 'pass' });
    await sleep(450);
    expect(await t.resilient.health(never())).toMatchObject({ status: 'degraded', detail: 'circuit half-open' });
    expect(await t.resilient.health(never())).toMatchObject({ status: 'ok' });
  });
});

describe('a 200 whose body is not the contract\'s', () => {
  // The same faults as test/resilience/backend-process.test.ts, here for every call of the port and every part of
  // the shape the client checks: always a 503 (the tier failing), never data, a miss (404) or an unknown key (401).
  const FILE = FILES[0]!;
  const page = { limit: 5 };
  const calls: [keyof Backend, RegExp, (b: Backend) => Promise<unknown>][] = [
    ['getContact', /\/contacts\/con_/, (b) => b.getContact(TENANT, ADA.id, never())],
    ['listContacts', /\/contacts\?/, (b) => b.listContacts(TENANT, {}, page, never())],
    ['getJob', /\/jobs\/job_[^/]+$/, (b) => b.getJob(TENANT, JOBS[0]!.id, never())],
    ['listJobs', /\/jobs\?/, (b) => b.listJobs(TENANT, {}, page, never())],
    ['listJobFiles', /\/files\?/, (b) => b.listJobFiles(TENANT, FILE.jobId, page, never())],
    ['getJobFile', /\/jobs\/job_[^/]+\/files\/fil_/, (b) => b.getJobFile(TENANT, FILE.jobId, FILE.id, never())],
    ['getFile', /\/tenants\/[^/]+\/files\/fil_/, (b) => b.getFile(TENANT, FILE.id, never())],
    ['ownerOf', /\/owners\//, (b) => b.ownerOf('file', FILE.id, never())],
    ['findApiKeyByHash', /\/api-keys\//, (b) => b.findApiKeyByHash(API_KEY_HASH, never())],
    ['ping', /\/ping/, (b) => b.ping(never())],
  ];
  const anyCall = ['not JSON', 'null', '[]', '"ok"', '{"unexpected":true}', ''];
  const byShape: Record<string, string[]> = {
    record: [...anyCall, '{"id":42}'],
    page: [
      ...anyCall,
      '{"items":{},"next":null}',
      '{"items":[{"name":"no id"}],"next":null}',
      '{"items":[],"next":"opaque"}',
      '{"items":[],"next":{"id":"con_x"}}',
      '{"items":[],"next":{"createdAt":"2025-01-01T00:00:00.000Z"}}',
      '{"items":[],"next":{"createdAt":"2025-01-01T00:00:00.000Z","id":7}}',
      '{"items":[]}',
    ],
    owner: [...anyCall, '{"tenantId":7}'],
    ping: ['not JSON', 'null', '[]', '"ok"', ''],
  };
  const shapeOf = (op: string) => (op.startsWith('list') ? 'page' : op === 'ownerOf' ? 'owner' : op === 'ping' ? 'ping' : 'record');

  it.each(calls)('%s → 503 for every body that is not its shape', async (op, only, call) => {
    for (const body of byShape[shapeOf(op)]!) {
      const t = await setup({ maxRetries: 0 });
      t.proxy.setFault({ kind: 'malformed', body, only });
      const { error } = await failure(() => call(t.resilient));
      expect(error, `${op} ← ${JSON.stringify(body)}`).toBeInstanceOf(HttpProblem);
      expect((error as HttpProblem).status, `${op} ← ${JSON.stringify(body)}`).toBe(503);
      expect(t.proxy.seen.map((r) => r.fault)).toContain('malformed');
      await t.close();
      tier = undefined;
    }
    // The same call through a clean proxy answers.
    const t = await setup();
    await expect(call(t.resilient)).resolves.not.toBeNull();
  });
});

describe('through the RPC tier, every call of the port is the store\'s own', () => {
  // The store behind a backend server of its own, recording what each call receives (the signal left out): the
  // client must send every argument the store gets and hand back exactly what the store answered.
  const USAGE = [{ period: '2025-09-01', operationId: 'listContacts', statusClasses: { '2xx': 6, '3xx': 0, '4xx': 1, '5xx': 0 }, rateLimited: 1, bytes: 0 }];
  const inner = createMemoryBackend();
  const received: [string, ...unknown[]][] = [];
  const recording = new Proxy(
    { ...inner, getUsage: async () => USAGE } as Backend,
    {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || prop === 'close') return value;
        return (...args: unknown[]) => {
          received.push([String(prop), ...args.slice(0, -1)]);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    },
  );
  let own: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    own = await startServer(recording);
  });
  afterAll(async () => {
    await stopServer(own.server);
  });

  /** The call through the tier, and the one the store received. */
  async function through<T>(call: (b: Backend) => Promise<T>): Promise<{ answer: T; sent: unknown[] }> {
    const t = await connect(own.url, recording);
    try {
      received.length = 0;
      const answer = await call(t.resilient);
      const calls = received.filter(([op]) => op !== 'apiKeysVersion');
      expect(calls).toHaveLength(1);
      return { answer, sent: calls[0]! };
    } finally {
      await t.close();
    }
  }

  it('reads: the arguments arrive as sent (filters, page size and keyset) and the answers come back as the store gave them', async () => {
    const FILE = FILES[0]!;
    const after = { createdAt: CONTACTS[0]!.createdAt, id: CONTACTS[0]!.id };
    const afterJob = { createdAt: '2025-09-03T00:00:00.000Z', id: 'job_zzzzzzzzzzzzzzzzzzzzzz' };
    const since = '2025-01-01T00:00:00.000Z';
    const cases: [(b: Backend) => Promise<unknown>, unknown[], unknown][] = [
      [(b) => b.listContacts(TENANT, { q: 'a', updatedSince: since }, { limit: 1, after }, never()), ['listContacts', TENANT, { q: 'a', updatedSince: since }, { limit: 1, after }], await inner.listContacts(TENANT, { q: 'a' }, { limit: 1, after }, never())],
      [(b) => b.listContacts(TENANT, {}, { limit: 2 }, never()), ['listContacts', TENANT, {}, { limit: 2 }], await inner.listContacts(TENANT, {}, { limit: 2 }, never())],
      [(b) => b.getContact(TENANT, ADA.id, never()), ['getContact', TENANT, ADA.id], ADA],
      [(b) => b.listJobs(TENANT, { status: 'succeeded', contactId: ADA.id, updatedSince: since }, { limit: 3, after: afterJob }, never()), ['listJobs', TENANT, { status: 'succeeded', contactId: ADA.id, updatedSince: since }, { limit: 3, after: afterJob }], await inner.listJobs(TENANT, {}, { limit: 3, after: afterJob }, never())],
      [(b) => b.getJob(TENANT, JOBS[0]!.id, never()), ['getJob', TENANT, JOBS[0]!.id], JOBS[0]],
      [(b) => b.listJobFiles(TENANT, FILE.jobId, { limit: 4 }, never()), ['listJobFiles', TENANT, FILE.jobId, { limit: 4 }], { items: [FILE], next: null }],
      [(b) => b.getJobFile(TENANT, FILE.jobId, FILE.id, never()), ['getJobFile', TENANT, FILE.jobId, FILE.id], FILE],
      [(b) => b.getFile(TENANT, FILE.id, never()), ['getFile', TENANT, FILE.id], FILE],
      [(b) => b.ownerOf('job', JOBS[0]!.id, never()), ['ownerOf', 'job', JOBS[0]!.id], TENANT],
      [(b) => b.findApiKeyByHash(API_KEY_HASH, never()), ['findApiKeyByHash', API_KEY_HASH], API_KEY],
      [(b) => b.getUsage(TENANT, { from: '2025-09-01', to: '2025-09-30', granularity: 'month' }, never()), ['getUsage', TENANT, { from: '2025-09-01', to: '2025-09-30', granularity: 'month' }], USAGE],
      [(b) => b.ping(never()), ['ping'], undefined],
    ];
    for (const [call, sent, answer] of cases) {
      const got = await through(call).catch((e: unknown) => {
        throw new Error(`${String(sent[0])}: ${String(e)}`);
      });
      expect(got.sent, String(sent[0])).toEqual(sent);
      expect(got.answer, String(sent[0])).toEqual(answer);
    }
    // A page with more to come carries its keyset; a listing of the next page with it continues after it.
    const first = await through((b) => b.listContacts(TENANT, {}, { limit: 1 }, never()));
    expect(first.answer.next).toEqual({ createdAt: CONTACTS[0]!.createdAt, id: CONTACTS[0]!.id });
  });

  it('misses: a not-found answer is null, for each call whose port allows one', async () => {
    const unknown = 'fil_0000000000000000000000';
    expect((await through((b) => b.getContact(TENANT, 'con_0000000000000000000000', never()))).answer).toBeNull();
    expect((await through((b) => b.getFile(OTHER_TENANT, FILES[0]!.id, never()))).answer).toBeNull();
    expect((await through((b) => b.listJobFiles(TENANT, 'job_0000000000000000000000', { limit: 1 }, never()))).answer).toBeNull();
    expect((await through((b) => b.ownerOf('file', unknown, never()))).answer).toBeNull();
    expect((await through((b) => b.findApiKeyByHash('b'.repeat(64), never()))).answer).toBeNull();
  });

  it('recordUsage sends the increments once, and sends nothing for none', async () => {
    const increments = [{ tenantId: TENANT, day: '2025-09-02', operationId: 'getContact', statusClass: '4xx' as const, requests: 3, rateLimited: 0, bytes: 12 }];
    const got = await through((b) => b.recordUsage(increments, never()));
    expect(got.sent).toEqual(['recordUsage', increments]);
    const t = await connect(own.url, recording);
    try {
      received.length = 0;
      await t.resilient.recordUsage([], never());
      expect(received.filter(([op]) => op === 'recordUsage')).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
