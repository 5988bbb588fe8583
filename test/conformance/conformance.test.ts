/**
 * The contract keeps the implementation honest: for every operation in generated/openapi.json, generated valid
 * and invalid requests against a real listening server with the demo data and a real API key. Cases come from
 * the parameter schemas alone (support/cases.ts); answers are judged against the documented responses
 * (support/check.ts, support/run.ts).
 *
 * Budget: CONFORMANCE_RUNS cases per operation (default 300: a third valid, the rest invalid), plus the requests
 * that fetch real cursors and ETags. Seed: FC_SEED (printed at the start; a failure prints it with the replay
 * path and the raw request).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discover, type Discovery } from './support/discover.js';
import { enc, send, type RawRequest } from './support/http.js';
import { boundaryCases, realValuesFor, verdict, type Case } from './support/cases.js';
import { checkOperation, count, judge, runCase, type RunContext, type Sent } from './support/run.js';
import { ACME_KEY, seededDataDir, startServer, type DataDir, type RunningServer } from './support/server.js';
import { ROOT, fillPath, loadSpec, operationsOf, type Operation } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer`);
  return Number(raw);
}
const RUNS = Math.max(3, intFromEnv('CONFORMANCE_RUNS', 300));
const SEED = intFromEnv('FC_SEED', (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);
const ops = operationsOf(loadSpec());

let data: DataDir;
let server: RunningServer;
let found: Discovery;
const ctx: RunContext = { url: '', token: ACME_KEY, counts: new Map(), statuses: new Map() };

beforeAll(async () => {
  console.log(`conformance: FC_SEED=${SEED} CONFORMANCE_RUNS=${RUNS} (replay a failure with FC_SEED=${SEED})`);
  data = await seededDataDir();
  server = await startServer({ dataDir: data.dir });
  ctx.url = server.url;
  found = await discover(server.url, ops, ACME_KEY);
}, 180_000);

afterAll(async () => {
  await server?.close();
  data?.remove();
  if (ctx.counts.size === 0) return;
  const rows = [...ctx.counts].map(([op, byLabel]) => {
    const seen = ctx.statuses?.get(op) ?? new Map<number, number>();
    const documented = [...(ops.find((o) => o.operationId === op)?.responses.keys() ?? [])];
    return {
      op,
      total: [...byLabel.values()].reduce((a, b) => a + b, 0),
      byLabel: Object.fromEntries(byLabel),
      statuses: Object.fromEntries([...seen].sort(([a], [b]) => a - b)),
      documentedNotSeen: documented.filter((s) => !seen.has(Number(s))),
    };
  });
  const total = rows.reduce((a, r) => a + r.total, 0);
  console.log(
    `conformance cases per operation (seed ${SEED}, discovery ${found?.requests ?? 0} requests):\n` +
      rows
        .map(
          (r) =>
            `  ${r.op.padEnd(18)} ${String(r.total).padStart(5)}  ${Object.entries(r.byLabel).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
            `  ${''.padEnd(24)} statuses ${Object.entries(r.statuses).map(([k, v]) => `${k}×${v}`).join(' ')}; documented, not produced here: ${r.documentedNotSeen.join(' ') || 'none'}`,
        )
        .join('\n') +
      `\n  ${'total'.padEnd(18)} ${String(total).padStart(5)}`,
  );
  const dir = path.join(ROOT, 'reports/conformance');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'cases.json'), JSON.stringify({ seed: SEED, runsPerOperation: RUNS, total, operations: rows }, null, 2) + '\n');
});

describe('every operation of the contract', () => {
  it('is found by the discovery crawl with real values for its required parameters', () => {
    for (const op of ops) {
      const needs = op.parameters.some((p) => p.required);
      if (needs) expect(found.bindings.get(op.operationId)?.length ?? 0, `${op.operationId}: no real binding found`).toBeGreaterThan(0);
    }
  });

  for (const op of ops) {
    describe(op.operationId, () => {
      const inputs = () => ({ op, bindings: found.bindings.get(op.operationId) ?? [], realValues: realValuesFor(op, found.records) });
      it('boundary values (each enum value, min/max, shortest/longest strings, real ids, cursors, ETags) get a documented answer', async () => {
        const failures: string[] = [];
        for (const c of boundaryCases(inputs())) await runCase(ctx, op, c).catch((e: Error) => failures.push(e.message));
        expect(failures).toEqual([]);
      });
      it('valid requests get a documented answer that matches its schema', async () => {
        await checkOperation(ctx, inputs(), 'valid', { numRuns: Math.ceil(RUNS / 3), seed: SEED });
      });
      it('invalid requests get a documented 400 problem naming the parameter, never a 5xx', async () => {
        // Without parameters the only mutation is an unknown one: a tenth of the budget says all there is to say.
        const runs = RUNS - Math.ceil(RUNS / 3);
        await checkOperation(ctx, inputs(), 'invalid', { numRuns: op.parameters.length ? runs : Math.ceil(runs / 10), seed: SEED });
      });
    });
  }
});

describe('the answers every operation shares (refusals before the operation runs)', () => {
  /** Sends a hand-made request, records its status, and returns the answer with every contract violation. */
  async function probe(op: Operation, req: RawRequest, verdictOf: 'target' | 'valid' = 'target') {
    const headers: Record<string, string> = op.public ? {} : { Authorization: `Bearer ${ACME_KEY}` };
    const answer = await send(server.url, { ...req, headers: { ...headers, ...req.headers } });
    const sent: Sent = { method: req.method, target: req.target, headers: { ...headers, ...req.headers }, answer };
    const byStatus = ctx.statuses!.get(op.operationId) ?? new Map<number, number>();
    ctx.statuses!.set(op.operationId, byStatus);
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    count(ctx, op.operationId, `probe ${req.method}`);
    const v = verdictOf === 'valid' ? ({ kind: 'valid' } as const) : verdict(op, caseOf(req.target));
    return { answer, violations: judge(op, v, sent) };
  }
  const target = (op: Operation, path: Record<string, string> = {}, extra = '') => {
    const b = found.bindings.get(op.operationId)?.[0] ?? { path: {}, query: {} };
    const values = { ...Object.fromEntries(Object.entries(b.path).map(([k, v]) => [k, enc(v)])), ...path };
    const query = Object.entries(b.query).map(([k, v]) => `${k}=${enc(v)}`);
    if (extra) query.push(extra);
    return fillPath(op.path, values) + (query.length ? `?${query.join('&')}` : '');
  };

  for (const op of ops) {
    describe(op.operationId, () => {
      it('405 with Allow for every other method', async () => {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
          const { answer, violations } = await probe(op, { method, target: target(op) }, 'valid');
          expect(violations, `${method} ${op.path}`).toEqual([]);
          expect(answer.status).toBe(405);
          expect(answer.headers.allow).toBe('GET, HEAD, OPTIONS');
        }
      });
      it('414 for a target over the documented length, from the guard and from the HTTP parser', async () => {
        for (const n of [2100, 20_000]) {
          const { answer, violations } = await probe(op, { method: op.method.toUpperCase(), target: target(op, {}, `pad=${'a'.repeat(n)}`) });
          expect(violations).toEqual([]);
          expect(answer.status).toBe(414);
        }
      });
      it('431 for headers over the limit', async () => {
        const { answer, violations } = await probe(op, { method: op.method.toUpperCase(), target: target(op), headers: { 'X-Big': 'b'.repeat(20_000) } }, 'valid');
        expect(violations).toEqual([]);
        expect(answer.status).toBe(431);
      });
      it('400 naming the part the path guard refused: NUL in the query, an encoded slash or a dot segment in the path', async () => {
        const nul = op.parameters.find((p) => p.in === 'query' && !p.required)?.name ?? 'x';
        const cases = [target(op, {}, `${nul}=a%00`)];
        const param = op.parameters.find((p) => p.in === 'path')?.name;
        if (param) cases.push(target(op, { [param]: '..%2Fcontacts' }), target(op, { [param]: '..' }), target(op, { [param]: '%2e' }));
        for (const t of cases) {
          const { answer, violations } = await probe(op, { method: op.method.toUpperCase(), target: t });
          expect(violations, t).toEqual([]);
          expect(answer.status, t).toBe(400);
        }
      });
    });
  }
});

/** A raw target as a Case, so the oracle can judge a hand-written probe like a generated request. */
function caseOf(target: string): Case {
  const [pathPart, queryPart = ''] = target.split('?') as [string, string?];
  const op = ops.find((o) => new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]*')}$`).test(pathPart))!;
  const names: string[] = [];
  const re = new RegExp(`^${op.path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]*)'))}$`);
  const m = re.exec(pathPart)!;
  const query = queryPart ? queryPart.split('&').map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')] as [string, string]) : [];
  return { kind: 'invalid', label: 'probe', binding: 0, path: Object.fromEntries(names.map((n, i) => [n, m[i + 1]!])), query, headers: {}, dynamic: [] };
}
