/**
 * The documented 429 of every operation, really produced: a server with a budget of 2 requests a minute per
 * limiter, each operation called until refused, the refusal judged against the spec's TooManyRequests response
 * (problem+json body, `Retry-After` in seconds within its schema, the RateLimit headers), and every answer before it
 * judged as usual. The conformance run raises the limits, so this is where 429 meets the contract.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discover, targetFor, type Discovery } from './support/discover.js';
import { send } from './support/http.js';
import { judge } from './support/run.js';
import { ACME_KEY, seededDataDir, startServer, type DataDir, type RunningServer } from './support/server.js';
import { loadSpec, operationsOf } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ops = operationsOf(loadSpec());
const LIMIT = 2;

let data: DataDir;
let found: Discovery;
const servers: RunningServer[] = [];

beforeAll(async () => {
  data = await seededDataDir();
  const open = await startServer({ dataDir: data.dir });
  servers.push(open);
  found = await discover(open.url, ops, ACME_KEY, 2);
}, 180_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  data?.remove();
});

describe.each(ops.map((op) => [op.operationId, op] as const))('%s', (_id, op) => {
  it(`answers the documented 429 once its budget of ${LIMIT} a minute is spent`, async () => {
    expect(op.responses.has('429')).toBe(true);
    // A server per operation: each has its own counters, so no operation spends another's budget.
    const server = await startServer({
      dataDir: data.dir,
      env: { PORTAL_RATE_LIMIT_PER_MINUTE: String(LIMIT), PORTAL_FILES_RATE_LIMIT_PER_MINUTE: String(LIMIT), PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
    servers.push(server);
    const b = found.bindings.get(op.operationId)?.[0] ?? { path: {}, query: {} };
    const headers: Record<string, string> = op.public ? {} : { Authorization: `Bearer ${ACME_KEY}` };
    const req = { method: op.method === 'head' ? ('HEAD' as const) : ('GET' as const), target: targetFor(op, b), headers };
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const answer = await send(server.url, req);
      statuses.push(answer.status);
      const sent = { ...req, answer };
      expect(judge(op, { kind: 'valid' }, sent), `${req.method} ${req.target} → ${answer.status}`).toEqual([]);
      if (answer.status === 429) {
        const retryAfter = Number(answer.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
        if (req.method === 'GET') expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ status: 429 });
      }
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
  });
});
