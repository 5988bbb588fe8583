/**
 * The two tiers over real sockets: withResilience(RPC client) → fault proxy → backend server → a Backend.
 * Test options are the production defaults scaled down (timeout 1 s instead of 5 s) so suites stay fast while
 * leaving room for a loaded 2-core CI machine;
 * one test (default-timeout.test.ts) runs the real 5 s default.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../../src/backend/port.js';
import { withResilience } from '../../src/backend/resilience.js';
import type { CallOutcome, CircuitStateName, GiveUpReason, ResilienceOptions, ResilientBackend } from '../../src/backend/resilience.js';
import { createRpcBackend } from '../../src/backend/rpc/client.js';
import { createBackendServer } from '../../src/backend-service/server.js';
import { backendProblem } from '../../src/http/errors.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

export const SECRET = 'test-backend-secret-0123456789-abcdefghij';

export const FAST: ResilienceOptions = {
  timeoutMs: 1000,
  maxRetries: 2,
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 200,
  breakerConsecutiveFailures: 5,
  breakerHalfOpenAfterMs: 500,
  bulkheadConcurrency: 8,
  bulkheadQueue: 8,
  slowThresholdMs: 200,
};

export interface Recorded {
  states: CircuitStateName[];
  retries: { op: string; attempt: number; delayMs: number }[];
  giveUps: { op: string; reason: GiveUpReason }[];
  timeouts: string[];
  rejected: string[];
  calls: { op: string; outcome: CallOutcome; seconds: number }[];
}

export interface Tier {
  backend: Backend;
  proxy: FaultProxy;
  serverUrl: string;
  resilient: ResilientBackend;
  events: Recorded;
  close(): Promise<void>;
}

export async function startServer(backend: Backend, secret = SECRET): Promise<{ url: string; server: Server }> {
  const app = createBackendServer({ backend, secret, validateResponses: true });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The validator compiles each route's schemas on its first request (70–250 ms here): warm every route so the
  // tests' short timeouts measure the pipeline, not the first compile.
  const t = 'ten_warmup';
  const [c, j, f] = ['con', 'job', 'fil'].map((p) => `${p}_${'0'.repeat(22)}`);
  const paths = [
    '/rpc/v1/ping',
    `/rpc/v1/tenants/${t}/contacts?limit=1`,
    `/rpc/v1/tenants/${t}/contacts/${c}`,
    `/rpc/v1/tenants/${t}/jobs?limit=1`,
    `/rpc/v1/tenants/${t}/jobs/${j}`,
    `/rpc/v1/tenants/${t}/jobs/${j}/files?limit=1`,
    `/rpc/v1/tenants/${t}/jobs/${j}/files/${f}`,
    `/rpc/v1/tenants/${t}/files/${f}`,
    `/rpc/v1/owners/file/${f}`,
    `/rpc/v1/api-keys/${'0'.repeat(64)}`,
  ];
  for (const p of paths) await (await fetch(url + p, { headers: { authorization: `Bearer ${secret}` } })).arrayBuffer();
  return { url, server };
}

/** A fault proxy in front of a running backend server, and the portal side's resilient RPC client through it. */
export async function connect(serverUrl: string, backend: Backend, opts: Partial<ResilienceOptions> = {}, clientSecret = SECRET): Promise<Tier> {
  const proxy = await startFaultProxy(serverUrl);
  const events: Recorded = { states: [], retries: [], giveUps: [], timeouts: [], rejected: [], calls: [] };
  const resilient = withResilience(createRpcBackend({ url: proxy.url, secret: clientSecret }), { ...FAST, ...opts }, {
    onBreakerStateChange: (s) => events.states.push(s),
    onRetry: (op, attempt, delayMs) => events.retries.push({ op, attempt, delayMs }),
    onGiveUp: (op, reason) => events.giveUps.push({ op, reason }),
    onTimeout: (op) => events.timeouts.push(op),
    onBulkheadRejected: (op) => events.rejected.push(op),
    onCall: (op, outcome, seconds) => events.calls.push({ op, outcome, seconds }),
  });
  return { backend, proxy, serverUrl, resilient, events, close: () => proxy.close() };
}

/** A backend server for `backend`, plus connect(); close() stops both. */
export async function startTier(backend: Backend, opts: Partial<ResilienceOptions> = {}, clientSecret = SECRET): Promise<Tier> {
  const { url: serverUrl, server } = await startServer(backend);
  const tier = await connect(serverUrl, backend, opts, clientSecret);
  return {
    ...tier,
    close: async () => {
      await tier.close();
      await stopServer(server);
    },
  };
}

export async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Runs `fn`, returning what it threw (or failing the test when it did not throw) and how long it took. A failure
 * of the backend (src/backend/port.ts) is returned as the problem the HTTP edge answers it with: what a client sees.
 */
export async function failure(fn: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await fn();
  } catch (error) {
    return { error: backendProblem(error) ?? error, ms: performance.now() - started };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const never = () => new AbortController().signal;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
