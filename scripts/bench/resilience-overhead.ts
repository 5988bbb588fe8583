/**
 * `tsx scripts/bench/resilience-overhead.ts [--calls 20000] [--rounds 8] [--concurrency 1] [--no-events] [--no-als]
 * [--module path/to/resilience.ts]`: the
 * per-call CPU cost of the backend resilience pipeline (src/backend/resilience.ts) on its success path — closed
 * circuit, free bulkhead, a call that succeeds. In one process it times `--calls` calls of a trivial async adapter
 * method (getContact, answering at once) made directly and through withResilience around the same adapter, in
 * alternating rounds, and prints CPU µs/call for both, the difference (the pipeline's overhead) and their ratio.
 * CPU time (process.cpuUsage) rather than wall time, so other load on a shared machine skews it less.
 *
 * Each call gets its own AbortController with a deadline, as a request does (src/http/request-context.ts); the
 * direct loop pays for it too, so it cancels out. The events hooks are set as in production (onCall on every call)
 * but record into plain counters, so the metrics library's own cost is not counted. `--concurrency C` keeps C calls
 * in flight at once. Every 64 calls the loop yields to the event loop, so timers created and cleared by the
 * pipeline are paid for as in a server. Calls run inside an AsyncLocalStorage context as requests do (`--no-als` to
 * leave it out).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ApiKeyRecord, Backend, ContactRecord, FileRecord, JobRecord, Page } from '../../src/backend/port.js';
import { setDeadline } from '../../src/common/deadline.js';
import type * as Resilience from '../../src/backend/resilience.js';
import type { ResilienceOptions } from '../../src/backend/resilience.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '1' },
    'no-events': { type: 'boolean', default: false },
    'no-als': { type: 'boolean', default: false },
    module: { type: 'string' },
  },
});
// --module PATH: measure another copy of the pipeline (e.g. the previous version, for a before/after in one run).
const impl = (await import(values.module ? pathToFileURL(path.resolve(values.module)).href : '../../src/backend/resilience.js')) as typeof Resilience;
const { withResilience } = impl;
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const concurrency = Math.max(1, Number(values.concurrency));

const CONTACT: ContactRecord = { id: 'con_4k9Qx2VbN7mT1pLs8ZrY3a', name: 'Ada Lovelace', email: 'ada@acme.example', phone: null, company: null, role: null, createdAt: '2025-08-14T09:12:44.000Z', updatedAt: '2025-09-01T16:03:10.000Z' };
const EMPTY = { data: [], nextCursor: null } as unknown as Page<never>;
let sink = 0; // the adapter touches its signal, as a real one does (it forwards it to the driver)
const adapter: Backend = {
  name: 'bench',
  listContacts: async (_t, _f, _p, s) => ((sink += s.aborted ? 1 : 0), EMPTY as Page<ContactRecord>),
  getContact: async (_t, _id, s) => ((sink += s.aborted ? 1 : 0), CONTACT),
  listJobs: async () => EMPTY as Page<JobRecord>,
  getJob: async () => null,
  listJobFiles: async () => EMPTY as Page<FileRecord>,
  getJobFile: async () => null,
  getFile: async () => null,
  ownerOf: async () => null,
  findApiKeyByHash: async (): Promise<ApiKeyRecord | null> => null,
  getUsage: async () => [],
  recordUsage: async () => {},
  ping: async () => {},
  close: async () => {},
};

// The production defaults (config.ts).
const opts: ResilienceOptions = {
  timeoutMs: 5000,
  maxRetries: 2,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 1000,
  breakerConsecutiveFailures: 5,
  breakerHalfOpenAfterMs: 10_000,
  bulkheadConcurrency: 64,
  bulkheadQueue: 256,
  slowThresholdMs: 1000,
};
const counts = { ok: 0, other: 0 };
const resilient = withResilience(
  adapter,
  opts,
  values['no-events']
    ? {}
    : {
        onCall: (_op, outcome) => (outcome === 'ok' ? counts.ok++ : counts.other++),
        onRetry: () => counts.other++,
        onTimeout: () => counts.other++,
        onBulkheadRejected: () => counts.other++,
        onBreakerStateChange: () => counts.other++,
      },
);

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

// Production runs every request inside the trace context's AsyncLocalStorage (src/observability/trace.ts, also in
// light mode), which on Node 20 turns on promise hooks: every promise the pipeline creates costs more there.
const als = values['no-als'] ? undefined : new AsyncLocalStorage<{ traceId: string }>();

async function one(b: Backend): Promise<void> {
  if (als) return als.run({ traceId: 'bench' }, call, b);
  return call(b);
}

async function call(b: Backend): Promise<void> {
  const ctrl = new AbortController();
  setDeadline(ctrl.signal, Date.now() + 5000);
  const c = await b.getContact('ten_acme', CONTACT.id, ctrl.signal);
  if (c !== CONTACT) throw new Error('wrong answer');
}

/** CPU µs per call (this process's user + system time) for `n` calls through `b`. */
async function time(b: Backend, n: number): Promise<number> {
  const started = process.cpuUsage();
  if (concurrency === 1) {
    for (let i = 0; i < n; i++) {
      await one(b);
      if ((i & 63) === 63) await yieldToLoop();
    }
  } else {
    const batch: Promise<void>[] = [];
    for (let i = 0; i < n; i += concurrency) {
      batch.length = 0;
      for (let j = 0; j < concurrency; j++) batch.push(one(b));
      await Promise.all(batch);
      if (((i / concurrency) & 7) === 7) await yieldToLoop();
    }
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f = (x: number) => x.toFixed(2).padStart(7);

// Warm-up: both paths optimised by the JIT before anything is timed.
await time(adapter, 5000);
await time(resilient, 5000);
counts.ok = 0;

const direct: number[] = [];
const through: number[] = [];
console.log(
  `resilience overhead, CPU µs per call: ${rounds} rounds × ${calls} calls, concurrency ${concurrency}, events ${values['no-events'] ? 'off' : 'on'}, ` +
    `AsyncLocalStorage ${als ? 'on' : 'off'} (Node ${process.version})`,
);
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first, so drift on a shared machine hits both alike.
  const order: [Backend, number[]][] = r % 2 ? [[resilient, through], [adapter, direct]] : [[adapter, direct], [resilient, through]];
  for (const [b, out] of order) out.push(await time(b, calls));
  const d = direct.at(-1)!;
  const t = through.at(-1)!;
  console.log(`  round ${r + 1}: direct ${f(d)}   resilient ${f(t)}   overhead ${f(t - d)}   ratio ${(t / d).toFixed(2)}`);
}
const overheads = direct.map((d, i) => through[i]! - d);
const d = median(direct);
const t = median(through);
console.log(`median:   direct ${f(d)}   resilient ${f(t)}   overhead ${f(median(overheads))}   ratio ${(t / d).toFixed(2)}   (CPU µs per call)`);
if (!values['no-events'] && (counts.other !== 0 || counts.ok !== rounds * calls)) {
  throw new Error(`unexpected events: ${JSON.stringify(counts)} (expected ${rounds * calls} ok calls)`);
}
if (sink !== 0) throw new Error('a signal was aborted');
